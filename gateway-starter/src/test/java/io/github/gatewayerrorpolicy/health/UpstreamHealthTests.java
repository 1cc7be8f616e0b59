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

package io.github.gatewayerrorpolicy.health;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.github.gatewayerrorpolicy.test.GatewayClient;
import io.github.gatewayerrorpolicy.test.TestGateway;
import io.github.gatewayerrorpolicy.upstreams.ScriptedUpstream;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Passive health checking on real loopback sockets, with upstreams that count the
 * connections they accept: ejection after consecutive failures, no connection while
 * ejected, a {@code Retry-After} that tells the time left, one probe at a time, the
 * doubling of a failed probe, restoration, and what does not count.
 * <p>
 * Retries are off: each request makes one attempt, so that the counts here are those of
 * requests ({@code RetryTests} covers retries).
 */
@SpringBootTest(classes = TestGateway.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "gateway.error-policy.retry.enabled=false", "spring.application.name=test-gateway",
				"management.endpoints.web.exposure.include=gatewayerrors,metrics",
				"gateway.error-policy.health.consecutive-failures=3",
				"gateway.error-policy.health.base-ejection-time=3s",
				"gateway.error-policy.health.max-ejection-time=8s" })
@ExtendWith(OutputCaptureExtension.class)
class UpstreamHealthTests {

	static final ScriptedUpstream DEAD = ScriptedUpstream.start(ScriptedUpstream.closing());

	static final AtomicReference<String> FLAKY_MODE = new AtomicReference<>("close");

	static final ScriptedUpstream FLAKY = ScriptedUpstream.start((connection) -> {
		connection.readRequest();
		if (FLAKY_MODE.get().equals("ok")) {
			connection.write(ScriptedUpstream.ok("back"));
		}
	});

	static final AtomicReference<String> HELD_MODE = new AtomicReference<>("close");

	static final CountDownLatch HELD_RELEASE = new CountDownLatch(1);

	static final ScriptedUpstream HELD = ScriptedUpstream.start((connection) -> {
		connection.readRequest();
		if (HELD_MODE.get().equals("hold")) {
			HELD_RELEASE.await(10, TimeUnit.SECONDS);
			connection.write(ScriptedUpstream.ok("probed"));
		}
	});

	/**
	 * Its first three connections wait until the gateway closes them; later ones answer.
	 */
	static final ScriptedUpstream ABANDONED = ScriptedUpstream.start((connection) -> {
		connection.readRequest();
		if (connection.index() <= 3) {
			connection.awaitClosedByPeer();
		}
		else {
			connection.write(ScriptedUpstream.ok("answered"));
		}
	});

	/**
	 * Every third connection is answered, the others closed: never three failures in a
	 * row.
	 */
	static final ScriptedUpstream ALTERNATING = ScriptedUpstream.start((connection) -> {
		connection.readRequest();
		if (connection.index() % 3 == 0) {
			connection.write(ScriptedUpstream.ok("sometimes"));
		}
	});

	static final ScriptedUpstream UNTRACKED = ScriptedUpstream.start(ScriptedUpstream.closing());

	@LocalServerPort
	int port;

