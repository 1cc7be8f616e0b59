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
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;

import io.github.gatewayerrorpolicy.test.ErrorPathAssertions;
import io.github.gatewayerrorpolicy.test.GatewayClient;
import io.github.gatewayerrorpolicy.test.TestGateway;
import io.github.gatewayerrorpolicy.upstreams.FullBacklogListener;
import io.github.gatewayerrorpolicy.upstreams.LoopbackDns;
import io.github.gatewayerrorpolicy.upstreams.ReservedPort;
import io.github.gatewayerrorpolicy.upstreams.ScriptedUpstream;
import io.github.gatewayerrorpolicy.web.ProblemDetailRenderer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every upstream failure that can be produced on loopback, answered by a real gateway
 * over real sockets, and checked for each kind of {@code Accept}.
 */
@SpringBootTest(classes = TestGateway.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.application.name=test-gateway",
				// every request must reach its failing upstream: no ejection
				"gateway.error-policy.health.enabled=false" })
class UpstreamFailureResponseTests {

	static final ScriptedUpstream OK = ScriptedUpstream.start(ScriptedUpstream.answering(ScriptedUpstream.ok("hello")));

	static final ReservedPort REFUSED = ReservedPort.reserve();

	static final FullBacklogListener FULL_BACKLOG = FullBacklogListener.start();

	static final ScriptedUpstream CLOSE = ScriptedUpstream.start(ScriptedUpstream.closing());

	static final ScriptedUpstream RESET = ScriptedUpstream.start(ScriptedUpstream.resetting());

	static final ScriptedUpstream SILENT = ScriptedUpstream.start(ScriptedUpstream.silent());

	static final ScriptedUpstream GARBAGE = ScriptedUpstream
		.start(ScriptedUpstream.writingThenAwaitingClose("GARBAGE\r\n\r\n"));

	static final ScriptedUpstream INVALID_STATUS = ScriptedUpstream
		.start(ScriptedUpstream.writingThenAwaitingClose("HTTP/1.1 2000 Huh\r\nContent-Length: 0\r\n\r\n"));

