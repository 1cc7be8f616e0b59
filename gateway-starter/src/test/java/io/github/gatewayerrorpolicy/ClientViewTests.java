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
import java.util.Arrays;
import java.util.List;
import java.util.Map;

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

/**
 * The gateway's answers are about the request the client sent, and keep what the gateway
 * set for it: the CORS headers of {@code globalcors}, written before routing, survive an
 * answer to a failure or a masked upstream error, while the upstream's own headers go;
 * route filters that rewrite the path or the request headers change neither the path
 * shown nor the language and media type chosen.
 */
@SpringBootTest(classes = TestGateway.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.application.name=test-gateway", "gateway.error-policy.mask-upstream-errors=503",
				"spring.cloud.gateway.server.webflux.globalcors.cors-configurations.[/**].allowed-origins="
						+ ClientViewTests.ORIGIN,
				"spring.cloud.gateway.server.webflux.globalcors.cors-configurations.[/**].allowed-methods=GET,POST" })
class ClientViewTests {

	static final String ORIGIN = "https://app.example";

	static final ReservedPort REFUSED = ReservedPort.reserve();

	static final ScriptedUpstream UNAVAILABLE = ScriptedUpstream
		.start(ScriptedUpstream.answering("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html\r\n"
				+ "Access-Control-Allow-Origin: *\r\nVary: Accept-Encoding\r\nX-Upstream: secret\r\n"
				+ "Retry-After: 120\r\nContent-Language: it\r\nETag: \"v1\"\r\nContent-Length: 20\r\n\r\n"
				+ "<p>maintenance</p>\r\n"));

	GatewayClient gateway;

	@BeforeEach
	void connect(@LocalServerPort int port) {
		this.gateway = new GatewayClient(port);
	}

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		TestGateway.route(registry, 0, "refused", REFUSED.url(), Map.of());
		TestGateway.route(registry, 1, "masked", UNAVAILABLE.url(), Map.of());
		String shop = "spring.cloud.gateway.server.webflux.routes[2].";
		registry.add(shop + "id", () -> "shop");
		registry.add(shop + "uri", UNAVAILABLE::url);
		registry.add(shop + "predicates[0]", () -> "Path=/shop/**");
		registry.add(shop + "filters[0]", () -> "StripPrefix=1");
		registry.add(shop + "filters[1]", () -> "PrefixPath=/internal/v2");
		registry.add(shop + "filters[2]", () -> "SetRequestHeader=Accept, text/html");
		registry.add(shop + "filters[3]", () -> "SetRequestHeader=Accept-Language, de");
	}

	@Test
	void answerToAFailureKeepsTheCorsHeaders() throws Exception {
		HttpResponse<String> response = this.gateway.send("GET", "/refused/a", "Origin", ORIGIN, "Accept",
				"application/problem+json");
		assertThat(response.statusCode()).isEqualTo(502);
		assertThat(response.headers().allValues("Access-Control-Allow-Origin")).containsExactly(ORIGIN);
		assertThat(vary(response)).contains("Origin", "Accept", "Accept-Language").doesNotHaveDuplicates();
		assertThat(response.headers().allValues("Proxy-Status"))
			.containsExactly("test-gateway; error=connection_refused");
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
	}

	@Test
	void maskedAnswerKeepsTheGatewaysHeadersAndDropsTheUpstreams() throws Exception {
		HttpResponse<String> response = this.gateway.send("GET", "/masked/a", "Origin", ORIGIN, "Accept",
				"application/problem+json");
		assertThat(response.statusCode()).isEqualTo(503);
		assertThat(response.headers().allValues("Access-Control-Allow-Origin")).containsExactly(ORIGIN);
		assertThat(vary(response)).contains("Origin", "Accept", "Accept-Language")
			.doesNotContain("Accept-Encoding")
			.doesNotHaveDuplicates();
		assertThat(response.headers().firstValue("X-Upstream")).isEmpty();
		assertThat(response.headers().firstValue("ETag")).isEmpty();
		assertThat(response.headers().allValues("Content-Language")).containsExactly("en");
		assertThat(response.headers().allValues("Retry-After")).containsExactly("120");
		assertThat(response.headers().allValues("Content-Type")).containsExactly("application/problem+json");
		assertThat(response.body()).doesNotContain("maintenance");
	}

	@Test
	void maskedAnswerIsAboutTheRequestTheClientSent() throws Exception {
		HttpResponse<String> response = this.gateway.send("GET", "/shop/orders/42?page=2", "Accept",
				"application/problem+json", "Accept-Language", "fr");
		assertThat(response.statusCode()).isEqualTo(503);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(response.headers().firstValue("Content-Language")).hasValue("fr");
		JsonNode problem = GatewayClient.json(response);
		assertThat(problem.get("instance").asString()).isEqualTo("/shop/orders/42");
		assertThat(response.body()).doesNotContain("internal");
	}

	private static List<String> vary(HttpResponse<String> response) {
		return response.headers()
			.allValues("Vary")
			.stream()
			.flatMap((value) -> Arrays.stream(value.split(",")))
			.map(String::trim)
			.toList();
	}

}
