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

import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.DefaultPropertiesPropertySource;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Prepares the environment for the gateway error policy, before any bean exists.
 * <ul>
 * <li>The master switch {@value #ENABLED} must be {@code true} or {@code false}: any
 * other value would silently leave the policy off, so start-up fails instead, with an
 * {@link InvalidErrorPolicyException}.</li>
 * <li>One log line per upstream failure is made the default: Reactor Netty's HTTP client
 * logs every connection error at WARN with a stack trace before it passes the same error
 * on to the gateway, where the policy logs it once. Its logger is set to ERROR as a
 * default property, unless the policy is off or the application sets a level for that
 * logger or any of its parents.</li>
 * </ul>
 */
public class GatewayErrorPolicyEnvironmentPostProcessor implements EnvironmentPostProcessor {

	/**
	 * The master switch of the policy.
	 */
	static final String ENABLED = "gateway.error-policy.enabled";

	/**
	 * The logger of Reactor Netty that repeats upstream connection errors.
	 */
	static final String LOGGER = "reactor.netty.http.client.HttpClientConnect";

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		if (!isEnabled(environment.getProperty(ENABLED))) {
			return;
		}
		for (String name = LOGGER; !name.isEmpty(); name = parent(name)) {
			if (environment.containsProperty("logging.level." + name)) {
				return;
			}
		}
		DefaultPropertiesPropertySource.addOrMerge(Map.of("logging.level." + LOGGER, "error"),
				environment.getPropertySources());
	}

	private static boolean isEnabled(String value) {
		if (value == null || "true".equalsIgnoreCase(value.trim())) {
			return true;
		}
		if ("false".equalsIgnoreCase(value.trim())) {
			return false;
		}
		throw new InvalidErrorPolicyException(ENABLED, value, "true or false");
	}

	private static String parent(String name) {
		int dot = name.lastIndexOf('.');
		return (dot > 0) ? name.substring(0, dot) : "";
	}

}
