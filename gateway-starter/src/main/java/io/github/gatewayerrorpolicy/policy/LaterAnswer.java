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

package io.github.gatewayerrorpolicy.policy;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.web.server.ServerWebExchange;

/**
 * An answer decided while routing, in place of (or as) the upstream's, and written once
 * the route's filters are done with the response, so that the headers they add are part
 * of it: a masked upstream error, a kept response served stale, a WebSocket upstream's
 * refusal. A request has at most one; a new attempt forgets the last one's.
 */
@FunctionalInterface
public interface LaterAnswer {

	/**
	 * Write the answer.
	 * @param exchange the exchange whose response is written
	 * @return completion of the write
	 */
	Mono<Void> write(ServerWebExchange exchange);

	/**
	 * Decide the request's answer.
	 * @param exchange the current exchange
	 * @param answer the answer
	 */
	static void put(ServerWebExchange exchange, LaterAnswer answer) {
		exchange.getAttributes().put(LaterAnswer.class.getName(), answer);
	}

	/**
	 * Return the answer decided, if any.
	 * @param exchange the current exchange
	 * @return the answer
	 */
	static @Nullable LaterAnswer of(ServerWebExchange exchange) {
		return exchange.getAttribute(LaterAnswer.class.getName());
	}

	/**
	 * Forget an answer decided for an earlier attempt of the request.
	 * @param exchange the current exchange
	 */
	static void remove(ServerWebExchange exchange) {
		exchange.getAttributes().remove(LaterAnswer.class.getName());
	}

}
