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

package io.github.gatewayerrorpolicy.stale;

import io.github.gatewayerrorpolicy.policy.ErrorPolicy;
import org.jspecify.annotations.Nullable;

import org.springframework.web.server.ServerWebExchange;

/**
 * A kept response chosen to replace an upstream's error response, written once the
 * route's filters have done with the response, as a masked answer is.
 *
 * @param policy the route's policy
 * @param kept the kept response
 * @param upstreamStatus the upstream's status it replaces
 */
public record StaleAnswer(ErrorPolicy policy, KeptResponse kept, int upstreamStatus) {

	private static final String ATTRIBUTE = StaleAnswer.class.getName();

	/**
	 * Put the answer on the exchange.
	 * @param exchange the current exchange
	 */
	public void put(ServerWebExchange exchange) {
		exchange.getAttributes().put(ATTRIBUTE, this);
	}

	/**
	 * Return the answer put on the exchange, if any.
	 * @param exchange the current exchange
	 * @return the answer
	 */
	public static @Nullable StaleAnswer of(ServerWebExchange exchange) {
		return exchange.getAttribute(ATTRIBUTE);
	}

	/**
	 * Forget an answer decided for an earlier attempt of the request.
	 * @param exchange the current exchange
	 */
	public static void remove(ServerWebExchange exchange) {
		exchange.getAttributes().remove(ATTRIBUTE);
	}

}
