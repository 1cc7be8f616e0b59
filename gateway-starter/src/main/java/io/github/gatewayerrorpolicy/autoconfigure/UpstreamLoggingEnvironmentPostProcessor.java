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
 * Makes one log line per upstream failure the default: Reactor Netty's HTTP client logs
 * every connection error at WARN with a stack trace before it passes the same error on to
 * the gateway, where the error policy logs it once. Its logger is set to ERROR as a
 * default property, unless the policy is disabled or the application sets a level for
 * that logger or any of its parents.
 */
public class UpstreamLoggingEnvironmentPostProcessor implements EnvironmentPostProcessor {

	/**
	 * The logger of Reactor Netty that repeats upstream connection errors.
	 */
	static final String LOGGER = "reactor.netty.http.client.HttpClientConnect";

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		if (!environment.getProperty("gateway.error-policy.enabled", Boolean.class, true)) {
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

	private static String parent(String name) {
		int dot = name.lastIndexOf('.');
		return (dot > 0) ? name.substring(0, dot) : "";
	}

}
