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

import io.github.gatewayerrorpolicy.test.TestGateway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.NestedExceptionUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * Invalid settings stop a real application at start-up, with Spring Boot's failure report
 * naming the setting, the value and what is allowed.
 */
@ExtendWith(OutputCaptureExtension.class)
class InvalidSettingsStartupTests {

	private static final String ROUTE = "spring.cloud.gateway.server.webflux.routes[0].";

	@Test
	void invalidGlobalSetting(CapturedOutput output) {
		assertDoesNotStart(output, "gateway.error-policy.status.http-response-timeout", "200",
				"gateway.error-policy.status.http-response-timeout=200");
	}

	/**
	 * Spring Boot's binder fails first here; the starter's analysis is the one reported.
	 */
	@Test
	void unknownGlobalErrorType(CapturedOutput output) {
		SpringApplicationBuilder application = new SpringApplicationBuilder(TestGateway.class)
			.properties("server.port=0", "gateway.error-policy.retry-after.connection-refusd=5s");
		assertThatException().isThrownBy(application::run);
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("The gateway error policy is not configured correctly")
			.contains("Property: gateway.error-policy.retry-after.connection-refusd")
			.contains("Value: \"connection-refusd\"")
			.contains("Reason: expected an error type: one of");
	}

	@Test
	void invalidRouteSetting(CapturedOutput output) {
		assertDoesNotStart(output,
				"spring.cloud.gateway.server.webflux.routes[id=orders].metadata.error-policy.retry-after.connection-refusd",
				"connection-refusd", ROUTE + "metadata.error-policy.retry-after.connection-refusd=5s");
	}

	@Test
	void routeSettingOfTheWrongType(CapturedOutput output) {
		assertDoesNotStart(output,
				"spring.cloud.gateway.server.webflux.routes[id=orders].metadata.error-policy.status.dns-error",
				"fivehundred", ROUTE + "metadata.error-policy.status.dns-error=fivehundred");
		assertThat(output).contains("Reason: expected a number such as 503");
	}

	@Test
	void unknownRouteSetting(CapturedOutput output) {
		assertDoesNotStart(output,
				"spring.cloud.gateway.server.webflux.routes[id=orders].metadata.error-policy.staus.dns-error", "503",
				ROUTE + "metadata.error-policy.staus.dns-error=503");
		assertThat(output).contains("Reason: expected a known setting");
	}

	@Test
	void globalOnlySettingOnARoute(CapturedOutput output) {
		assertDoesNotStart(output,
				"spring.cloud.gateway.server.webflux.routes[id=orders].metadata.error-policy.logging.lines-per-route",
				"5", ROUTE + "metadata.error-policy.logging.lines-per-route=5");
		assertThat(output).contains("logging.* is global only");
	}

	@Test
	void trackedUpstreamsLimitOnARoute(CapturedOutput output) {
		assertDoesNotStart(output,
				"spring.cloud.gateway.server.webflux.routes[id=orders].metadata.error-policy.health.max-tracked-upstreams",
				"5", ROUTE + "metadata.error-policy.health.max-tracked-upstreams=5");
		assertThat(output).contains("health.max-tracked-upstreams.* is global only");
	}

	@Test
	void negativePendingLimit(CapturedOutput output) {
		assertDoesNotStart(output, "gateway.error-policy.pool.max-pending", "-1",
				"gateway.error-policy.pool.max-pending=-1");
		assertThat(output).contains("Reason: expected 0 or more");
	}

	@Test
	void redisStoreWithoutRedis(CapturedOutput output) {
		assertDoesNotStart(output, "gateway.error-policy.stale-if-error.store", "redis",
				"gateway.error-policy.stale-if-error.store=redis");
		assertThat(output).contains("Reason: expected memory, or redis with Spring Data Redis configured");
	}

	@Test
	void negativeMaxStaleOnARoute(CapturedOutput output) {
		assertDoesNotStart(output,
				"spring.cloud.gateway.server.webflux.routes[id=orders].metadata.error-policy.stale-if-error.max-stale",
				"PT-1S", ROUTE + "metadata.error-policy.stale-if-error.max-stale=-1s");
		assertThat(output).contains("Reason: expected a duration of 0 or more");
	}

	@Test
	void storeOnARoute(CapturedOutput output) {
		assertDoesNotStart(output,
				"spring.cloud.gateway.server.webflux.routes[id=orders].metadata.error-policy.stale-if-error.store",
				"redis", ROUTE + "metadata.error-policy.stale-if-error.store=redis");
		assertThat(output).contains("stale-if-error.store.* is global only");
	}

	private void assertDoesNotStart(CapturedOutput output, String property, String value, String setting) {
		SpringApplicationBuilder application = new SpringApplicationBuilder(TestGateway.class).properties(
				"server.port=0", ROUTE + "id=orders", ROUTE + "uri=http://127.0.0.1:9",
				ROUTE + "predicates[0]=Path=/orders/**", setting);
		assertThatException().isThrownBy(application::run)
			.satisfies((failure) -> assertThat(NestedExceptionUtils.getMostSpecificCause(failure))
				.isInstanceOf(InvalidErrorPolicyException.class));
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("The gateway error policy is not configured correctly")
			.contains("Property: " + property)
			.contains("Value: \"" + value + "\"")
			.contains("Reason: expected ");
	}

}
