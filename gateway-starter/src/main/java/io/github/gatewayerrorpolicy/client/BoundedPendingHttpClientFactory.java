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

package io.github.gatewayerrorpolicy.client;

import java.util.List;

import reactor.netty.resources.ConnectionProvider;

import org.springframework.boot.web.server.autoconfigure.ServerProperties;
import org.springframework.cloud.gateway.config.HttpClientCustomizer;
import org.springframework.cloud.gateway.config.HttpClientFactory;
import org.springframework.cloud.gateway.config.HttpClientProperties;
import org.springframework.cloud.gateway.config.HttpClientSslConfigurer;

/**
 * Spring Cloud Gateway's {@link HttpClientFactory}, with a limit on how many requests may
 * wait for a connection of a fixed pool. Spring Cloud Gateway lets any number wait, each
 * at most the pool's acquire timeout; with this limit, a request beyond it fails at once
 * with Reactor Pool's {@code PoolAcquirePendingLimitException}, which the policy answers
 * with 503 {@code connection_limit_reached}. Elastic and disabled pools never wait, so
 * they are left as they are.
 */
public class BoundedPendingHttpClientFactory extends HttpClientFactory {

	private final int maxPending;

	/**
	 * Create a factory.
	 * @param properties the HTTP client's settings
	 * @param serverProperties the server's settings
	 * @param sslConfigurer configures TLS to upstreams
	 * @param customizers the customizers of the HTTP client
	 * @param maxPending the most requests that may wait for a connection, 0 or more
	 */
	public BoundedPendingHttpClientFactory(HttpClientProperties properties, ServerProperties serverProperties,
			HttpClientSslConfigurer sslConfigurer, List<HttpClientCustomizer> customizers, int maxPending) {
		super(properties, serverProperties, sslConfigurer, customizers);
		if (maxPending < 0) {
			throw new IllegalArgumentException("maxPending must be 0 or more");
		}
		this.maxPending = maxPending;
	}

	@Override
	protected ConnectionProvider buildConnectionProvider(HttpClientProperties properties) {
		ConnectionProvider provider = super.buildConnectionProvider(properties);
		if (properties.getPool().getType() != HttpClientProperties.Pool.PoolType.FIXED) {
			return provider;
		}
		ConnectionProvider.Builder builder = provider.mutate();
		if (builder == null) {
			return provider;
		}
		provider.dispose();
		return builder.pendingAcquireMaxCount(this.maxPending).build();
	}

}
