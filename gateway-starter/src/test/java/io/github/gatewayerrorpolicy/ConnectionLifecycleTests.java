/*
 * Copyright 2026 the original author or authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *      https://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

package io.github.gatewayerrorpolicy;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.gatewayerrorpolicy.test.ErrorPathAssertions;
import io.github.gatewayerrorpolicy.test.GatewayClient;
import io.github.gatewayerrorpolicy.test.PoolGauges;
import io.github.gatewayerrorpolicy.test.TestGateway;
import io.github.gatewayerrorpolicy.upstreams.ScriptedUpstream;
import io.github.gatewayerrorpolicy.upstreams.SelfSignedTls;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Upstream connections that end at awkward moments, and a client that goes away: each
 * case is followed by a healthy request over the same client.
 */
@SpringBootTest(classes = TestGateway.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
		"spring.application.name=test-gateway", "spring.cloud.gateway.server.webflux.httpclient.pool.metrics=true" })
class ConnectionLifecycleTests {

	static final ScriptedUpstream OK = ScriptedUpstream.start(ScriptedUpstream.answering(ScriptedUpstream.ok("hello")));

	static final ScriptedUpstream UNTRUSTED = ScriptedUpstream
		.startTls(ScriptedUpstream.answering(ScriptedUpstream.ok("secret")), SelfSignedTls.serverContext());

	static final AtomicInteger IDLE_CLOSING_REQUESTS = new AtomicInteger();

	/**
	 * Answers one request per connection and then closes the idle connection, as an
	 * upstream with a short keep-alive timeout does, and waits for the gateway to close
	 * its side too.
	 */
	static final ScriptedUpstream IDLE_CLOSING = ScriptedUpstream.start((connection) -> {
		if (connection.readRequest() != null) {
			int request = IDLE_CLOSING_REQUESTS.incrementAndGet();
			connection.write(ScriptedUpstream.ok("fresh " + request));
			connection.closeOutput();
			connection.awaitClosedByPeer();
		}
	});

	static final AtomicInteger STALE_ANSWERED = new AtomicInteger();

	/**
	 * Answers the first request of each connection and closes the connection when the
	 * second arrives, without reading or answering it: a keep-alive timeout that strikes
	 * just as the gateway reuses the connection.
	 */
	static final ScriptedUpstream CLOSING_ON_REUSE = ScriptedUpstream.start((connection) -> {
		if (connection.readRequest() != null) {
			STALE_ANSWERED.incrementAndGet();
			connection.write(ScriptedUpstream.ok("answered " + STALE_ANSWERED.get()));
		}
		connection.readHead();
	});

	static final AtomicInteger SWALLOWED = new AtomicInteger();

	static final ScriptedUpstream SWALLOWING = ScriptedUpstream.start((connection) -> {
		if (connection.readRequest() != null) {
			SWALLOWED.incrementAndGet();
		}
	});

	static final ScriptedUpstream BODY_CUT = ScriptedUpstream.start((connection) -> {
		connection.readHead();
		connection.readSome();
		connection.reset();
	});

	/**
	 * Answers 413 as soon as it has the head, then reads and discards the rest until the
	 * gateway closes, as nginx's lingering close does: closing at once, with the body
	 * still arriving, would make the kernel reset the connection, and the reset could
	 * overtake the answer.
	 */
	static final ScriptedUpstream EARLY_413 = ScriptedUpstream.start((connection) -> {
		connection.readHead();
		connection.write("HTTP/1.1 413 Content Too Large\r\nConnection: close\r\nContent-Type: text/plain\r\n"
				+ "Content-Length: 9\r\n\r\ntoo large");
		connection.awaitClosedByPeer();
	});

	static final ScriptedUpstream STREAMING = ScriptedUpstream.start((connection) -> {
		connection.readRequest();
		connection.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n");
		connection.awaitClosedByPeer();
	});

	GatewayClient gateway;

	int port;

	@BeforeEach
	void connect(@LocalServerPort int port) {
		this.port = port;
		this.gateway = new GatewayClient(port);
	}