	@Autowired
	MeterRegistry registry;

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		TestGateway.route(registry, 0, "dead", DEAD.url(), Map.of());
		TestGateway.route(registry, 1, "flaky", FLAKY.url(), Map.of("error-policy.health.consecutive-failures", "2",
				"error-policy.health.base-ejection-time", "1s", "error-policy.health.max-ejection-time", "4s"));
		TestGateway.route(registry, 2, "held", HELD.url(), Map.of("error-policy.health.consecutive-failures", "2",
				"error-policy.health.base-ejection-time", "1s"));
		TestGateway.route(registry, 3, "abandoned", ABANDONED.url(),
				Map.of("error-policy.health.consecutive-failures", "2"));
		TestGateway.route(registry, 4, "alternating", ALTERNATING.url(), Map.of());
		TestGateway.route(registry, 5, "untracked", UNTRACKED.url(), Map.of("error-policy.health.enabled", "false"));
	}

	@Test
	void anEjectedUpstreamIsNotCalledAndItsRequestsGet503WithTheSecondsLeft(CapturedOutput output) throws Exception {
		GatewayClient gateway = new GatewayClient(this.port);
		for (int i = 0; i < 3; i++) {
			assertThat(gateway.get("/dead/a", "application/json").statusCode()).isEqualTo(502);
		}
		assertThat(DEAD.connections()).isEqualTo(3);
		HttpResponse<String> ejected = gateway.get("/dead/a", "application/json");
		assertThat(ejected.statusCode()).isEqualTo(503);
		assertThat(ejected.headers().allValues("Proxy-Status"))
			.containsExactly("test-gateway; error=destination_unavailable");
		long retryAfter = Long.parseLong(ejected.headers().firstValue("Retry-After").orElseThrow());
		assertThat(retryAfter).isBetween(1L, 3L);
		JsonNode problem = GatewayClient.json(ejected);
		assertThat(problem.get("status").asInt()).isEqualTo(503);
		assertThat(problem.get("detail").asString()).contains("temporarily taken out of service");
		assertThat(ejected.body()).doesNotContain("127.0.0.1").doesNotContain(String.valueOf(DEAD.port()));
		for (int i = 0; i < 20; i++) {
			assertThat(gateway.get("/dead/a", "*/*").statusCode()).isEqualTo(503);
		}
		assertThat(DEAD.connections()).as("connections while ejected").isEqualTo(3);
		await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
			HttpResponse<String> later = gateway.get("/dead/a", "*/*");
			assertThat(later.statusCode()).isEqualTo(503);
			assertThat(Long.parseLong(later.headers().firstValue("Retry-After").orElseThrow()))
				.as("Retry-After counts down")
				.isLessThan(retryAfter);
		});
		assertThat(DEAD.connections()).isEqualTo(3);
		assertThat(output).containsPattern("(?m) WARN .* Upstream ejected: route=dead upstream=127\\.0\\.0\\.1:"
				+ DEAD.port() + " error=connection_terminated failures=3 for=3\\.0s ejections-in-a-row=1$");
		assertThat(output).as("each request turned away is counted, not logged: the ejection was")
			.doesNotContain("outcome=ejected");
		assertThat(this.registry.get("gateway.upstream.ejections")
			.tag("route", "dead")
			.tag("error", "connection_terminated")
			.counter()
			.count()).isEqualTo(1);
		assertThat(this.registry.get("gateway.upstream.failures")
			.tag("route", "dead")
			.tag("outcome", "ejected")
			.tag("error", "destination_unavailable")
			.counter()
			.count()).isGreaterThanOrEqualTo(21);
		assertThat(this.registry.get("gateway.upstream.ejected").gauge().value()).isGreaterThanOrEqualTo(1);
		JsonNode upstreams = GatewayClient.json(gateway.get("/actuator/gatewayerrors", "application/json"))
			.get("upstreams");
		JsonNode dead = null;
		for (JsonNode upstream : upstreams) {
			if (upstream.get("upstream").asString().equals("127.0.0.1:" + DEAD.port())) {
				dead = upstream;
			}
		}
		assertThat(dead).as("the dead upstream in the endpoint: " + upstreams).isNotNull();
		assertThat(dead.get("route").asString()).isEqualTo("dead");
		assertThat(dead.get("state").asString()).isEqualTo("ejected");
		assertThat(dead.get("consecutiveFailures").asInt()).isEqualTo(3);
		assertThat(dead.get("ejections").asInt()).isEqualTo(1);
		assertThat(dead.get("cause").asString()).isEqualTo("connection_terminated");
		assertThat(dead.get("triedAgainAt").isNull()).isFalse();
	}

	@Test
	void aFailedProbeDoublesTheEjectionAndASuccessfulOneRestoresTraffic(CapturedOutput output) throws Exception {
		GatewayClient gateway = new GatewayClient(this.port);
		for (int i = 0; i < 2; i++) {
			assertThat(gateway.get("/flaky/a", "*/*").statusCode()).isEqualTo(502);
		}
		HttpResponse<String> ejected = gateway.get("/flaky/a", "*/*");
		assertThat(ejected.statusCode()).isEqualTo(503);
		assertThat(ejected.headers().firstValue("Retry-After")).hasValue("1");
		await().atMost(Duration.ofSeconds(3))
			.pollInterval(Duration.ofMillis(50))
			.until(() -> gateway.get("/flaky/a", "*/*").statusCode() == 502);
		assertThat(FLAKY.connections()).as("the probe").isEqualTo(3);
		HttpResponse<String> again = gateway.get("/flaky/a", "*/*");
		assertThat(again.statusCode()).isEqualTo(503);
		assertThat(again.headers().firstValue("Retry-After")).as("doubled: 2 s").hasValue("2");
		FLAKY_MODE.set("ok");
		await().atMost(Duration.ofSeconds(4))
			.pollInterval(Duration.ofMillis(50))
			.until(() -> gateway.get("/flaky/a", "*/*").statusCode() == 200);
		for (int i = 0; i < 5; i++) {
			assertThat(gateway.get("/flaky/a", "*/*").statusCode()).isEqualTo(200);
		}
		assertThat(FLAKY.connections()).isEqualTo(4 + 5);
		assertThat(output)
			.containsPattern("(?m) WARN .* Upstream ejected: route=flaky .* for=2\\.0s ejections-in-a-row=2$")
			.containsPattern("(?m) INFO .* Upstream restored: route=flaky upstream=127\\.0\\.0\\.1:" + FLAKY.port()
					+ " after 2 ejection\\(s\\) in a row$");
	}

	@Test
	void onlyOneProbeIsSentAtATime() throws Exception {
		GatewayClient gateway = new GatewayClient(this.port);
		for (int i = 0; i < 2; i++) {
			assertThat(gateway.get("/held/a", "*/*").statusCode()).isEqualTo(502);
		}
		assertThat(gateway.get("/held/a", "*/*").statusCode()).isEqualTo(503);
		HELD_MODE.set("hold");
		List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
		await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50)).until(() -> {
			sent.add(CompletableFuture.supplyAsync(() -> get(gateway, "/held/a")));
			return HELD.connections() == 3;
		});
		for (int i = 0; i < 10; i++) {
			HttpResponse<String> meanwhile = gateway.get("/held/a", "*/*");
			assertThat(meanwhile.statusCode()).as("while the probe is out").isEqualTo(503);
			assertThat(meanwhile.headers().firstValue("Retry-After")).hasValue("1");
		}
		assertThat(HELD.connections()).as("one probe").isEqualTo(3);
		HELD_RELEASE.countDown();
		List<Integer> statuses = new ArrayList<>();
		for (CompletableFuture<HttpResponse<String>> response : sent) {
			statuses.add(response.get(10, TimeUnit.SECONDS).statusCode());
		}
		assertThat(statuses).containsOnlyOnce(200).containsOnly(200, 503);
		assertThat(gateway.get("/held/a", "*/*").statusCode()).isEqualTo(200);
	}

	@Test
	void aClientThatGoesAwayDoesNotCount() throws Exception {
		for (int i = 1; i <= 3; i++) {
			try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), this.port)) {
				OutputStream out = socket.getOutputStream();
				out.write("GET /abandoned/a HTTP/1.1\r\nHost: gateway\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
				out.flush();
				int connection = i;
				await().atMost(Duration.ofSeconds(5)).until(() -> ABANDONED.connections() == connection);
			}
			int closed = i;
			await().atMost(Duration.ofSeconds(5)).until(() -> ABANDONED.closedByGateway() == closed);
		}
		HttpResponse<String> response = new GatewayClient(this.port).get("/abandoned/a", "*/*");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).isEqualTo("answered");
	}

	@Test
	void anAnswerResetsTheCount() throws Exception {
		GatewayClient gateway = new GatewayClient(this.port);
		List<Integer> statuses = new ArrayList<>();
		for (int i = 0; i < 12; i++) {
			statuses.add(gateway.get("/alternating/a", "*/*").statusCode());
		}
		assertThat(statuses).containsExactly(502, 502, 200, 502, 502, 200, 502, 502, 200, 502, 502, 200);
		assertThat(ALTERNATING.connections()).isEqualTo(12);
	}

	@Test
	void aRouteWithHealthTrackingOffIsAlwaysCalled() throws Exception {
		GatewayClient gateway = new GatewayClient(this.port);
		for (int i = 0; i < 10; i++) {
			assertThat(gateway.get("/untracked/a", "*/*").statusCode()).isEqualTo(502);
		}
		assertThat(UNTRACKED.connections()).isEqualTo(10);
	}

	private static HttpResponse<String> get(GatewayClient gateway, String path) {
		try {
			return gateway.get(path, "*/*");
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

}
