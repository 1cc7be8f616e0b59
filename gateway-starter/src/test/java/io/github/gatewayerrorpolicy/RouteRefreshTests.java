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

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.github.gatewayerrorpolicy.test.GatewayClient;
import io.github.gatewayerrorpolicy.test.TestGateway;
import io.github.gatewayerrorpolicy.upstreams.ReservedPort;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.cloud.gateway.event.RefreshRoutesEvent;
import org.springframework.cloud.gateway.handler.predicate.PredicateDefinition;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.cloud.gateway.route.RouteDefinitionWriter;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.test.annotation.DirtiesContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Routes added and removed while the gateway runs: the settings of a route added with
 * invalid error policy settings are reported once, not on every failure, and what the
 * policy keeps for a route (its totals in the endpoint, its policy) goes with it.
 * <p>
 * Retries are off: each request makes one attempt, so that the counts here are those of
 * requests ({@code RetryTests} covers retries).
 */
@SpringBootTest(classes = TestGateway.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.endpoints.web.exposure.include=gatewayerrors",
				"gateway.error-policy.retry.enabled=false" })
@ExtendWith(OutputCaptureExtension.class)
@DirtiesContext
class RouteRefreshTests {

	static final ReservedPort REFUSED = ReservedPort.reserve();

	@Autowired
	RouteDefinitionWriter routes;

	@Autowired
	ApplicationEventPublisher events;

	@LocalServerPort
	int port;

	@Test
	void routeAddedWithInvalidSettingsIsReportedOnceAndFailsWithTheGlobalPolicy(CapturedOutput output)
			throws Exception {
		add("late", Map.of("error-policy.status.connection-refused", "200"));
		GatewayClient gateway = new GatewayClient(this.port);
		await().atMost(Duration.ofSeconds(10)).until(() -> gateway.get("/late/a", null).statusCode() == 502);
		for (int i = 0; i < 3; i++) {
			assertThat(gateway.get("/late/a", null).statusCode()).isEqualTo(502);
		}
		assertThat(output.getAll().split("Ignoring the error policy settings of route 'late'", -1)).hasSize(2);
	}

	@Test
	void whatIsKeptForARouteGoesWithIt() throws Exception {
		add("temporary", Map.of("error-policy.status.connection-refused", "503"));
		GatewayClient gateway = new GatewayClient(this.port);
		await().atMost(Duration.ofSeconds(10)).until(() -> gateway.get("/temporary/a", null).statusCode() == 503);
		assertThat(routesInTotals(gateway)).contains("temporary");
		assertThat(gatewayErrors(gateway).get("routes").has("temporary")).isTrue();

		this.routes.delete(Mono.just("temporary")).block(Duration.ofSeconds(5));
		this.events.publishEvent(new RefreshRoutesEvent(this));
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			assertThat(gateway.get("/temporary/a", null).statusCode()).isEqualTo(404);
			assertThat(routesInTotals(gateway)).doesNotContain("temporary");
		});
		assertThat(gatewayErrors(gateway).get("routes").has("temporary")).isFalse();
	}

	private void add(String id, Map<String, Object> metadata) {
		RouteDefinition route = new RouteDefinition();
		route.setId(id);
		route.setUri(URI.create(REFUSED.url()));
		route.setPredicates(List.of(new PredicateDefinition("Path=/" + id + "/**")));
		route.setMetadata(metadata);
		this.routes.save(Mono.just(route)).block(Duration.ofSeconds(5));
		this.events.publishEvent(new RefreshRoutesEvent(this));
	}

	private static JsonNode gatewayErrors(GatewayClient gateway) throws Exception {
		return GatewayClient.json(gateway.get("/actuator/gatewayerrors", "application/json"));
	}

	private static List<String> routesInTotals(GatewayClient gateway) throws Exception {
		return gatewayErrors(gateway).get("totals")
			.valueStream()
			.map((total) -> total.get("route").asString())
			.toList();
	}

}
