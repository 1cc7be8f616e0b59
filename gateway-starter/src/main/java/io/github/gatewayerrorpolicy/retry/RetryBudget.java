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

package io.github.gatewayerrorpolicy.retry;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.gatewayerrorpolicy.policy.PerRouteState;

/**
 * The retry budget of each route, as Envoy has it: the retries in flight may not exceed
 * {@code max(min-concurrency, percent % of the requests in flight)}. It bounds how many
 * retries run at once, not how many are made, so that under a total outage retries add
 * about {@code percent} to the load on the upstream instead of multiplying it.
 */
public class RetryBudget implements PerRouteState {

	private final Map<String, Route> routes = new ConcurrentHashMap<>();

	/**
	 * Count a request of a route in flight until {@link Route#requestEnded()}.
	 * @param routeId the id of the route
	 * @return the route's counts
	 */
	public Route requestStarted(String routeId) {
		Route route = this.routes.computeIfAbsent(routeId, (id) -> new Route());
		route.requests.incrementAndGet();
		return route;
	}

	/**
	 * Return the retries of a route in flight now.
	 * @param routeId the id of the route
	 * @return the retries in flight
	 */
	public int retriesInFlight(String routeId) {
		Route route = this.routes.get(routeId);
		return (route != null) ? route.retriesInFlight() : 0;
	}

	@Override
	public void retainRoutes(Set<String> routeIds) {
		// a request still in flight keeps the counts it started with
		this.routes.keySet().retainAll(routeIds);
	}

	/**
	 * The requests and retries in flight of one route.
	 */
	public static final class Route {

		private final AtomicInteger requests = new AtomicInteger();

		private final AtomicInteger retries = new AtomicInteger();

		/**
		 * The request ended.
		 */
		public void requestEnded() {
			this.requests.decrementAndGet();
		}

		/**
		 * Take a place for a retry, if the budget has one.
		 * @param percent the retries allowed in percent of the requests in flight
		 * @param minConcurrency the retries always allowed
		 * @return whether the retry may be made; if so, {@link #retryEnded()} must follow
		 */
		public boolean tryStartRetry(int percent, int minConcurrency) {
			int allowed = Math.max(minConcurrency, (int) ((long) this.requests.get() * percent / 100));
			while (true) {
				int current = this.retries.get();
				if (current >= allowed) {
					return false;
				}
				if (this.retries.compareAndSet(current, current + 1)) {
					return true;
				}
			}
		}

		/**
		 * A retry ended.
		 */
		public void retryEnded() {
			this.retries.decrementAndGet();
		}

		/**
		 * Return the retries in flight.
		 * @return the retries in flight
		 */
		public int retriesInFlight() {
			return this.retries.get();
		}

	}

}