	@AfterAll
	static void forgetPoolGauges() {
		PoolGauges.forget(OK.port(), UNTRUSTED.port(), IDLE_CLOSING.port(), SWALLOWING.port(), BODY_CUT.port(),
				EARLY_413.port(), STREAMING.port(), CLOSING_ON_REUSE.port());
	}

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		TestGateway.route(registry, 0, "ok", OK.url(), Map.of());
		TestGateway.route(registry, 1, "untrusted", UNTRUSTED.url(), Map.of());
		TestGateway.route(registry, 2, "idle-closing", IDLE_CLOSING.url(), Map.of());
		TestGateway.route(registry, 3, "swallowing", SWALLOWING.url(), Map.of());
		TestGateway.route(registry, 4, "body-cut", BODY_CUT.url(), Map.of());
		TestGateway.route(registry, 5, "early-413", EARLY_413.url(), Map.of());
		TestGateway.route(registry, 6, "streaming", STREAMING.url(), Map.of());
		TestGateway.route(registry, 7, "closing-on-reuse", CLOSING_ON_REUSE.url(), Map.of());
	}

	@Test
	void refusedCertificateIsATlsCertificateError() throws Exception {
		HttpResponse<String> response = this.gateway.get("/untrusted/a", "application/problem+json");
		assertThat(response.statusCode()).isEqualTo(502);
		assertThat(response.headers().allValues("Proxy-Status"))
			.containsExactly("test-gateway; error=tls_certificate_error");
		assertThat(response.body()).doesNotContain("secret", "PKIX", "certification");
		assertNothingLeaks(response);
		assertFollowUpSucceeds();
	}

	@Test
	void connectionsTheUpstreamClosedWhileIdleAreNotUsedAgain() throws Exception {
		for (int i = 1; i <= 10; i++) {
			HttpResponse<String> get = this.gateway.get("/idle-closing/" + i, null);
			assertThat(get.statusCode()).as("GET %d", i).isEqualTo(200);
			awaitClosedConnectionLeftThePool(IDLE_CLOSING);
			HttpResponse<String> post = this.gateway.send("POST", "/idle-closing/" + i,
					BodyPublishers.ofString("order " + i));
			assertThat(post.statusCode()).as("POST %d", i).isEqualTo(200);
			awaitClosedConnectionLeftThePool(IDLE_CLOSING);
		}
		assertThat(IDLE_CLOSING_REQUESTS).as("each request reached the upstream once").hasValue(20);
		assertFollowUpSucceeds();
	}

	@Test
	void safeRequestLostOnAReusedConnectionIsSentOnceMore() throws Exception {
		int connections = CLOSING_ON_REUSE.connections();
		assertThat(this.gateway.get("/closing-on-reuse/1", null).statusCode()).isEqualTo(200);
		HttpResponse<String> get = this.gateway.get("/closing-on-reuse/2", null);
		assertThat(get.statusCode()).as("sent again on a new connection").isEqualTo(200);
		assertThat(CLOSING_ON_REUSE.connections()).isEqualTo(connections + 2);
		HttpResponse<String> post = this.gateway.send("POST", "/closing-on-reuse/3", BodyPublishers.ofString("pay 10"),
				"Accept", "application/problem+json");
		assertThat(post.statusCode()).as("a POST is never sent twice").isEqualTo(502);
		assertThat(post.headers().allValues("Proxy-Status"))
			.containsExactly("test-gateway; error=connection_terminated");
		assertThat(CLOSING_ON_REUSE.connections()).isEqualTo(connections + 2);
		assertNothingLeaks(post);
		assertFollowUpSucceeds();
	}

	@Test
	void postSentToAConnectionThatThenClosesIsNotRepeatedAndAGetIsRetriedOnce() throws Exception {
		int before = SWALLOWED.get();
		HttpResponse<String> post = this.gateway.send("POST", "/swallowing/a", BodyPublishers.ofString("pay 10"),
				"Accept", "application/problem+json");
		assertThat(post.statusCode()).isEqualTo(502);
		assertThat(post.headers().allValues("Proxy-Status"))
			.containsExactly("test-gateway; error=connection_terminated");
		HttpResponse<String> get = this.gateway.get("/swallowing/b", "application/problem+json");
		assertThat(get.statusCode()).isEqualTo(502);
		assertNothingLeaks(post);
		assertNothingLeaks(get);
		assertThat(SWALLOWED.get() - before).as("the POST once, the GET twice").isEqualTo(3);
		assertFollowUpSucceeds();
	}

	@Test
	void upstreamClosingDuringALargeRequestBodyIsABadGateway() throws Exception {
		byte[] body = new byte[8 * 1024 * 1024];
		HttpResponse<String> response = this.gateway.send("POST", "/body-cut/a", BodyPublishers.ofByteArray(body),
				"Accept", "application/problem+json");
		assertThat(response.statusCode()).isEqualTo(502);
		assertThat(response.headers().allValues("Proxy-Status"))
			.containsExactly("test-gateway; error=connection_terminated");
		assertNothingLeaks(response);
		assertFollowUpSucceeds();
	}

	@Test
	void earlyAnswerBeforeTheRequestBodyEndsIsForwarded() throws Exception {
		byte[] body = new byte[8 * 1024 * 1024];
		HttpResponse<String> response = this.gateway.send("POST", "/early-413/a", BodyPublishers.ofByteArray(body));
		assertThat(response.statusCode()).isEqualTo(413);
		assertThat(response.body()).isEqualTo("too large");
		assertThat(response.headers().allValues("Proxy-Status")).isEmpty();
		assertFollowUpSucceeds();
	}

	@Test
	void clientLeavingMidResponseReleasesTheUpstreamConnection() throws Exception {
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), this.port)) {
			socket.setSoTimeout(10_000);
			socket.getOutputStream()
				.write("GET /streaming/a HTTP/1.1\r\nHost: gateway\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			InputStream in = socket.getInputStream();
			StringBuilder received = new StringBuilder();
			while (!received.toString().contains("first")) {
				int b = in.read();
				assertThat(b).as("the gateway ended the stream before its first part: " + received).isNotEqualTo(-1);
				received.append((char) b);
			}
		}
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(STREAMING.closedByGateway()).isEqualTo(STREAMING.connections()));
		assertFollowUpSucceeds();
	}

	/**
	 * Wait until the gateway has closed every connection the upstream closed: the
	 * connection was closed while idle, not as a request went out.
	 */
	private static void awaitClosedConnectionLeftThePool(ScriptedUpstream upstream) {
		await().atMost(Duration.ofSeconds(10)).until(() -> upstream.closedByGateway() == upstream.connections());
	}

	private static void assertNothingLeaks(HttpResponse<String> response) {
		ErrorPathAssertions.assertNothingLeaks(response, OK.port(), UNTRUSTED.port(), IDLE_CLOSING.port(),
				SWALLOWING.port(), BODY_CUT.port(), EARLY_413.port(), STREAMING.port(), CLOSING_ON_REUSE.port());
	}

	private void assertFollowUpSucceeds() throws IOException, InterruptedException {
		HttpResponse<String> followUp = this.gateway.get("/ok/again", null);
		assertThat(followUp.statusCode()).isEqualTo(200);
		assertThat(followUp.body()).isEqualTo("hello");
	}

}
