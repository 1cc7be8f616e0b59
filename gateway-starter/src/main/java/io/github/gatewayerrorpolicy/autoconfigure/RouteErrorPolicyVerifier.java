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

import java.time.Duration;
import java.util.List;

import io.github.gatewayerrorpolicy.observe.UpstreamFailureLog.LogSanitizer;
import io.github.gatewayerrorpolicy.policy.ErrorPolicy;
import io.github.gatewayerrorpolicy.retry.RetryFilter;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;

/**
 * Checks every route's error policy settings once all beans exist, so that invalid ones
 * stop start-up with an {@link InvalidErrorPolicyException} instead of surfacing on the
 * first failure, and says at start-up which routes keep Spring Cloud Gateway's own
 * {@code Retry} filter, and so are not retried by the policy. Does nothing when the
 * application replaced the {@link RouteErrorPolicyResolver}.
 */
class RouteErrorPolicyVerifier implements SmartInitializingSingleton {

	private static final Log logger = LogFactory.getLog(RouteErrorPolicyVerifier.class);

	private static final Duration ROUTES_TIMEOUT = Duration.ofSeconds(30);

	private final ObjectProvider<RouteLocator> routeLocator;

	private final ObjectProvider<RouteErrorPolicyResolver> resolver;

	RouteErrorPolicyVerifier(ObjectProvider<RouteLocator> routeLocator,
			ObjectProvider<RouteErrorPolicyResolver> resolver) {
		this.routeLocator = routeLocator;
		this.resolver = resolver;
	}

	@Override
	public void afterSingletonsInstantiated() {
		RouteLocator locator = this.routeLocator.getIfAvailable();
		RouteErrorPolicyResolver resolver = this.resolver.getIfAvailable();
		if (locator == null || resolver == null) {
			return;
		}
		List<Route> routes;
		try {
			routes = locator.getRoutes().collectList().block(ROUTES_TIMEOUT);
		}
		catch (RuntimeException ex) {
			logger.debug("Routes could not be listed; their error policy settings are checked when first used", ex);
			return;
		}
		if (routes != null) {
			for (Route route : routes) {
				ErrorPolicy policy = resolver.policyOf(route);
				if (policy.isEnabled() && policy.retry().retries() && !RetryFilter.retries(policy, route)) {
					logger.info("Route " + LogSanitizer.clean(route.getId())
							+ " has Spring Cloud Gateway's Retry filter: the error policy does not retry its requests");
				}
			}
		}
	}

}
