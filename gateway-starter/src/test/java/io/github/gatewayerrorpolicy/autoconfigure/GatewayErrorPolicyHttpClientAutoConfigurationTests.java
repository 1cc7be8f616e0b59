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

import java.util.List;

import io.github.gatewayerrorpolicy.client.BoundedPendingHttpClientFactory;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.ssl.DefaultSslBundleRegistry;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.web.server.autoconfigure.ServerProperties;
import org.springframework.cloud.gateway.config.HttpClientFactory;
import org.springframework.cloud.gateway.config.HttpClientProperties;
import org.springframework.cloud.gateway.config.HttpClientSslConfigurer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link GatewayErrorPolicyHttpClientAutoConfiguration}.
 */
class GatewayErrorPolicyHttpClientAutoConfigurationTests {

	private static final String FACTORY = "&gatewayHttpClientFactory";

	private final ReactiveWebApplicationContextRunner contextRunner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(GatewayErrorPolicyHttpClientAutoConfiguration.class))
		.withBean(HttpClientProperties.class)
		.withBean(ServerProperties.class)
		.withBean(HttpClientSslConfigurer.class, GatewayErrorPolicyHttpClientAutoConfigurationTests::sslConfigurer);

	private static HttpClientSslConfigurer sslConfigurer() {
		return new HttpClientSslConfigurer(new HttpClientProperties().getSsl(), new ServerProperties(),
				new DefaultSslBundleRegistry()) {
		};
	}

	@Test
	void leavesTheFactoryToSpringCloudGatewayWithoutALimit() {
		this.contextRunner.run((context) -> assertThat(context).doesNotHaveBean(HttpClientFactory.class));
	}

	@Test
	void providesAFactoryWithTheLimit() {
		this.contextRunner.withPropertyValues("gateway.error-policy.pool.max-pending=3")
			.run((context) -> assertThat(context.getBean(FACTORY)).isInstanceOf(BoundedPendingHttpClientFactory.class));
	}

	@Test
	void emptyLimitMeansNoLimit() {
		this.contextRunner.withPropertyValues("gateway.error-policy.pool.max-pending=")
			.run((context) -> assertThat(context.getBean(FACTORY)).hasSameClassAs(
					new HttpClientFactory(new HttpClientProperties(), new ServerProperties(), null, List.of())));
	}

	@Test
	void backsOffBeforeTheApplicationsOwnFactory() {
		this.contextRunner.withPropertyValues("gateway.error-policy.pool.max-pending=3")
			.withBean("applicationHttpClientFactory", HttpClientFactory.class,
					() -> new HttpClientFactory(new HttpClientProperties(), new ServerProperties(), sslConfigurer(),
							List.of()))
			.run((context) -> {
				assertThat(context.containsBean(FACTORY)).isFalse();
				assertThat(context.getBean("&applicationHttpClientFactory"))
					.isNotInstanceOf(BoundedPendingHttpClientFactory.class);
			});
	}

	@Test
	void negativeLimitStopsStartUp() {
		this.contextRunner.withPropertyValues("gateway.error-policy.pool.max-pending=-1")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(InvalidErrorPolicyException.class));
	}

}
