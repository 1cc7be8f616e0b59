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

import org.springframework.boot.SpringApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tests for {@link GatewayErrorPolicyEnvironmentPostProcessor}.
 */
class GatewayErrorPolicyEnvironmentPostProcessorTests {

	private static final String LEVEL = "logging.level." + GatewayErrorPolicyEnvironmentPostProcessor.LOGGER;

	private final GatewayErrorPolicyEnvironmentPostProcessor postProcessor = new GatewayErrorPolicyEnvironmentPostProcessor();

	@Test
	void lowersTheClientsDuplicateWarnings() {
		MockEnvironment environment = new MockEnvironment();
		this.postProcessor.postProcessEnvironment(environment, new SpringApplication());
		assertThat(environment.getProperty(LEVEL)).isEqualTo("error");
		assertThat(environment.getPropertySources().stream().reduce((first, second) -> second).orElseThrow().getName())
			.isEqualTo("defaultProperties");
	}

	@Test
	void leavesLoggingAloneWhenDisabled() {
		MockEnvironment environment = new MockEnvironment().withProperty("gateway.error-policy.enabled", "FALSE");
		this.postProcessor.postProcessEnvironment(environment, new SpringApplication());
		assertThat(environment.containsProperty(LEVEL)).isFalse();
	}

	@Test
	void keepsALevelTheApplicationSetOnAParent() {
		MockEnvironment environment = new MockEnvironment().withProperty("logging.level.reactor.netty", "debug");
		this.postProcessor.postProcessEnvironment(environment, new SpringApplication());
		assertThat(environment.containsProperty(LEVEL)).isFalse();
	}

	@Test
	void rejectsASwitchThatIsNeitherTrueNorFalse() {
		MockEnvironment environment = new MockEnvironment().withProperty("gateway.error-policy.enabled", "yes");
		assertThatIllegalStateException()
			.isThrownBy(() -> this.postProcessor.postProcessEnvironment(environment, new SpringApplication()))
			.withMessage("Invalid value 'yes' for 'gateway.error-policy.enabled': expected true or false");
	}

	@Test
	void applicationWithAnInvalidSwitchDoesNotStart() {
		SpringApplicationBuilder application = new SpringApplicationBuilder(TestGateway.class)
			.properties("gateway.error-policy.enabled=maybe", "server.port=0");
		assertThatIllegalStateException().isThrownBy(application::run)
			.withMessageContaining("'maybe'")
			.withMessageContaining("gateway.error-policy.enabled");
	}

}
