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

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.gatewayerrorpolicy.test.GatewayClient;
import io.github.gatewayerrorpolicy.test.TestGateway;
import io.github.gatewayerrorpolicy.upstreams.ReservedPort;
import io.github.gatewayerrorpolicy.upstreams.ScriptedUpstream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The settings of {@code gateway.error-policy}, globally and per route, change what the
 * gateway answers: status, {@code Retry-After}, {@code Proxy-Status}, details, media
 * types, templates and masked upstream errors. The templates in {@code test-templates}
 * print every variable of the page model.
 * <p>
 * Retries are off: each request makes one attempt, so that the counts here are those of
 * requests ({@code RetryTests} covers retries).
 */
@SpringBootTest(classes = TestGateway.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.application.name=test-gateway", "gateway.error-policy.retry.enabled=false",
				"spring.thymeleaf.prefix=classpath:/test-templates/",
				"gateway.error-policy.status.connection-refused=503",
				"gateway.error-policy.retry-after.connection-refused=30s",
				"gateway.error-policy.retry-after.http-response-timeout=1500ms",
				"gateway.error-policy.mask-upstream-errors=503", "gateway.error-policy.page.site-name=Example Shop",
				"gateway.error-policy.page.support-url=https://help.example.com/contact",
				"gateway.error-policy.page.status-page-url=https://status.example.com",
				"gateway.error-policy.problem-type-base=https://errors.example.com/problems/" })
class ErrorPolicySettingsTests {

	static final ReservedPort REFUSED = ReservedPort.reserve();

	static final ScriptedUpstream SILENT = ScriptedUpstream.start(ScriptedUpstream.silent());

	static final ScriptedUpstream OK = ScriptedUpstream.start(ScriptedUpstream.answering(ScriptedUpstream.ok("hello")));

	static final String UPSTREAM_503 = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html\r\n"
			+ "Retry-After: 120\r\nX-Upstream: secret\r\nContent-Length: 33\r\n\r\n<p>upstream maintenance page</p>\n";

	static final String LARGE_UPSTREAM_503 = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html\r\n"
			+ "Retry-After: 120\r\nContent-Length: 262144\r\n\r\n" + "m".repeat(262144);

	static final AtomicInteger REQUESTS_ON_FIRST_CONNECTION = new AtomicInteger();

	/**
	 * Answers a large 503 to the first request of its first connection, then 200.
	 */
	static final ScriptedUpstream UNAVAILABLE_THEN_OK = ScriptedUpstream.start((connection) -> {
		while (connection.readRequest() != null) {
			boolean first = connection.index() == 1 && REQUESTS_ON_FIRST_CONNECTION.incrementAndGet() == 1;
			connection.write(first ? LARGE_UPSTREAM_503 : ScriptedUpstream.ok("back"));
		}
	});

	static final ScriptedUpstream UNAVAILABLE = ScriptedUpstream.start(ScriptedUpstream.answering(UPSTREAM_503));

	/**
	 * Answers 503 with the first bytes of its body, then stalls until the gateway closes.
	 */
	static final ScriptedUpstream UNAVAILABLE_STALLING = ScriptedUpstream.start(ScriptedUpstream
		.writingThenAwaitingClose("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 1000\r\n\r\n<p>upstr"));

	GatewayClient gateway;

