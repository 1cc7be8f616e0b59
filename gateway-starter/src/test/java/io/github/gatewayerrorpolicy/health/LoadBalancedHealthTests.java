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

import java.net.http.HttpResponse;
import java.util.Map;
import java.util.TreeMap;

import io.github.gatewayerrorpolicy.test.GatewayClient;
import io.github.gatewayerrorpolicy.test.TestGateway;
import io.github.gatewayerrorpolicy.upstreams.ScriptedUpstream;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Upstream health on {@code lb:} routes: an ejected instance is left out of Spring Cloud
 * LoadBalancer's choice, within {@code max-ejected-percent} (beyond it, ejected instances
 * are called), and a service whose every instance is ejected gets the gateway's 503.
 * <p>
 * Retries are off: each request makes one attempt, so that the counts here are those of
 * requests ({@code RetryTests} covers retries).
 */
@SpringBootTest(classes = TestGateway.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.application.name=test-gateway", "gateway.error-policy.retry.enabled=false",
				"gateway.error-policy.health.consecutive-failures=3",
				"gateway.error-policy.health.base-ejection-time=60s",
				"gateway.error-policy.health.max-ejection-time=60s" })
class LoadBalancedHealthTests {

	static final ScriptedUpstream SHOP_A = ScriptedUpstream.start(ScriptedUpstream.answering(ScriptedUpstream.ok("a")));

	static final ScriptedUpstream SHOP_B = ScriptedUpstream.start(ScriptedUpstream.answering(ScriptedUpstream.ok("b")));

	static final ScriptedUpstream SHOP_DEAD = ScriptedUpstream.start(ScriptedUpstream.closing());

	static final ScriptedUpstream GONE_1 = ScriptedUpstream.start(ScriptedUpstream.closing());

	static final ScriptedUpstream GONE_2 = ScriptedUpstream.start(ScriptedUpstream.closing());

	static final ScriptedUpstream HALF_OK = ScriptedUpstream
		.start(ScriptedUpstream.answering(ScriptedUpstream.ok("ok")));

	static final ScriptedUpstream[] HALF_DEAD = { ScriptedUpstream.start(ScriptedUpstream.closing()),
			ScriptedUpstream.start(ScriptedUpstream.closing()), ScriptedUpstream.start(ScriptedUpstream.closing()) };

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		String instances = "spring.cloud.discovery.client.simple.instances.";
		registry.add(instances + "shop[0].uri", SHOP_A::url);
		registry.add(instances + "shop[1].uri", SHOP_DEAD::url);
		registry.add(instances + "shop[2].uri", SHOP_B::url);
		registry.add(instances + "gone[0].uri", GONE_1::url);
		registry.add(instances + "gone[1].uri", GONE_2::url);
		registry.add(instances + "half[0].uri", HALF_OK::url);
		for (int i = 0; i < HALF_DEAD.length; i++) {
			registry.add(instances + "half[" + (i + 1) + "].uri", HALF_DEAD[i]::url);
		}
		TestGateway.route(registry, 0, "shop", "lb://shop", Map.of());
		TestGateway.route(registry, 1, "gone", "lb://gone", Map.of());
		TestGateway.route(registry, 2, "half", "lb://half", Map.of());
	}

	@Test
	void anEjectedInstanceIsLeftOutAndTrafficMovesToTheOthers() throws Exception {
		GatewayClient gateway = new GatewayClient(this.port);
		Map<Integer, Integer> beforeEjection = new TreeMap<>();
		for (int i = 0; i < 30 && SHOP_DEAD.connections() < 3; i++) {
			beforeEjection.merge(gateway.get("/shop/a", "*/*").statusCode(), 1, Integer::sum);
		}
		assertThat(beforeEjection).containsEntry(502, 3).containsOnlyKeys(200, 502);
		Map<String, Integer> bodies = new TreeMap<>();
		for (int i = 0; i < 1000; i++) {
			HttpResponse<String> response = gateway.get("/shop/a", "*/*");
			assertThat(response.statusCode()).as("request %d after the ejection", i).isEqualTo(200);
			bodies.merge(response.body(), 1, Integer::sum);
		}
		assertThat(SHOP_DEAD.connections()).as("requests sent to the dead instance after its ejection").isEqualTo(3);
		assertThat(bodies).containsOnlyKeys("a", "b");
		assertThat(bodies.get("a")).isBetween(400, 600);
	}

	@Test
	void whenEveryInstanceIsEjectedTheServiceGets503WithRetryAfter() throws Exception {
		GatewayClient gateway = new GatewayClient(this.port);
		for (int i = 0; i < 20 && GONE_1.connections() + GONE_2.connections() < 6; i++) {
			assertThat(gateway.get("/gone/a", "*/*").statusCode()).isIn(502, 503);
		}
		assertThat(GONE_1.connections()).isEqualTo(3);
		assertThat(GONE_2.connections()).isEqualTo(3);
		for (int i = 0; i < 10; i++) {
			HttpResponse<String> response = gateway.get("/gone/a", "application/problem+json");
			assertThat(response.statusCode()).isEqualTo(503);
			assertThat(response.headers().allValues("Proxy-Status"))
				.containsExactly("test-gateway; error=destination_unavailable");
			assertThat(Long.parseLong(response.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 60L);
		}
		assertThat(GONE_1.connections() + GONE_2.connections()).isEqualTo(6);
	}

	@Test
	void noMoreThanMaxEjectedPercentOfTheInstancesAreLeftOut() throws Exception {
		GatewayClient gateway = new GatewayClient(this.port);
		for (int i = 0; i < 60 && deadConnections() < 9; i++) {
			gateway.get("/half/a", "*/*");
		}
		assertThat(deadConnections()).as("each dead instance failed three times").isEqualTo(9);
		Map<Integer, Integer> statuses = new TreeMap<>();
		for (int i = 0; i < 40; i++) {
			statuses.merge(gateway.get("/half/a", "*/*").statusCode(), 1, Integer::sum);
		}
		// of 4 instances at most 2 (50 %) are left out: the third ejected one stays in
		// the
		// choice and is called as if it were healthy, so that the one healthy instance
		// takes half the traffic, not all of it
		assertThat(statuses).containsOnlyKeys(200, 502);
		assertThat(statuses.get(200)).isBetween(15, 25);
		assertThat(deadConnections()).isEqualTo(9 + statuses.get(502));
	}

	private static int deadConnections() {
		int connections = 0;
		for (ScriptedUpstream dead : HALF_DEAD) {
			connections += dead.connections();
		}
		return connections;
	}

}
