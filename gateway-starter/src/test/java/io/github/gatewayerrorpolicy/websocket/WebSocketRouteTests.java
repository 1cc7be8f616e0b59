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

package io.github.gatewayerrorpolicy.websocket;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.github.gatewayerrorpolicy.test.RawWebSocket;
import io.github.gatewayerrorpolicy.test.TestGateway;
import io.github.gatewayerrorpolicy.upstreams.ReservedPort;
import io.github.gatewayerrorpolicy.upstreams.ScriptedUpstream;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.WebsocketServerSpec;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * WebSocket routes over loopback: the client is answered only after the upstream, so an
 * upstream that cannot be reached gets the usual 502 or 504, an upstream's refusal is
 * passed on as it was sent, the sub-protocol is the one the upstream chose, and an
 * upstream that dies after the upgrade closes the client's WebSocket with 1014.
 */
@SpringBootTest(classes = TestGateway.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.application.name=test-gateway", "gateway.error-policy.health.enabled=false" })
class WebSocketRouteTests {

	/**
	 * Echoes text messages, and speaks {@code chat} only.
	 */
	static final DisposableServer ECHO = HttpServer.create()
		.host("127.0.0.1")
		.port(0)
		.handle((request, response) -> response.sendWebsocket(
				(in, out) -> out.sendString(in.receive().asString().map((text) -> "echo:" + text)),
				WebsocketServerSpec.builder().protocols("chat").build()))
		.bindNow();

	/**
	 * Accepts the upgrade, answers the first message, and drops the connection without a
	 * close frame.
	 */
	static final DisposableServer DYING = HttpServer.create()
		.host("127.0.0.1")
		.port(0)
		.handle((request,
				response) -> response.sendWebsocket((in, out) -> in.receive()
					.asString()
					.concatMap((text) -> out.sendString(Mono.just("hello " + text))
						.then()
						.then(Mono.fromRunnable(() -> in.withConnection((connection) -> connection.channel().close()))))
					.then(Mono.never())))
		.bindNow();

	static final ScriptedUpstream FORBIDDEN = ScriptedUpstream.start(ScriptedUpstream.answering(
			"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nX-Upstream: yes\r\nContent-Length: 14\r\n\r\nno entry here!"));

	static final ScriptedUpstream UNAVAILABLE = ScriptedUpstream.start(ScriptedUpstream
		.answering("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\ndown"));

	static final ScriptedUpstream SILENT = ScriptedUpstream.start(ScriptedUpstream.silent());

	/**
	 * Echoes text messages, and speaks no sub-protocol.
	 */
	static final DisposableServer PLAIN_ECHO = HttpServer.create()
		.host("127.0.0.1")
		.port(0)
		.handle((request, response) -> response
			.sendWebsocket((in, out) -> out.sendString(in.receive().asString().map((text) -> "echo:" + text))))
		.bindNow();

	static final ScriptedUpstream FALSE_UPGRADE = ScriptedUpstream.start(ScriptedUpstream.answering(
			"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: wrong\r\n\r\n"));

	static final ScriptedUpstream CLOSING = ScriptedUpstream.start(ScriptedUpstream.closing());

	static final ReservedPort REFUSED = ReservedPort.reserve();

	@LocalServerPort
	int port;

	@AfterAll
	static void stopUpstreams() {
		ECHO.disposeNow();
		DYING.disposeNow();
		PLAIN_ECHO.disposeNow();
	}

	@Autowired
	MeterRegistry registry;

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		TestGateway.route(registry, 0, "echo", "ws://127.0.0.1:" + ECHO.port(), Map.of());
		TestGateway.route(registry, 1, "dying", "ws://127.0.0.1:" + DYING.port(), Map.of());
		TestGateway.route(registry, 2, "forbidden", FORBIDDEN.url().replace("http:", "ws:"), Map.of());
		registry.add("spring.cloud.gateway.server.webflux.routes[2].filters[0]",
				() -> "AddResponseHeader=X-Gateway, added");
		TestGateway.route(registry, 3, "unavailable", UNAVAILABLE.url().replace("http:", "ws:"), Map.of());
		TestGateway.route(registry, 4, "silent", SILENT.url().replace("http:", "ws:"),
				Map.of("response-timeout", "500"));
		TestGateway.route(registry, 5, "refused", REFUSED.url().replace("http:", "ws:"), Map.of());
		// an http: route that a client upgrades
		TestGateway.route(registry, 6, "echo-http", "http://127.0.0.1:" + ECHO.port(), Map.of());
		TestGateway.route(registry, 7, "plain-echo", "ws://127.0.0.1:" + PLAIN_ECHO.port(), Map.of());
		TestGateway.route(registry, 8, "false-upgrade", FALSE_UPGRADE.url().replace("http:", "ws:"), Map.of());
		TestGateway.route(registry, 9, "closing", CLOSING.url().replace("http:", "ws:"), Map.of());
	}

	@Test
	void messagesFlowBothWaysWithTheSubProtocolTheUpstreamChose() throws Exception {
		for (String path : new String[] { "/echo/a", "/echo-http/a" }) {
			Messages messages = new Messages();
			WebSocket socket = HttpClient.newHttpClient()
				.newWebSocketBuilder()
				.subprotocols("superchat", "chat")
				.buildAsync(URI.create("ws://127.0.0.1:" + this.port + path), messages)
				.get(10, TimeUnit.SECONDS);
			assertThat(socket.getSubprotocol()).as(path).isEqualTo("chat");
			socket.sendText("one", true).get(10, TimeUnit.SECONDS);
			assertThat(messages.next()).isEqualTo("echo:one");
			socket.sendText("two", true).get(10, TimeUnit.SECONDS);
			assertThat(messages.next()).isEqualTo("echo:two");
			socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
			assertThat(messages.next()).isEqualTo("close:1000");
		}
		assertThat(this.registry.find("gateway.upstream.failures").tag("route", "echo").counter()).isNull();
	}

	@Test
	void anUpstreamThatChoosesNoSubProtocolLetsTheClientDecide() throws Exception {
		Messages messages = new Messages();
		WebSocket socket = HttpClient.newHttpClient()
			.newWebSocketBuilder()
			.subprotocols("chat")
			.buildAsync(URI.create("ws://127.0.0.1:" + this.port + "/plain-echo/a"), messages)
			.get(10, TimeUnit.SECONDS);
		assertThat(socket.getSubprotocol()).isEmpty();
		socket.sendText("one", true).get(10, TimeUnit.SECONDS);
		assertThat(messages.next()).isEqualTo("echo:one");
		socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
		assertThat(messages.next()).isEqualTo("close:1000");
	}

	@Test
	void anUpstreamThatClosesOrUpgradesFalselyIsABadGateway() throws Exception {
		try (RawWebSocket answer = RawWebSocket.handshake(this.port, "/closing/a", "")) {
			assertThat(answer.status()).isEqualTo(502);
			assertThat(answer.header("Proxy-Status")).isEqualTo("test-gateway; error=connection_terminated");
		}
		try (RawWebSocket answer = RawWebSocket.handshake(this.port, "/false-upgrade/a", "")) {
			assertThat(answer.status()).isEqualTo(502);
			assertThat(answer.header("Proxy-Status")).isEqualTo("test-gateway; error=http_protocol_error");
			assertThat(answer.header("Sec-WebSocket-Accept")).isNull();
		}
	}

	@Test
	void aRefusedConnectionIsABadGatewayAndNoUpgrade() throws Exception {
		try (RawWebSocket answer = RawWebSocket.handshake(this.port, "/refused/a", "Accept: application/json\r\n")) {
			assertThat(answer.status()).isEqualTo(502);
			assertThat(answer.header("Proxy-Status")).isEqualTo("test-gateway; error=connection_refused");
			assertThat(answer.header("Upgrade")).isNull();
			assertThat(answer.body()).contains("\"status\":502").doesNotContain(String.valueOf(REFUSED.port()));
		}
		assertThat(this.registry.get("gateway.upstream.failures")
			.tag("route", "refused")
			.tag("error", "connection_refused")
			.tag("outcome", "responded")
			.counter()
			.count()).isEqualTo(1);
	}

	@Test
	void anUpstreamThatDoesNotAnswerIsAGatewayTimeout() throws Exception {
		try (RawWebSocket answer = RawWebSocket.handshake(this.port, "/silent/a", "")) {
			assertThat(answer.status()).isEqualTo(504);
			assertThat(answer.header("Proxy-Status")).isEqualTo("test-gateway; error=http_response_timeout");
		}
	}

	@Test
	void anUpstreamRefusalIsPassedOnAsItWasSent() throws Exception {
		try (RawWebSocket answer = RawWebSocket.handshake(this.port, "/forbidden/a", "")) {
			assertThat(answer.status()).isEqualTo(403);
			assertThat(answer.header("X-Upstream")).isEqualTo("yes");
			assertThat(answer.header("X-Gateway")).as("a route filter's header").isEqualTo("added");
			assertThat(answer.header("Content-Type")).isEqualTo("text/plain");
			assertThat(answer.header("Proxy-Status")).isNull();
			assertThat(answer.body()).isEqualTo("no entry here!");
		}
		try (RawWebSocket answer = RawWebSocket.handshake(this.port, "/unavailable/a", "")) {
			assertThat(answer.status()).isEqualTo(503);
			assertThat(answer.header("Proxy-Status")).isEqualTo("test-gateway; received-status=503");
			assertThat(answer.body()).isEqualTo("down");
		}
		assertThat(this.registry.get("gateway.upstream.failures")
			.tag("route", "unavailable")
			.tag("outcome", "passed-through")
			.counter()
			.count()).isEqualTo(1);
	}

	@Test
	void anUpstreamThatDiesAfterTheUpgradeClosesTheClientWithBadGateway() throws Exception {
		Messages messages = new Messages();
		WebSocket socket = HttpClient.newHttpClient()
			.newWebSocketBuilder()
			.buildAsync(URI.create("ws://127.0.0.1:" + this.port + "/dying/a"), messages)
			.get(10, TimeUnit.SECONDS);
		socket.sendText("there", true).get(10, TimeUnit.SECONDS);
		assertThat(messages.next()).isEqualTo("hello there");
		assertThat(messages.next()).isEqualTo("close:1014");
		await().atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(this.registry.get("gateway.upstream.failures")
				.tag("route", "dying")
				.tag("outcome", "aborted")
				.counter()
				.count()).isEqualTo(1));
	}

	/**
	 * What a client's WebSocket received, in order: text messages, and its close.
	 */
	static final class Messages implements WebSocket.Listener {

		private final LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();

		private final StringBuilder text = new StringBuilder();

		@Override
		public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
			this.text.append(data);
			if (last) {
				this.received.add(this.text.toString());
				this.text.setLength(0);
			}
			webSocket.request(1);
			return null;
		}

		@Override
		public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
			this.received.add("close:" + statusCode);
			return CompletableFuture.completedFuture(null);
		}

		@Override
		public void onError(WebSocket webSocket, Throwable error) {
			this.received.add("error:" + error);
		}

		String next() throws InterruptedException {
			String next = this.received.poll(10, TimeUnit.SECONDS);
			assertThat(next).as("a message within 10 s").isNotNull();
			return next;
		}

	}

}
