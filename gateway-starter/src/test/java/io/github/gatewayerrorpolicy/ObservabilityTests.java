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
import java.net.SocketException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import brave.handler.MutableSpan;
import brave.handler.SpanHandler;
import brave.propagation.TraceContext;
import io.github.gatewayerrorpolicy.metrics.GatewayMeterSanitizer;
import io.github.gatewayerrorpolicy.metrics.UpstreamFailureMetrics;
import io.github.gatewayerrorpolicy.test.GatewayClient;
import io.github.gatewayerrorpolicy.test.TestGateway;
import io.github.gatewayerrorpolicy.upstreams.ReservedPort;
import io.github.gatewayerrorpolicy.upstreams.ScriptedUpstream;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.micrometer.tracing.test.autoconfigure.AutoConfigureTracing;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What operators see of real failures: metrics, the {@code gatewayerrors} endpoint, the
 * log line and the trace, all carrying the same trace id.
 */
@SpringBootTest(classes = { TestGateway.class, ObservabilityTests.Spans.class },
		webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.endpoints.web.exposure.include=gatewayerrors,metrics",
				"management.tracing.sampling.probability=1.0", "gateway.error-policy.endpoint.recent-failures=4",
				"gateway.error-policy.mask-upstream-errors=504" })
@AutoConfigureTracing
@ExtendWith(OutputCaptureExtension.class)
@DirtiesContext
class ObservabilityTests {

	static final ReservedPort REFUSED = ReservedPort.reserve();

	static final ScriptedUpstream UNAVAILABLE = ScriptedUpstream.start(ScriptedUpstream
		.answering("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\ndown"));

	static final ScriptedUpstream TIMEOUT = ScriptedUpstream.start(ScriptedUpstream
		.answering("HTTP/1.1 504 Gateway Timeout\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nslow"));

	static final ScriptedUpstream MID_BODY = ScriptedUpstream.start((connection) -> {
		connection.readRequest();
		connection.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart");
		connection.reset();
	});

	static final Pattern LEAKS = Pattern.compile("127\\.0\\.0\\.1|localhost|http://|[Ee]xception|" + REFUSED.port()
			+ "|" + UNAVAILABLE.port() + "|" + TIMEOUT.port() + "|" + MID_BODY.port());

	@Autowired
	MeterRegistry registry;

	@Autowired
	Spans spans;

	@LocalServerPort
	int port;

	GatewayClient gateway;

