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

package io.github.gatewayerrorpolicy.observe;

import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebExchangeDecorator;

/**
 * The request as the client sent it. Route filters such as {@code StripPrefix},
 * {@code RewritePath} or {@code SetRequestHeader} pass on a mutated exchange whose
 * request is the one for the upstream; the exchange it was mutated from still holds the
 * client's.
 */
public final class ClientRequest {

	private ClientRequest() {
	}

	/**
	 * Return the request as the client sent it.
	 * @param exchange the current exchange, or one mutated from it
	 * @return the client's request
	 */
	public static ServerHttpRequest of(ServerWebExchange exchange) {
		while (exchange instanceof ServerWebExchangeDecorator decorator) {
			exchange = decorator.getDelegate();
		}
		return exchange.getRequest();
	}

}
