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

package io.github.gatewayerrorpolicy.retry;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.gatewayerrorpolicy.test.GatewayClient;
import io.github.gatewayerrorpolicy.test.TestGateway;
import io.github.gatewayerrorpolicy.upstreams.ReservedPort;
import io.github.gatewayerrorpolicy.upstreams.ScriptedUpstream;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

/**
 * Retries over real loopback sockets, with upstreams that record every request they read:
 * a request that may have reached the upstream is sent again only when that is safe, one
 * that never left the gateway is sent again whatever its method, and nothing is sent
 * again once the client has had part of a response. Upstream health is off here, so that
 * each upstream's failures are retried however many there are. An application filter
 * copies every request (as one that adds a header does), which asks for its body before
 * any connection is made.
 */
@SpringBootTest(classes = { TestGateway.class, RetryTests.CopyingFilter.class },
		webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.application.name=test-gateway", "gateway.error-policy.health.enabled=false",
				"management.endpoints.web.exposure.include=gatewayerrors" })
@ExtendWith(OutputCaptureExtension.class)
class RetryTests {

	static final List<String> CLOSING_BODIES = new CopyOnWriteArrayList<>();

	/** Reads each request, body included, and closes without answering. */
	static final ScriptedUpstream CLOSING = ScriptedUpstream.start((connection) -> {
		String request = connection.readRequestWithBody();
		if (request != null) {
			CLOSING_BODIES.add(body(request));
		}
	});

	static final List<String> STOCK_BODIES = new CopyOnWriteArrayList<>();

	static final ScriptedUpstream STOCK_CLOSING = ScriptedUpstream.start((connection) -> {
		String request = connection.readRequestWithBody();
		if (request != null) {
			STOCK_BODIES.add(body(request));
		}
	});

	static final Map<String, List<String>> FLAKY_BODIES = new ConcurrentHashMap<>();

	/** Closes on the first request of each test id, answers its body to the next. */
	static final ScriptedUpstream FLAKY = ScriptedUpstream.start((connection) -> {
		for (String request = connection.readRequestWithBody(); request != null; request = connection
			.readRequestWithBody()) {
			List<String> seen = FLAKY_BODIES.computeIfAbsent(header(request, "x-test-id"),
					(id) -> new CopyOnWriteArrayList<>());
			seen.add(body(request));
			if (seen.size() == 1) {
				return;
			}
			connection.write(ScriptedUpstream.ok(body(request)));
		}
	});

	static final ReservedPort REFUSING = ReservedPort.reserve();

	static final List<String> HEALTHY_BODIES = new CopyOnWriteArrayList<>();

	static final ScriptedUpstream HEALTHY = ScriptedUpstream.start((connection) -> {
		for (String request = connection.readRequestWithBody(); request != null; request = connection
			.readRequestWithBody()) {
			HEALTHY_BODIES.add(body(request));
			connection.write(ScriptedUpstream.ok(body(request)));
		}
	});

	/** Reads the head of the request only, and closes. */
	static final ScriptedUpstream HEAD_ONLY = ScriptedUpstream.start(ScriptedUpstream.Connection::readHead);

	static final ScriptedUpstream PARTIAL = ScriptedUpstream.start((connection) -> {
		connection.readRequest();
		connection.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\npartial");
	});

	static final ScriptedUpstream SILENT = ScriptedUpstream.start(ScriptedUpstream.silent());

	static final Map<String, Integer> BUSY_REQUESTS = new ConcurrentHashMap<>();

	/** Answers 503 with Retry-After: 0 to the first request of each test id. */
	static final ScriptedUpstream BUSY_ONCE = ScriptedUpstream.start((connection) -> {
		for (String request = connection.readRequest(); request != null; request = connection.readRequest()) {
			int seen = BUSY_REQUESTS.merge(header(request, "x-test-id"), 1, Integer::sum);
			connection.write(
					(seen == 1) ? "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\nContent-Length: 4\r\n\r\nbusy"
							: ScriptedUpstream.ok("served on attempt " + seen));
		}
	});

	static final ScriptedUpstream BUSY_LONG = ScriptedUpstream.start(ScriptedUpstream
		.answering("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 120\r\nContent-Length: 9\r\n\r\ncome back"));

	@LocalServerPort
	int port;

