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
import java.util.Map;

import io.github.gatewayerrorpolicy.test.GatewayClient;
import io.github.gatewayerrorpolicy.test.TestGateway;
import io.github.gatewayerrorpolicy.upstreams.ReservedPort;
import io.github.gatewayerrorpolicy.upstreams.ScriptedUpstream;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A route with Spring Cloud Gateway's {@code CircuitBreaker} filter (Spring Cloud
 * CircuitBreaker's Resilience4j implementation) sees every upstream failure the policy
 * would answer, an ejected upstream included, so that its fallback answers instead; a
 * route whose {@code CircuitBreaker} filter has no fallback still gets the policy's
 * answers.
 */
@SpringBootTest(classes = TestGateway.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "gateway.error-policy.retry.enabled=false", "spring.application.name=test-gateway",
				"gateway.error-policy.health.consecutive-failures=2",
				"gateway.error-policy.health.base-ejection-time=30s" })
class CircuitBreakerRouteTests {

	static final ReservedPort REFUSED = ReservedPort.reserve();

	static final ScriptedUpstream CLOSING = ScriptedUpstream.start(ScriptedUpstream.closing());

	static final ScriptedUpstream CLOSING_NO_FALLBACK = ScriptedUpstream.start(ScriptedUpstream.closing());

	static final ScriptedUpstream FALLBACK = ScriptedUpstream.start(ScriptedUpstream
		.answering("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nfrom fallback"));

	@LocalServerPort
	int port;

	@Autowired
	MeterRegistry registry;

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		TestGateway.route(registry, 0, "refused", REFUSED.url(), Map.of());
		circuitBreaker(registry, 0, "forward:/fallback/refused");
		TestGateway.route(registry, 1, "ejected", CLOSING.url(), Map.of());
		circuitBreaker(registry, 1, "forward:/fallback/ejected");
		TestGateway.route(registry, 2, "nofallback", CLOSING_NO_FALLBACK.url(), Map.of());
		circuitBreaker(registry, 2, null);
		TestGateway.route(registry, 3, "fallback", FALLBACK.url(), Map.of());
	}

	private static void circuitBreaker(DynamicPropertyRegistry registry, int index, String fallbackUri) {
		String prefix = "spring.cloud.gateway.server.webflux.routes[" + index + "].filters[0].";
		registry.add(prefix + "name", () -> "CircuitBreaker");
		registry.add(prefix + "args.name", () -> "breaker-" + index);
		if (fallbackUri != null) {
			registry.add(prefix + "args.fallbackUri", () -> fallbackUri);
		}
	}

	@Test
	void aRefusedConnectionIsAnsweredByTheFallback() throws Exception {
		HttpResponse<String> response = new GatewayClient(this.port).get("/refused/a", "*/*");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).isEqualTo("from fallback");
	}

	@Test
	void requestsToAnEjectedUpstreamAreAnsweredByTheFallbackWithoutCallingIt() throws Exception {
		GatewayClient gateway = new GatewayClient(this.port);
		for (int i = 0; i < 6; i++) {
			HttpResponse<String> response = gateway.get("/ejected/a", "*/*");
			assertThat(response.statusCode()).as("request %d", i).isEqualTo(200);
			assertThat(response.body()).isEqualTo("from fallback");
		}
		assertThat(CLOSING.connections()).as("ejected after two failures, then not called").isEqualTo(2);
		assertThat(this.registry.get("gateway.upstream.ejections").tag("route", "ejected").counter().count())
			.isEqualTo(1);
		Counter answered = this.registry.find("gateway.upstream.failures").tag("route", "ejected").counter();
		assertThat(answered).as("failures the fallback answered are not the policy's answers").isNull();
	}

	@Test
	void withoutAFallbackThePolicyAnswersAndTellsTheTimeLeft() throws Exception {
		GatewayClient gateway = new GatewayClient(this.port);
		for (int i = 0; i < 2; i++) {
			assertThat(gateway.get("/nofallback/a", "*/*").statusCode()).isEqualTo(502);
		}
		HttpResponse<String> ejected = gateway.get("/nofallback/a", "application/json");
		assertThat(ejected.statusCode()).isEqualTo(503);
		assertThat(ejected.headers().allValues("Proxy-Status"))
			.containsExactly("test-gateway; error=destination_unavailable");
		assertThat(Long.parseLong(ejected.headers().firstValue("Retry-After").orElseThrow())).isBetween(25L, 30L);
		assertThat(GatewayClient.json(ejected).get("detail").asString()).contains("temporarily taken out of service");
		assertThat(CLOSING_NO_FALLBACK.connections()).isEqualTo(2);
		assertThat(this.registry.get("gateway.upstream.failures")
			.tag("route", "nofallback")
			.tag("outcome", "ejected")
			.counter()
			.count()).isEqualTo(1);
	}

}
