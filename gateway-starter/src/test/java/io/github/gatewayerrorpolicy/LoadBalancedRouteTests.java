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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Routes through Spring Cloud LoadBalancer ({@code lb:} URIs) with instances from the
 * simple discovery client.
 */
@SpringBootTest(classes = TestGateway.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "spring.application.name=test-gateway")
class LoadBalancedRouteTests {

	static final ScriptedUpstream OK = ScriptedUpstream.start(ScriptedUpstream.answering(ScriptedUpstream.ok("hello")));

	static final ReservedPort REFUSED = ReservedPort.reserve();

	GatewayClient gateway;

	@BeforeEach
	void connect(@LocalServerPort int port) {
		this.gateway = new GatewayClient(port);
	}

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		String instances = "spring.cloud.discovery.client.simple.instances.";
		registry.add(instances + "orders[0].uri", OK::url);
		registry.add(instances + "payments[0].uri", REFUSED::url);
		TestGateway.route(registry, 0, "orders", "lb://orders", Map.of());
		TestGateway.route(registry, 1, "payments", "lb://payments", Map.of());
		TestGateway.route(registry, 2, "invoices", "lb://invoices", Map.of());
	}

	@Test
	void instanceAnswers() throws Exception {
		HttpResponse<String> response = get("/orders/1");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).isEqualTo("hello");
	}

	@Test
	void noInstanceIsADestinationUnavailable() throws Exception {
		HttpResponse<String> response = get("/invoices/1");
		assertThat(response.statusCode()).isEqualTo(503);
		assertThat(response.headers().allValues("Proxy-Status"))
			.containsExactly("test-gateway; error=destination_unavailable");
		assertThat(response.body()).contains("\"error\":\"destination_unavailable\"");
		assertThat(response.body()).doesNotContain("Unable to find instance");
	}

	@Test
	void instanceThatRefusesIsAConnectionRefused() throws Exception {
		HttpResponse<String> response = get("/payments/1");
		assertThat(response.statusCode()).isEqualTo(502);
		assertThat(response.headers().allValues("Proxy-Status"))
			.containsExactly("test-gateway; error=connection_refused");
	}

	private HttpResponse<String> get(String path) throws Exception {
		return this.gateway.get(path, "application/problem+json");
	}

}