	static final ScriptedUpstream BIG_HEADERS = ScriptedUpstream.start(ScriptedUpstream
		.writingThenAwaitingClose("HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(20_000) + "\r\nContent-Length: 0\r\n\r\n"));

	static final ScriptedUpstream CL_TE = ScriptedUpstream.start(ScriptedUpstream.writingThenAwaitingClose(
			"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"));

	static final ScriptedUpstream PLAIN_HTTP = ScriptedUpstream.start(ScriptedUpstream.plainHttpServer());

	static final ScriptedUpstream LONG_STATUS_LINE = ScriptedUpstream.start(ScriptedUpstream
		.writingThenAwaitingClose("HTTP/1.1 200 " + "O".repeat(16 * 1024) + "K\r\nContent-Length: 0\r\n\r\n"));

	static final ScriptedUpstream HEAD_THEN_CLOSE = ScriptedUpstream.start((connection) -> {
		connection.readRequest();
		connection.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n");
	});

	static final String BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

	GatewayClient gateway;

	@BeforeEach
	void connect(@LocalServerPort int port) {
		this.gateway = new GatewayClient(port);
	}

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		TestGateway.route(registry, 0, "ok", OK.url(), Map.of());
		TestGateway.route(registry, 1, "refused", REFUSED.url(), Map.of());
		TestGateway.route(registry, 2, "connect-timeout", "http://127.0.0.1:" + FULL_BACKLOG.port(),
				Map.of("connect-timeout", "200"));
		TestGateway.route(registry, 3, "dns", "http://upstream.invalid", Map.of());
		TestGateway.route(registry, 4, "dns-timeout", "http://" + LoopbackDns.SILENT_PREFIX + "upstream.invalid",
				Map.of());
		TestGateway.route(registry, 5, "close", CLOSE.url(), Map.of());
		TestGateway.route(registry, 6, "reset", RESET.url(), Map.of());
		TestGateway.route(registry, 7, "response-timeout", SILENT.url(), Map.of("response-timeout", "200"));
		TestGateway.route(registry, 8, "garbage", GARBAGE.url(), Map.of());
		TestGateway.route(registry, 9, "invalid-status", INVALID_STATUS.url(), Map.of());
		TestGateway.route(registry, 10, "big-headers", BIG_HEADERS.url(), Map.of());
		TestGateway.route(registry, 11, "cl-te", CL_TE.url(), Map.of());
		TestGateway.route(registry, 12, "tls", "https://127.0.0.1:" + PLAIN_HTTP.port(), Map.of());
		TestGateway.route(registry, 13, "head-then-close", HEAD_THEN_CLOSE.url(), Map.of());
		TestGateway.route(registry, 14, "long-status-line", LONG_STATUS_LINE.url(), Map.of());
	}

	static Stream<Arguments> failures() {
		return Stream.of(failure("refused", 502, "connection_refused", null),
				failure("connect-timeout", 504, "connection_timeout", null), failure("dns", 502, "dns_error", null),
				failure("dns-timeout", 504, "dns_timeout", null), failure("close", 502, "connection_terminated", null),
				failure("reset", 502, "connection_terminated", null),
				failure("response-timeout", 504, "http_response_timeout", SILENT),
				failure("garbage", 502, "http_protocol_error", GARBAGE),
				failure("invalid-status", 502, "http_protocol_error", INVALID_STATUS),
				failure("big-headers", 502, "http_response_header_section_size", BIG_HEADERS),
				failure("long-status-line", 502, "http_response_header_section_size", LONG_STATUS_LINE),
				failure("cl-te", 502, "http_protocol_error", CL_TE), failure("tls", 502, "tls_protocol_error", null),
				failure("head-then-close", 502, "http_response_incomplete", null));
	}

	static Arguments failure(String route, int status, String type, ScriptedUpstream closedByGateway) {
		return Arguments.of(route, status, type, closedByGateway);
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("failures")
	void answersAFailureForEveryKindOfClient(String route, int status, String type, ScriptedUpstream upstream)
			throws Exception {
		String path = "/" + route + "/orders/42";
		HttpResponse<String> problem = get(path, "application/problem+json");
		assertGenerated(problem, status, type, "application/problem+json");
		JsonNode document = GatewayClient.json(problem);
		assertThat(document.get("type").asString()).isEqualTo(ProblemDetailRenderer.PROXY_ERROR_TYPES.toString());
		assertThat(document.get("title").asString()).isNotBlank();
		assertThat(document.get("status").asInt()).isEqualTo(status);
		assertThat(document.get("detail").asString()).isNotBlank();
		assertThat(document.get("instance").asString()).isEqualTo(path);
		assertThat(document.get("error").asString()).isEqualTo(type);
		assertThat(document.get("requestId").asString()).isNotBlank();
		assertThat(document.get("route").asString()).isEqualTo(route);
		assertThat(document.get("traceId").asString()).as("Brave is on the test classpath, so there is a trace")
			.matches("[0-9a-f]{32}");
		assertThat(document.propertyNames()).containsExactlyInAnyOrder("type", "title", "status", "detail", "instance",
				"error", "requestId", "traceId", "route");

		HttpResponse<String> json = get(path, "application/json");
		assertGenerated(json, status, type, "application/json");
		assertThat(GatewayClient.json(json).get("error").asString()).isEqualTo(type);

		HttpResponse<String> page = get(path, BROWSER);
		assertGenerated(page, status, type, "text/html;charset=UTF-8");
		assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(
				(policy) -> assertThat(policy).startsWith("default-src 'none'").doesNotContain("script-src"));
		assertThat(page.body()).startsWith("<!DOCTYPE html>")
			.contains("<title>" + status + " ")
			.contains(type)
			.containsPattern("<dt>Trace ID</dt><dd>[0-9a-f]{32}</dd>")
			.doesNotContain("<script", "src=", "url(", "@import", "http://", "https://");

		HttpResponse<String> text = get(path, "text/plain");
		assertGenerated(text, status, type, "text/plain;charset=UTF-8");
		assertThat(text.body()).startsWith(status + " ")
			.contains("error: " + type)
			.containsPattern("trace: [0-9a-f]{32}\n");

		for (String accept : new String[] { "*/*", null, "image/png", "application/*" }) {
			assertGenerated(get(path, accept), status, type, "application/problem+json");
		}
		assertGenerated(get(path, "text/html;q=0.5, text/plain;q=0.9"), status, type, "text/plain;charset=UTF-8");
		assertGenerated(get(path, "text/*"), status, type, "text/html;charset=UTF-8");
		assertGenerated(get(path, "this is not a media type"), status, type, "application/problem+json");

		HttpResponse<String> followUp = get("/ok/again", null);
		assertThat(followUp.statusCode()).isEqualTo(200);
		assertThat(followUp.body()).isEqualTo("hello");
		if (upstream != null) {
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(upstream.closedByGateway()).isEqualTo(upstream.connections()));
		}
	}

	private void assertGenerated(HttpResponse<String> response, int status, String type, String contentType) {
		assertThat(response.statusCode()).isEqualTo(status);
		assertThat(response.headers().allValues("Proxy-Status")).containsExactly("test-gateway; error=" + type);
		assertThat(response.headers().firstValue("Content-Type")).hasValue(contentType);
		assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
		assertThat(response.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
		assertThat(response.headers().firstValue("Content-Length")).hasValue(String.valueOf(response.body().length()));
		assertThat(response.headers().map().keySet())
			.allSatisfy((name) -> assertThat(name).isIn("cache-control", "content-length", "content-security-policy",
					"content-type", "proxy-status", "x-content-type-options", "content-language", "vary"));
		assertThat(response.headers().firstValue("Content-Language")).hasValue("en");
		assertThat(response.headers().firstValue("Vary")).hasValue("Accept, Accept-Language");
		assertNothingLeaks(response);
	}

	static void assertNothingLeaks(HttpResponse<String> response) {
		ErrorPathAssertions.assertNothingLeaks(response, REFUSED.port(), FULL_BACKLOG.port(), CLOSE.port(),
				RESET.port(), SILENT.port(), GARBAGE.port(), INVALID_STATUS.port(), BIG_HEADERS.port(), CL_TE.port(),
				PLAIN_HTTP.port(), HEAD_THEN_CLOSE.port(), LONG_STATUS_LINE.port());
	}

	HttpResponse<String> get(String path, String accept) throws IOException, InterruptedException {
		return this.gateway.get(path, accept);
	}

}
