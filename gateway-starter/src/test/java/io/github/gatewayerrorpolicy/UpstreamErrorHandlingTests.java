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
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.github.gatewayerrorpolicy.test.GatewayClient;
import io.github.gatewayerrorpolicy.test.TestGateway;
import io.github.gatewayerrorpolicy.upstreams.ReservedPort;
import io.github.gatewayerrorpolicy.upstreams.ScriptedUpstream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the policy leaves alone (valid upstream responses, errors that did not come from
 * the upstream call) and how it answers HEAD and logs.
 * <p>
 * Retries are off: each request makes one attempt, so that the counts here are those of
 * requests ({@code RetryTests} covers retries).
 */
@SpringBootTest(classes = TestGateway.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.application.name=test-gateway", "gateway.error-policy.retry.enabled=false" })
@ExtendWith(OutputCaptureExtension.class)
class UpstreamErrorHandlingTests {

	static final ScriptedUpstream OK = ScriptedUpstream.start(ScriptedUpstream.answering(ScriptedUpstream.ok("hello")));

	static final ScriptedUpstream UNAVAILABLE = ScriptedUpstream.start(ScriptedUpstream
		.answering("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html\r\nRetry-After: 120\r\n"
				+ "X-Upstream: kept\r\nContent-Length: 21\r\n\r\n<p>Back at noon.</p>\n"));

	static final ScriptedUpstream BEHIND_PROXY = ScriptedUpstream
		.start(ScriptedUpstream.answering("HTTP/1.1 502 Bad Gateway\r\nProxy-Status: inner-proxy; error=dns_error\r\n"
				+ "Content-Type: text/plain\r\nContent-Length: 5\r\n\r\ninner"));

	static final ReservedPort REFUSED = ReservedPort.reserve();

	GatewayClient gateway;

	@BeforeEach
	void connect(@LocalServerPort int port) {
		this.gateway = new GatewayClient(port);
	}

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		TestGateway.route(registry, 0, "ok", OK.url(), Map.of());
		TestGateway.route(registry, 1, "unavailable", UNAVAILABLE.url(), Map.of());
		TestGateway.route(registry, 2, "behind-proxy", BEHIND_PROXY.url(), Map.of());
		TestGateway.route(registry, 3, "refused", REFUSED.url(), Map.of());
		registry.add("spring.cloud.gateway.server.webflux.routes[4].id", () -> "forged\nINFO fake");
		registry.add("spring.cloud.gateway.server.webflux.routes[4].uri", () -> REFUSED.url());
		registry.add("spring.cloud.gateway.server.webflux.routes[4].predicates[0]", () -> "Path=/forged/**");
	}

	@Test
	void validResponseIsPassedThroughUnchanged() throws Exception {
		HttpResponse<String> response = send("GET", "/ok/a");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).isEqualTo("hello");
		assertThat(response.headers().map()).as("exactly the upstream's headers")
			.containsOnlyKeys("content-type", "content-length");
		assertThat(response.headers().allValues("Content-Type")).containsExactly("text/plain");
		assertThat(response.headers().allValues("Content-Length")).containsExactly("5");
	}

	@Test
	void upstreamServerErrorIsPassedThroughWithReceivedStatus() throws Exception {
		for (int i = 0; i < 3; i++) {
			HttpResponse<String> response = send("GET", "/unavailable/a");
			assertThat(response.statusCode()).isEqualTo(503);
			assertThat(response.body()).isEqualTo("<p>Back at noon.</p>\n");
			assertThat(response.headers().firstValue("Content-Type")).hasValue("text/html");
			assertThat(response.headers().firstValue("Retry-After")).hasValue("120");
			assertThat(response.headers().firstValue("X-Upstream")).hasValue("kept");
			assertThat(response.headers().allValues("Proxy-Status"))
				.containsExactly("test-gateway; received-status=503");
			assertThat(response.headers().map()).as("the upstream's headers and Proxy-Status")
				.containsOnlyKeys("content-type", "retry-after", "x-upstream", "content-length", "proxy-status");
		}
		assertThat(UNAVAILABLE.connections()).isEqualTo(1);
		assertThat(send("GET", "/ok/a").statusCode()).isEqualTo(200);
	}

	@Test
	void proxyStatusIsAppendedToTheUpstreamsOwn() throws Exception {
		HttpResponse<String> response = send("GET", "/behind-proxy/a");
		assertThat(response.statusCode()).isEqualTo(502);
		assertThat(response.body()).isEqualTo("inner");
		assertThat(response.headers().allValues("Proxy-Status")).containsExactly("inner-proxy; error=dns_error",
				"test-gateway; received-status=502");
	}

	@Test
	void headGetsTheHeadersOnly() throws Exception {
		HttpResponse<String> get = send("GET", "/refused/a");
		HttpResponse<String> head = send("HEAD", "/refused/a");
		assertThat(head.statusCode()).isEqualTo(502);
		assertThat(head.headers().allValues("Proxy-Status")).containsExactly("test-gateway; error=connection_refused");
		assertThat(head.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(head.headers().firstValue("Content-Length")).hasValue(String.valueOf(get.body().length()));
		assertThat(head.body()).isEmpty();
		assertThat(send("GET", "/ok/a").statusCode()).isEqualTo(200);
	}

	@Test
	void errorsThatDidNotComeFromTheUpstreamCallAreLeftToSpringBoot() throws Exception {
		for (String when : List.of("before", "after")) {
			for (String route : List.of("/ok/a", "/refused/a")) {
				HttpResponse<String> failed = send("GET", route, TestGateway.FAIL_HEADER, when);
				assertThat(failed.statusCode()).as(when + " " + route).isEqualTo(500);
				assertThat(failed.headers().firstValue("Proxy-Status")).isEmpty();
				assertThat(failed.body()).contains("\"status\":500").contains("\"path\":\"" + route + "\"");
			}
		}
		HttpResponse<String> notFound = send("GET", "/nowhere");
		assertThat(notFound.statusCode()).isEqualTo(404);
		assertThat(notFound.headers().firstValue("Proxy-Status")).isEmpty();
	}

	@Test
	void logsOneLineWithoutStackTracePerFailure(CapturedOutput output) throws Exception {
		int before = output.getAll().length();
		for (String path : List.of("/refused/a", "/refused/b", "/forged/a")) {
			assertThat(send("GET", path).statusCode()).isEqualTo(502);
		}
		assertThat(send("GET", "/unavailable/a").statusCode()).isEqualTo(503);
		assertThat(send("GET", "/ok/a").statusCode()).isEqualTo(200);
		List<String> lines = Arrays.stream(output.getAll().substring(before).split("\n"))
			.filter((line) -> !line.isBlank())
			.toList();
		assertThat(lines).hasSize(4);
		assertThat(lines.subList(0, 3)).allSatisfy((line) -> assertThat(line).contains(" WARN ")
			.contains("UpstreamFailureLog")
			.containsPattern("Upstream failure: route=(refused|forged_INFO fake) error=connection_refused status=502 "
					+ "outcome=responded request=[0-9a-f]+-[0-9]+ attempts=1 trace=[0-9a-f]{32}$")
			.satisfies((message) -> assertThat(message.substring(message.indexOf(" : "))).doesNotContain("127.0.0.1",
					String.valueOf(REFUSED.port()), "Exception", "Connection refused", "\tat ")));
		assertThat(lines.get(3)).contains(" INFO ")
			.contains("Upstream failure: route=unavailable error=none status=503 outcome=passed-through");
	}

	private HttpResponse<String> send(String method, String path, String... headers)
			throws IOException, InterruptedException {
		return this.gateway.send(method, path, headers);
	}

}
