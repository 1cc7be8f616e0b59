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

package io.github.gatewayerrorpolicy.sample;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Upstream health on the sample, as the README shows it: {@code /demo/refused} is ejected
 * after five refusals and answers 503 with a {@code Retry-After} that counts down, and
 * {@code /demo/lb} moves its traffic off its dead instance, which the endpoint lists.
 * Five failures eject, as by default, for long enough that nothing is probed while the
 * test runs.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "gateway.error-policy.health.consecutive-failures=5",
				"gateway.error-policy.health.base-ejection-time=30s" })
@DirtiesContext
class DemoHealthTests {

	final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	@LocalServerPort
	int port;

	@Autowired
	DemoUpstreams upstreams;

	@Test
	void refusedIsEjectedAfterFiveRefusedAttemptsAndRetryAfterCountsDown() throws Exception {
		long first = Ejection.afterFiveRefusedAttempts(this::get, "/demo/refused");
		assertThat(first).isBetween(29L, 30L);
		await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
			HttpResponse<String> later = get("/demo/refused");
			assertThat(later.statusCode()).isEqualTo(503);
			assertThat(Ejection.retryAfter(later)).isLessThan(first);
		});
	}

	@Test
	void theLoadBalancedRouteMovesOffItsDeadInstance() throws Exception {
		List<Integer> statuses = new ArrayList<>();
		for (int i = 0; i < 100; i++) {
			statuses.add(get("/demo/lb/items").statusCode());
		}
		// a request that meets the dead instance before its ejection is retried on
		// another
		assertThat(statuses).containsOnly(200);
		JsonNode upstreams = JsonMapper.shared().readTree(get("/actuator/gatewayerrors").body()).get("upstreams");
		String dead = "127.0.0.1:" + this.upstreams.shopDown.port();
		assertThat(upstreams.valueStream()
			.filter((upstream) -> upstream.get("upstream").asString().equals(dead))
			.map((upstream) -> upstream.get("route").asString() + " " + upstream.get("state").asString() + " "
					+ upstream.get("cause").asString())
			.toList()).containsExactly("lb ejected connection_refused");
	}

	private HttpResponse<String> get(String path) throws Exception {
		return this.client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
			.timeout(Duration.ofSeconds(10))
			.build(), BodyHandlers.ofString());
	}

}
