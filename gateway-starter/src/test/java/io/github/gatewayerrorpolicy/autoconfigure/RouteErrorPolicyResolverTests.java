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

package io.github.gatewayerrorpolicy.autoconfigure;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.github.gatewayerrorpolicy.classify.ErrorType;
import io.github.gatewayerrorpolicy.policy.ErrorPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link RouteErrorPolicyResolver}.
 */
@ExtendWith(OutputCaptureExtension.class)
class RouteErrorPolicyResolverTests {

	private final ErrorPolicyFactory factory = new ErrorPolicyFactory(
			List.of(MediaType.APPLICATION_PROBLEM_JSON, MediaType.TEXT_PLAIN), "gateway");

	private final ErrorPolicy global = this.factory.create(new GatewayErrorPolicyProperties(),
			GatewayErrorPolicyProperties.PREFIX);

	private final RouteErrorPolicyResolver resolver = new RouteErrorPolicyResolver(this.global, this.factory,
			new MockEnvironment());

	@Test
	void routeSettingsAreBoundOnceAndKept() {
		Route route = route("orders", Map.of("status", Map.of("connection-refused", 503)));
		ErrorPolicy policy = this.resolver.resolve(route);
		assertThat(policy.status(ErrorType.CONNECTION_REFUSED)).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
		assertThat(this.resolver.resolve(route)).isSameAs(policy);
		assertThat(this.resolver.resolve(route("orders", Map.of("status", Map.of("connection-refused", 503)))))
			.as("the same definition, rebuilt by a refresh")
			.isSameAs(policy);
	}

	@Test
	void changedSettingsAreBoundAgain() {
		ErrorPolicy before = this.resolver
			.resolve(route("orders", Map.of("status", Map.of("connection-refused", 503))));
		ErrorPolicy after = this.resolver.resolve(route("orders", Map.of("status", Map.of("connection-refused", 504))));
		assertThat(after).isNotSameAs(before);
		assertThat(after.status(ErrorType.CONNECTION_REFUSED)).isEqualTo(HttpStatus.GATEWAY_TIMEOUT);
	}

	@Test
	void invalidSettingsAreLoggedOnceAndTheGlobalPolicyApplies(CapturedOutput output) {
		Route route = route("late", Map.of("status", Map.of("connection-refused", 200)));
		for (int i = 0; i < 3; i++) {
			assertThat(this.resolver.resolve(route)).isSameAs(this.global);
		}
		assertThat(output.getAll().split("Ignoring the error policy settings of route 'late'", -1)).hasSize(2);
	}

	@Test
	void everythingIsBoundAgainAfterARefresh() {
		Route kept = route("kept", Map.of("expose-details", true));
		Route gone = route("gone", Map.of("expose-details", true));
		ErrorPolicy keptPolicy = this.resolver.resolve(kept);
		ErrorPolicy gonePolicy = this.resolver.resolve(gone);
		this.resolver.retainRoutes(Set.of("kept"));
		ErrorPolicy keptAgain = this.resolver.resolve(kept);
		assertThat(keptAgain).isNotSameAs(keptPolicy);
		assertThat(keptAgain.exposesDetails()).isTrue();
		assertThat(this.resolver.resolve(kept)).isSameAs(keptAgain);
		assertThat(this.resolver.resolve(gone)).isNotSameAs(gonePolicy);
	}

	private static Route route(String id, Map<String, Object> settings) {
		return Route.async()
			.id(id)
			.uri(URI.create("http://orders.example"))
			.predicate((exchange) -> true)
			.metadata(Map.of(RouteErrorPolicyResolver.METADATA_KEY, settings))
			.build();
	}

}