	@BeforeEach
	void connect() {
		this.gateway = new GatewayClient(this.port);
	}

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		TestGateway.route(registry, 0, "refused", REFUSED.url(), Map.of());
		TestGateway.route(registry, 1, "unavailable", UNAVAILABLE.url(), Map.of());
		TestGateway.route(registry, 2, "timeout", TIMEOUT.url(), Map.of());
		TestGateway.route(registry, 3, "mid-body", MID_BODY.url(),
				Map.of("error-policy.retry-after.connection-refused", "7s"));
	}

	@Test
	void operatorsSeeEveryFailure(CapturedOutput output) throws Exception {
		assertThat(this.gateway.get("/unavailable/a", null).statusCode()).isEqualTo(503);
		assertThat(this.gateway.get("/unavailable/a", null).statusCode()).isEqualTo(503);
		assertThat(this.gateway.get("/timeout/a", null).statusCode()).isEqualTo(504);
		readUntilAborted("/mid-body/a");
		HttpResponse<String> refused = null;
		for (int i = 0; i < 3; i++) {
			refused = this.gateway.get("/refused/a?secret=x", "application/problem+json");
			assertThat(refused.statusCode()).isEqualTo(502);
		}

		assertCounted("refused", "connection_refused", "502", "responded", 3);
		assertCounted("unavailable", "none", "503", "passed-through", 2);
		assertCounted("timeout", "none", "504", "masked", 1);
		assertCounted("mid-body", "http_response_incomplete", "200", "aborted", 1);
		Timer waited = this.registry.get(UpstreamFailureMetrics.DURATION)
			.tags("route", "refused", "outcome", "responded")
			.timer();
		assertThat(waited.count()).isEqualTo(3);
		assertThat(waited.totalTime(TimeUnit.NANOSECONDS)).isPositive();
		List<String> tagValues = this.registry.getMeters()
			.stream()
			.flatMap((meter) -> meter.getId().getTags().stream())
			.map(Tag::getValue)
			.toList();
		assertThat(tagValues).as("no tag of any meter names an exception or an upstream, or carries a query")
			.isNotEmpty()
			.noneMatch(
					(value) -> value.contains("Exception") || value.contains("secret") || value.contains("127.0.0.1"))
			.contains(GatewayMeterSanitizer.FAILED);
		HttpResponse<String> clientMetric = this.gateway.get("/actuator/metrics/http.client.requests", null);
		assertThat(clientMetric.body()).doesNotContainPattern(LEAKS);

		HttpResponse<String> endpoint = this.gateway.get("/actuator/gatewayerrors", "application/json");
		assertThat(endpoint.statusCode()).isEqualTo(200);
		JsonNode errors = GatewayClient.json(endpoint);
		// the refused upstream failed 5 times in a row (3 requests, the first 2 retried)
		// and is ejected: the operator's view names it, and nothing else does
		assertThat(errors.get("upstreams").valueStream().map((upstream) -> upstream.get("route").asString()))
			.containsExactly("refused");
		((ObjectNode) errors).remove("upstreams");
		assertThat(errors.toString()).doesNotContainPattern(LEAKS).doesNotContain("secret");
		assertThat(errors.get("failures").asLong()).isEqualTo(7);
		assertThat(errors.get("totals").valueStream().map(JsonNode::toString).toList()).contains(
				"{\"route\":\"refused\",\"error\":\"connection_refused\",\"outcome\":\"responded\",\"count\":3}",
				"{\"route\":\"unavailable\",\"error\":\"none\",\"outcome\":\"passed-through\",\"count\":2}",
				"{\"route\":\"mid-body\",\"error\":\"http_response_incomplete\",\"outcome\":\"aborted\",\"count\":1}");
		List<JsonNode> recent = errors.get("recent").valueStream().toList();
		assertThat(recent).as("the buffer holds the 4 newest, newest first")
			.extracting((failure) -> failure.get("route").asString())
			.containsExactly("refused", "refused", "refused", "mid-body");
		assertThat(recent).as("the third was not retried: its upstream had just been ejected")
			.extracting((failure) -> failure.get("attempts").asInt())
			.containsExactly(1, 2, 2, 1);
		JsonNode aborted = recent.get(3);
		assertThat(aborted.get("method").asString()).isEqualTo("GET");
		assertThat(aborted.get("status").asInt()).isEqualTo(200);
		assertThat(aborted.get("outcome").asString()).isEqualTo("aborted");
		assertThat(aborted.propertyNames()).containsExactlyInAnyOrder("time", "route", "method", "error", "status",
				"outcome", "requestId", "traceId", "attempts", "protocol");
		assertThat(aborted.get("protocol").asString()).isEqualTo("http");
		JsonNode policies = errors.get("routes");
		assertThat(policies.propertyNames()).containsExactlyInAnyOrder("refused", "unavailable", "timeout", "mid-body");
		assertThat(policies.get("refused").get("statuses").get("connection_timeout").asInt()).isEqualTo(504);
		assertThat(policies.get("refused").get("maskUpstreamErrors").get(0).asInt()).isEqualTo(504);
		assertThat(policies.get("mid-body").get("retryAfter").get("connection_refused").asString()).isEqualTo("PT7S");
		assertThat(policies.get("refused").get("proxyStatusName").asString()).isEqualTo("gateway");

		String traceId = GatewayClient.json(refused).get("traceId").asString();
		assertThat(traceId).matches("[0-9a-f]{32}");
		assertThat(output).contains(
				"Upstream failure: route=refused error=connection_refused status=502 " + "outcome=responded request="
						+ GatewayClient.json(refused).get("requestId").asString() + " attempts=1 trace=" + traceId);
		assertThat(recent).anySatisfy((failure) -> assertThat(failure.get("traceId").asString()).isEqualTo(traceId));
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(this.spans.finished).anySatisfy((span) -> {
				assertThat(span.traceId()).isEqualTo(traceId);
				assertThat(span.tags()).containsEntry("gateway.upstream.error", "connection_refused")
					.containsEntry("gateway.upstream.outcome", "responded")
					.containsEntry("status", "502")
					.containsEntry("exception", "none");
			}));
		HttpResponse<String> page = this.gateway.get("/refused/b", "text/html");
		assertThat(page.body()).containsPattern("<dt>Trace ID</dt><dd>[0-9a-f]{32}</dd>");
	}

	private void assertCounted(String route, String error, String status, String outcome, double count) {
		assertThat(this.registry.get(UpstreamFailureMetrics.FAILURES)
			.tags("route", route, "error", error, "status", status, "outcome", outcome)
			.counter()
			.count()).as(route).isEqualTo(count);
	}

	private void readUntilAborted(String path) throws IOException {
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), this.port)) {
			socket.setSoTimeout(10_000);
			socket.getOutputStream()
				.write(("GET " + path + " HTTP/1.1\r\nHost: gateway\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
			InputStream in = socket.getInputStream();
			try {
				while (in.read() != -1) {
					// read until the gateway ends the connection
				}
			}
			catch (SocketException ex) {
				// reset: aborted as well
			}
		}
	}

	/**
	 * Keeps the spans Brave finishes; Spring Boot hands every {@link SpanHandler} bean to
	 * Brave.
	 */
	@TestConfiguration(proxyBeanMethods = false)
	static class Spans extends SpanHandler {

		final List<MutableSpan> finished = new CopyOnWriteArrayList<>();

		@Override
		public boolean end(TraceContext context, MutableSpan span, Cause cause) {
			this.finished.add(span);
			return true;
		}

	}

}