	@Autowired
	MeterRegistry registry;

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		TestGateway.route(registry, 0, "closing", CLOSING.url(), Map.of());
		TestGateway.route(registry, 1, "flaky", FLAKY.url(), Map.of());
		registry.add("spring.cloud.discovery.client.simple.instances.refusing[0].uri", REFUSING::url);
		registry.add("spring.cloud.discovery.client.simple.instances.refusing[1].uri", HEALTHY::url);
		TestGateway.route(registry, 2, "refusing", "lb://refusing", Map.of());
		TestGateway.route(registry, 3, "head-only", HEAD_ONLY.url(), Map.of());
		TestGateway.route(registry, 4, "partial", PARTIAL.url(), Map.of());
		TestGateway.route(registry, 5, "hanging", SILENT.url(),
				Map.of("response-timeout", "1000", "error-policy.expose-details", "true",
						"error-policy.retry.per-try-timeout", "300ms", "error-policy.retry.max-attempts", "10",
						"error-policy.retry.types", "connection-refused,http-response-timeout"));
		TestGateway.route(registry, 6, "stock", STOCK_CLOSING.url(), Map.of());
		String stockFilter = "spring.cloud.gateway.server.webflux.routes[6].filters[0].";
		registry.add(stockFilter + "name", () -> "Retry");
		registry.add(stockFilter + "args.retries", () -> "1");
		registry.add(stockFilter + "args.methods", () -> "POST");
		registry.add(stockFilter + "args.exceptions", () -> "java.io.IOException");
		TestGateway.route(registry, 7, "busy-once", BUSY_ONCE.url(), Map.of("error-policy.retry.statuses", "503"));
		TestGateway.route(registry, 8, "busy-long", BUSY_LONG.url(),
				Map.of("error-policy.retry.statuses", "503", "response-timeout", "5000"));
	}

	@Test
	void aPostThatReachedTheUpstreamIsNeverSentTwice() throws Exception {
		HttpResponse<String> response = gateway().send("POST", "/closing/orders", BodyPublishers.ofString("order-1"),
				"Accept", "application/problem+json");
		assertThat(response.statusCode()).isEqualTo(502);
		assertThat(response.headers().allValues("Proxy-Status"))
			.containsExactly("test-gateway; error=connection_terminated");
		assertThat(CLOSING_BODIES).containsExactly("order-1");
		assertThat(retries("closing", "connection_terminated", "not-retryable")).isEqualTo(1);
	}

	@Test
	void springCloudGatewaysRetryFilterSendsThatPostTwice() throws Exception {
		HttpResponse<String> response = gateway().send("POST", "/stock/orders", BodyPublishers.ofString("order-2"));
		// the stock filter's own answer after its retry; what matters is what the
		// upstream read
		assertThat(response.statusCode()).isGreaterThanOrEqualTo(500);
		assertThat(STOCK_BODIES).containsExactly("order-2", "order-2");
		assertThat(this.registry.find("gateway.upstream.retries").tag("route", "stock").counters())
			.as("the policy leaves a route with the Retry filter alone")
			.isEmpty();
	}

	@Test
	void aRouteLeftToTheRetryFilterIsNamedAtStartUpAndInTheEndpoint(CapturedOutput output) throws Exception {
		assertThat(output).contains(
				"Route stock has Spring Cloud Gateway's Retry filter: the error policy does not retry its requests");
		assertThat(output).doesNotContain("Route closing has Spring Cloud Gateway's Retry filter");
		JsonNode routes = GatewayClient.json(gateway().get("/actuator/gatewayerrors", "application/json"))
			.get("routes");
		assertThat(routes.get("stock").get("retry").get("leftToRetryFilter").asBoolean()).isTrue();
		assertThat(routes.get("stock").get("retry").get("enabled").asBoolean()).isFalse();
		assertThat(routes.get("closing").get("retry").get("enabled").asBoolean()).isTrue();
		assertThat(routes.get("hanging").get("retry").get("perTryTimeout").asString()).isEqualTo("PT0.3S");
	}

	@Test
	void aPutIsRetriedWithItsBodyAndSucceeds() throws Exception {
		HttpResponse<String> response = gateway().send("PUT", "/flaky/items/1", BodyPublishers.ofString("put-body"),
				"X-Test-Id", "put");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).isEqualTo("put-body");
		assertThat(FLAKY_BODIES.get("put")).containsExactly("put-body", "put-body");
	}

	@Test
	void aPostWithAnIdempotencyKeyIsRetriedAndSucceeds() throws Exception {
		double before = retries("flaky", "connection_terminated", "succeeded");
		HttpResponse<String> response = gateway().send("POST", "/flaky/orders", BodyPublishers.ofString("keyed"),
				"X-Test-Id", "keyed", "Idempotency-Key", "8e03978e-40d5-43e8-bc93-6894a57f9324");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).isEqualTo("keyed");
		assertThat(FLAKY_BODIES.get("keyed")).containsExactly("keyed", "keyed");
		assertThat(retries("flaky", "connection_terminated", "succeeded")).isEqualTo(before + 1);
	}

	@Test
	void aPostWithoutAKeyToTheSameUpstreamIsNotRetried() throws Exception {
		HttpResponse<String> response = gateway().send("POST", "/flaky/orders", BodyPublishers.ofString("unkeyed"),
				"X-Test-Id", "unkeyed");
		assertThat(response.statusCode()).isEqualTo(502);
		assertThat(FLAKY_BODIES.get("unkeyed")).containsExactly("unkeyed");
	}

	@Test
	void aPostRefusedAtConnectIsRetriedOnAnotherInstance() throws Exception {
		GatewayClient gateway = gateway();
		for (int i = 0; i < 10; i++) {
			HttpResponse<String> response = gateway.send("POST", "/refusing/orders",
					BodyPublishers.ofString("refused-" + i));
			assertThat(response.statusCode()).as("request %d", i).isEqualTo(200);
			assertThat(response.body()).isEqualTo("refused-" + i);
		}
		assertThat(HEALTHY_BODIES).filteredOn((body) -> body.startsWith("refused-"))
			.as("each request once at the healthy instance")
			.hasSize(10)
			.doesNotHaveDuplicates();
		// round robin alternates: about half the requests were tried on the refusing
		// instance first
		assertThat(retries("refusing", "connection_refused", "succeeded")).isBetween(3.0, 7.0);
	}

	@Test
	void aStreamedBodyLongerThanTheKeptSizeIsNotSentAgain() throws Exception {
		byte[] body = new byte[100 * 1024];
		HttpResponse<String> response = gateway().send("PUT", "/head-only/upload",
				BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)));
		assertThat(response.statusCode()).isEqualTo(502);
		assertThat(HEAD_ONLY.connections()).isEqualTo(1);
	}

	@Test
	void nothingIsRetriedOnceTheResponseHasBegun() {
		assertThatIOException().isThrownBy(() -> gateway().get("/partial/a", "*/*"));
		assertThat(PARTIAL.connections()).isEqualTo(1);
	}

	@Test
	void theAttemptsTogetherNeverOutlastTheResponseTimeout() throws Exception {
		long start = System.nanoTime();
		HttpResponse<String> response = gateway().get("/hanging/a", "application/problem+json");
		long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
		assertThat(response.statusCode()).isEqualTo(504);
		assertThat(GatewayClient.json(response).get("error").asString()).isEqualTo("http_response_timeout");
		int attempts = GatewayClient.json(response).get("attempts").asInt();
		assertThat(attempts).as("attempts of at most 300 ms within 1 s").isBetween(3, 5);
		assertThat(SILENT.connections()).isEqualTo(attempts);
		assertThat(elapsedMillis).as("the route's response timeout, 1000 ms, holds for all attempts")
			.isBetween(900L, 1500L);
	}

	@Test
	void aPostWaitsForTheWholeResponseTimeoutNotThePerTryLimit() throws Exception {
		long start = System.nanoTime();
		HttpResponse<String> response = gateway().send("POST", "/hanging/b", BodyPublishers.ofString("x"), "Accept",
				"application/problem+json");
		long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
		assertThat(response.statusCode()).isEqualTo(504);
		assertThat(GatewayClient.json(response).get("attempts").asInt()).isEqualTo(1);
		assertThat(elapsedMillis).as("a POST is never retried: the 300 ms per-try limit does not apply")
			.isGreaterThanOrEqualTo(900L);
	}

	@Test
	void aListedStatusIsRetriedForAnIdempotentRequest() throws Exception {
		HttpResponse<String> response = gateway().send("GET", "/busy-once/a", "X-Test-Id", "get");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).isEqualTo("served on attempt 2");
		assertThat(response.headers().allValues("Retry-After")).as("nothing of the first answer").isEmpty();
		assertThat(response.headers().allValues("Content-Length")).containsExactly("19");
		assertThat(retries("busy-once", "status_503", "succeeded")).isEqualTo(1);
	}

	@Test
	void aListedStatusIsPassedOnForAPost() throws Exception {
		HttpResponse<String> response = gateway().send("POST", "/busy-once/a", BodyPublishers.ofString("x"),
				"X-Test-Id", "post");
		assertThat(response.statusCode()).isEqualTo(503);
		assertThat(response.body()).isEqualTo("busy");
		assertThat(BUSY_REQUESTS.get("post")).isEqualTo(1);
	}

	@Test
	void anUpstreamThatAsksForMoreTimeThanIsLeftIsPassedOn() throws Exception {
		HttpResponse<String> response = gateway().get("/busy-long/a", "*/*");
		assertThat(response.statusCode()).isEqualTo(503);
		assertThat(response.body()).isEqualTo("come back");
		assertThat(response.headers().firstValue("Retry-After")).hasValue("120");
		assertThat(BUSY_LONG.connections()).isEqualTo(1);
		assertThat(retries("busy-long", "status_503", "not-retryable")).isEqualTo(1);
	}

	/**
	 * An application's filter without an order, which runs around the routing filter and
	 * copies the request, as any filter that adds a header does.
	 */
	@TestConfiguration(proxyBeanMethods = false)
	static class CopyingFilter {

		@Bean
		GlobalFilter addsAHeader() {
			return (exchange, chain) -> chain
				.filter(exchange.mutate().request((request) -> request.header("X-Added", "yes")).build());
		}

	}

	private GatewayClient gateway() {
		return new GatewayClient(this.port);
	}

	private double retries(String route, String error, String result) {
		Counter counter = this.registry.find("gateway.upstream.retries")
			.tags("route", route, "error", error, "result", result)
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

	private static String body(String request) {
		return request.substring(request.indexOf("\r\n\r\n") + 4);
	}

	private static String header(String request, String name) {
		for (String line : request.split("\r\n")) {
			if (line.toLowerCase(Locale.ROOT).startsWith(name + ":")) {
				return line.substring(name.length() + 1).trim();
			}
		}
		return "";
	}

}
