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

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration of the gateway error policy.
 */
@ConfigurationProperties("gateway.error-policy")
public class GatewayErrorPolicyProperties {

	/**
	 * Whether the gateway answers upstream failures with the error policy. When off,
	 * Spring Cloud Gateway's own handling applies.
	 */
	private boolean enabled = true;

	private final ProxyStatus proxyStatus = new ProxyStatus();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public ProxyStatus getProxyStatus() {
		return this.proxyStatus;
	}

	/**
	 * Settings of the RFC 9209 Proxy-Status header.
	 */
	public static class ProxyStatus {

		/**
		 * Name this gateway gives itself in the Proxy-Status header. Defaults to
		 * 'spring.application.name', else 'gateway'.
		 */
		private @Nullable String name;

		public @Nullable String getName() {
			return this.name;
		}

		public void setName(@Nullable String name) {
			this.name = name;
		}

	}

}