	@BeforeEach
	void connect(@LocalServerPort int port) {
		this.gateway = new GatewayClient(port);
	}

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		TestGateway.route(registry, 0, "refused", REFUSED.url(), Map.of());
		TestGateway.route(registry, 1, "orders", REFUSED.url(),
				Map.of("error-policy.status.connection-refused", "502", "error-policy.retry-after.connection-refused",
						"5s", "error-policy.page.template", "orders/unavailable", "error-policy.expose-details", "true",
						"error-policy.proxy-status.name", "orders-edge"));
		TestGateway.route(registry, 2, "quiet", REFUSED.url(), Map.of("error-policy.proxy-status.enabled", "false",
				"error-policy.media-types[0]", "text/plain", "error-policy.media-types[1]", "application/json"));
		TestGateway.route(registry, 3, "off", REFUSED.url(), Map.of("error-policy.enabled", "false"));
		TestGateway.route(registry, 4, "slow", SILENT.url(), Map.of("response-timeout", "200"));
		TestGateway.route(registry, 5, "masked", UNAVAILABLE_THEN_OK.url(), Map.of());
		TestGateway.route(registry, 6, "unmasked", UNAVAILABLE.url(), Map.of("error-policy.mask-upstream-errors", ""));
		TestGateway.route(registry, 7, "ok", OK.url(), Map.of());
		TestGateway.route(registry, 8, "masked-page", UNAVAILABLE.url(), Map.of());
		TestGateway.route(registry, 9, "masked-stalling", UNAVAILABLE_STALLING.url(), Map.of());
		TestGateway.route(registry, 10, "masked-with-filters", UNAVAILABLE.url(), Map.of());
		registry.add("spring.cloud.gateway.server.webflux.routes[10].filters[0]",
				() -> "AddResponseHeader=X-Route, added");
	}

	@Test
	void globalStatusAndRetryAfterApply() throws Exception {
		HttpResponse<String> problem = this.gateway.get("/refused/a", "application/problem+json");
		assertThat(problem.statusCode()).isEqualTo(503);
		assertThat(problem.headers().firstValue("Retry-After")).hasValue("30");
		assertThat(problem.headers().allValues("Proxy-Status"))
			.containsExactly("test-gateway; error=connection_refused");
		JsonNode document = GatewayClient.json(problem);
		assertThat(document.get("status").asInt()).isEqualTo(503);
		assertThat(document.get("error").asString()).isEqualTo("connection_refused");
		assertThat(document.get("type").asString()).isEqualTo("https://errors.example.com/problems/connection_refused");
		assertThat(document.has("details")).isFalse();
	}

	@Test
	void pageModelHoldsTheSettings() throws Exception {
		HttpResponse<String> page = this.gateway.get("/refused/a%20b", "text/html");
		assertThat(page.statusCode()).isEqualTo(503);
		Map<String, String> model = model(page.body());
		assertThat(model).containsEntry("template", "gateway-errors/5xx")
			.containsEntry("status", "503")
			.containsEntry("reason", "Service Unavailable")
			.containsEntry("title", "Connection refused")
			.containsEntry("errorType", "connection_refused")
			.containsEntry("receivedStatus", "")
			.containsEntry("path", "/refused/a b")
			.containsEntry("retryAfter", "30")
			.containsEntry("siteName", "Example Shop")
			.containsEntry("supportUrl", "https://help.example.com/contact")
			.containsEntry("statusPageUrl", "https://status.example.com")
			.containsEntry("details", "")
			.containsEntry("routeId", "")
			.containsEntry("lang", "en")
			.containsEntry("message", "Reload the page");
		assertThat(model.get("detail")).isNotBlank();
		assertThat(model.get("requestId")).matches("[0-9a-f]+-[0-9]+");
		assertThat(model.get("timestamp")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
	}

	@Test
	void routeOverridesStatusRetryAfterTemplateDetailsAndName() throws Exception {
		HttpResponse<String> page = this.gateway.get("/orders/42", "text/html");
		assertThat(page.statusCode()).isEqualTo(502);
		assertThat(page.headers().firstValue("Retry-After")).hasValue("5");
		assertThat(page.headers().allValues("Proxy-Status"))
			.containsExactly("orders-edge; error=connection_refused; details=\"before-response\"");
		Map<String, String> model = model(page.body());
		assertThat(model).containsEntry("template", "orders/unavailable")
			.containsEntry("status", "502")
			.containsEntry("routeId", "orders")
			.containsEntry("details", "The upstream call failed before a response arrived.")
			.containsEntry("siteName", "Example Shop");
		JsonNode document = GatewayClient.json(this.gateway.get("/orders/42", "application/problem+json"));
		assertThat(document.get("details").asString()).isEqualTo("The upstream call failed before a response arrived.");
		assertThat(document.get("status").asInt()).isEqualTo(502);
	}

	@Test
	void routeChoosesItsMediaTypesAndDropsProxyStatus() throws Exception {
		HttpResponse<String> response = this.gateway.get("/quiet/a", "*/*");
		assertThat(response.statusCode()).isEqualTo(503);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("text/plain;charset=UTF-8");
		assertThat(response.headers().allValues("Proxy-Status")).isEmpty();
		assertThat(this.gateway.get("/quiet/a", "application/problem+json").headers().firstValue("Content-Type"))
			.as("not offered on this route, so the route's first choice")
			.hasValue("text/plain;charset=UTF-8");
		assertThat(this.gateway.get("/quiet/a", "application/json").headers().firstValue("Content-Type"))
			.hasValue("application/json");
	}

	@Test
	void routeCanSwitchThePolicyOff() throws Exception {
		HttpResponse<String> response = this.gateway.get("/off/a", "application/json");
		assertThat(response.statusCode()).isEqualTo(500);
		assertThat(response.headers().allValues("Proxy-Status")).isEmpty();
	}

	@Test
	void retryAfterIsRoundedUpToWholeSecondsAndTemplateFollowsTheStatus() throws Exception {
		HttpResponse<String> page = this.gateway.get("/slow/a", "text/html");
		assertThat(page.statusCode()).isEqualTo(504);
		assertThat(page.headers().firstValue("Retry-After")).hasValue("2");
		assertThat(model(page.body())).containsEntry("template", "gateway-errors/504")
			.containsEntry("retryAfter", "2")
			.containsEntry("errorType", "http_response_timeout");
	}

	@Test
	void maskedUpstreamErrorIsReplacedAndItsConnectionReused() throws Exception {
		HttpResponse<String> masked = this.gateway.get("/masked/a", "application/problem+json");
		assertThat(masked.statusCode()).isEqualTo(503);
		assertThat(masked.headers().allValues("Proxy-Status")).containsExactly("test-gateway; received-status=503");
		assertThat(masked.headers().firstValue("Retry-After")).hasValue("120");
		assertThat(masked.headers().firstValue("X-Upstream")).isEmpty();
		assertThat(masked.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(masked.body()).doesNotContain("mmmm");
		JsonNode document = GatewayClient.json(masked);
		assertThat(document.has("type")).as("absent, so 'about:blank' (RFC 9457, section 3.1.1)").isFalse();
		assertThat(document.get("receivedStatus").asInt()).isEqualTo(503);
		assertThat(document.has("error")).isFalse();
		assertThat(document.get("title").asString()).isEqualTo("Upstream error");
		HttpResponse<String> followUp = this.gateway.get("/masked/b", null);
		assertThat(followUp.statusCode()).isEqualTo(200);
		assertThat(followUp.body()).isEqualTo("back");
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			HttpResponse<String> next = this.gateway.get("/masked/c", null);
			assertThat(next.body()).isEqualTo("back");
			assertThat(REQUESTS_ON_FIRST_CONNECTION).as("the drained connection went back to the pool")
				.hasValueGreaterThan(1);
		});
	}

	@Test
	void maskedUpstreamErrorRendersAPage() throws Exception {
		HttpResponse<String> page = this.gateway.get("/masked-page/a", "text/html");
		assertThat(page.statusCode()).isEqualTo(503);
		assertThat(page.body()).doesNotContain("maintenance");
		assertThat(model(page.body())).containsEntry("template", "gateway-errors/5xx")
			.containsEntry("receivedStatus", "503")
			.containsEntry("errorType", "")
			.containsEntry("retryAfter", "120")
			.containsEntry("title", "Upstream error");
	}

	@Test
	void maskedAnswerDoesNotWaitForTheUpstreamBody() throws Exception {
		long start = System.nanoTime();
		HttpResponse<String> masked = this.gateway.get("/masked-stalling/a", "application/problem+json");
		Duration waited = Duration.ofNanos(System.nanoTime() - start);
		assertThat(masked.statusCode()).isEqualTo(503);
		assertThat(GatewayClient.json(masked).get("receivedStatus").asInt()).isEqualTo(503);
		assertThat(waited).as("answered before the drain of the stalled body gives up (5 s)")
			.isLessThan(Duration.ofSeconds(2));
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(UNAVAILABLE_STALLING.closedByGateway()).as("closed when the drain gave up")
				.isOne());
	}

	@Test
	void maskedAnswerGetsTheHeadersOfTheRoutesFilters() throws Exception {
		for (int i = 0; i < 2; i++) {
			HttpResponse<String> masked = this.gateway.get("/masked-with-filters/a", "application/problem+json");
			assertThat(masked.statusCode()).isEqualTo(503);
			assertThat(GatewayClient.json(masked).get("receivedStatus").asInt()).isEqualTo(503);
			assertThat(masked.headers().allValues("X-Route")).containsExactly("added");
			assertThat(masked.headers().firstValue("X-Upstream")).isEmpty();
		}
	}

	@Test
	void routeCanMaskNothing() throws Exception {
		HttpResponse<String> response = this.gateway.get("/unmasked/a", "application/problem+json");
		assertThat(response.statusCode()).isEqualTo(503);
		assertThat(response.body()).isEqualTo("<p>upstream maintenance page</p>\n");
		assertThat(response.headers().allValues("Proxy-Status")).containsExactly("test-gateway; received-status=503");
		assertThat(this.gateway.get("/ok/a", null).statusCode()).isEqualTo(200);
	}

	private static Map<String, String> model(String html) {
		Map<String, String> model = new java.util.LinkedHashMap<>();
		Matcher matcher = Pattern.compile("<p id=\"([a-zA-Z]+)\">([^<]*)</p>").matcher(html);
		while (matcher.find()) {
			model.put(matcher.group(1), matcher.group(2));
		}
		assertThat(model).as(html).isNotEmpty();
		return model;
	}

}
