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

import java.util.Set;
import java.util.stream.Collectors;

import io.github.gatewayerrorpolicy.policy.PerRouteState;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.gateway.event.RefreshRoutesResultEvent;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.context.ApplicationListener;

/**
 * Tells every {@link PerRouteState} which routes remain after Spring Cloud Gateway
 * refreshed its routes. The routes are read from the refreshed locator without blocking:
 * a refresh may be triggered on an event loop.
 */
class RouteStatePruner implements ApplicationListener<RefreshRoutesResultEvent> {

	private static final Log logger = LogFactory.getLog(RouteStatePruner.class);

	private final ObjectProvider<PerRouteState> states;

	RouteStatePruner(ObjectProvider<PerRouteState> states) {
		this.states = states;
	}

	@Override
	public void onApplicationEvent(RefreshRoutesResultEvent event) {
		if (!event.isSuccess() || !(event.getSource() instanceof RouteLocator locator)) {
			return;
		}
		locator.getRoutes()
			.map(Route::getId)
			.collect(Collectors.toUnmodifiableSet())
			.subscribe(this::retain, (error) -> logger.debug("Routes could not be listed after a refresh", error));
	}

	private void retain(Set<String> routeIds) {
		this.states.orderedStream().forEach((state) -> state.retainRoutes(routeIds));
	}

}
