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

import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import io.github.gatewayerrorpolicy.test.GatewayClient;
import io.github.gatewayerrorpolicy.test.TestGateway;
import io.github.gatewayerrorpolicy.upstreams.ReservedPort;
import io.github.gatewayerrorpolicy.upstreams.ScriptedUpstream;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An {@code lb:} route with one dead instance and two healthy ones, with the defaults:
 * requests that meet the dead instance are retried on a healthy one until it is ejected,
 * so that no client sees an error and no request reaches an upstream twice.
 */
@SpringBootTest(classes = TestGateway.class, webEnvironment = WebEnvironment.RANDOM_PORT)
class LoadBalancedRetryTests {

	static final ReservedPort DEAD = ReservedPort.reserve();

	static final Map<String, Integer> SEEN = new ConcurrentHashMap<>();

	static final ScriptedUpstream HEALTHY_A = ScriptedUpstream.start(recording("a"));

	static final ScriptedUpstream HEALTHY_B = ScriptedUpstream.start(recording("b"));

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		String instances = "spring.cloud.discovery.client.simple.instances.shop";
		registry.add(instances + "[0].uri", DEAD::url);
		registry.add(instances + "[1].uri", HEALTHY_A::url);
		registry.add(instances + "[2].uri", HEALTHY_B::url);
		TestGateway.route(registry, 0, "shop", "lb://shop", Map.of());
	}

	@Test
	void noClientSeesTheDeadInstanceAndNoRequestArrivesTwice() throws Exception {
		GatewayClient gateway = new GatewayClient(this.port);
		Map<String, Integer> answeredBy = new TreeMap<>();
		for (int i = 0; i < 1000; i++) {
			String id = "request-" + i;
			HttpResponse<String> response = (i % 2 == 0) ? gateway.send("GET", "/shop/items", "X-Id", id)
					: gateway.send("POST", "/shop/orders", BodyPublishers.ofString(id), "X-Id", id);
			assertThat(response.statusCode()).as("%s", id).isEqualTo(200);
			answeredBy.merge(response.body().substring(0, 1), 1, Integer::sum);
		}
		assertThat(SEEN).as("every request reached a healthy instance exactly once")
			.hasSize(1000)
			.allSatisfy((id, times) -> assertThat(times).as(id).isEqualTo(1));
		assertThat(answeredBy).containsOnlyKeys("a", "b");
		assertThat(answeredBy.get("a")).isBetween(400, 600);
	}

	private static ScriptedUpstream.Script recording(String name) {
		return (connection) -> {
			for (String request = connection.readRequestWithBody(); request != null; request = connection
				.readRequestWithBody()) {
				String id = "";
				for (String line : request.split("\r\n")) {
					if (line.toLowerCase(Locale.ROOT).startsWith("x-id:")) {
						id = line.substring(5).trim();
					}
				}
				SEEN.merge(id, 1, Integer::sum);
				connection.write(ScriptedUpstream.ok(name + " " + id));
			}
		};
	}

}
