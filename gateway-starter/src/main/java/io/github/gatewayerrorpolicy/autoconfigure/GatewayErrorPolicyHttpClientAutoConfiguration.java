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
import reactor.netty.http.client.HttpClient;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.server.autoconfigure.ServerProperties;
import org.springframework.cloud.gateway.config.HttpClientCustomizer;
import org.springframework.cloud.gateway.config.HttpClientFactory;
import org.springframework.cloud.gateway.config.HttpClientProperties;
import org.springframework.cloud.gateway.config.HttpClientSslConfigurer;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the gateway's HTTP client pool, when
 * {@code gateway.error-policy.pool.max-pending} is set: Spring Cloud Gateway's own
 * {@link HttpClientFactory}, with that limit on the requests waiting for a connection. It
 * runs before Spring Cloud Gateway's auto-configuration and backs off, as that does, when
 * the application defines its own {@link HttpClient} or {@link HttpClientFactory}.
 */
@AutoConfiguration(beforeName = "org.springframework.cloud.gateway.config.GatewayAutoConfiguration")
@ConditionalOnWebApplication(type = Type.REACTIVE)
@ConditionalOnClass(HttpClientFactory.class)
@ConditionalOnBooleanProperty(name = "gateway.error-policy.enabled", matchIfMissing = true)
@ConditionalOnProperty("gateway.error-policy.pool.max-pending")
@EnableConfigurationProperties(GatewayErrorPolicyProperties.class)
public final class GatewayErrorPolicyHttpClientAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean({ HttpClient.class, HttpClientFactory.class })
	HttpClientFactory gatewayHttpClientFactory(HttpClientProperties properties, ServerProperties serverProperties,
			List<HttpClientCustomizer> customizers, HttpClientSslConfigurer sslConfigurer,
			GatewayErrorPolicyProperties policy) {
		ErrorPolicyFactory.validateGlobal(policy);
		Integer maxPending = policy.getPool().getMaxPending();
		// an empty value binds to null: no limit on the count, as Spring Cloud Gateway
		// has it
		return (maxPending != null) ? new BoundedPendingHttpClientFactory(properties, serverProperties, sslConfigurer,
				customizers, maxPending)
				: new HttpClientFactory(properties, serverProperties, sslConfigurer, customizers);
	}

}
