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

import java.util.List;
import java.util.Set;

import io.netty.handler.codec.http.HttpHeaderNames;
import org.jspecify.annotations.Nullable;
import reactor.netty.http.server.HttpServerResponse;

import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.server.ServerWebExchange;

/**
 * Tells the headers the gateway set on a response from those an upstream's response
 * brought, so that an answer replacing the upstream's keeps the gateway's own (CORS,
 * {@code AddResponseHeader}) and drops the upstream's.
 */
public final class GatewayHeaders {

	/**
	 * The exchange attribute holding a copy of the headers the gateway had set before the
	 * upstream call, if any.
	 */
	public static final String ATTRIBUTE = GatewayHeaders.class.getName();

	private GatewayHeaders() {
	}

	/**
	 * Keep a copy of the response headers the gateway has set so far, if any, for an
	 * answer that replaces the upstream's response later: where the upstream sent a
	 * header of the same name, Spring Cloud Gateway appended its values to the gateway's.
	 * @param exchange the current exchange, before the upstream call
	 */
	public static void remember(ServerWebExchange exchange) {
		HttpHeaders headers = exchange.getResponse().getHeaders();
		if (!headers.isEmpty() && !onlyTransferEncoding(exchange.getResponse())) {
			exchange.getAttributes().put(ATTRIBUTE, HttpHeaders.copyOf(headers));
		}
	}

	/**
	 * Whether the response has no header but the {@code Transfer-Encoding: chunked} that
	 * Reactor Netty's server starts every response with: the gateway set nothing, and
	 * nothing needs copying. Asked of Netty's headers, which count without allocating.
	 */
	private static boolean onlyTransferEncoding(ServerHttpResponse response) {
		HttpServerResponse nativeResponse = nativeResponse(response);
		if (nativeResponse != null) {
			io.netty.handler.codec.http.HttpHeaders headers = nativeResponse.responseHeaders();
			return headers.size() == 1 && headers.contains(HttpHeaderNames.TRANSFER_ENCODING);
		}
		return false;
	}

	/**
	 * Return Reactor Netty's response under a response and its decorators.
	 * @param response the response
	 * @return Reactor Netty's, or {@code null} on another server
	 */
	public static @Nullable HttpServerResponse nativeResponse(ServerHttpResponse response) {
		try {
			return (ServerHttpResponseDecorator.getNativeResponse(response) instanceof HttpServerResponse server)
					? server : null;
		}
		catch (IllegalArgumentException ex) {
			// a response of another server, or of a test
			return null;
		}
	}

	/**
	 * Remove from the response headers what the upstream's response brought: each header
	 * Spring Cloud Gateway copied from it goes, or gets back the gateway's own values
	 * where the gateway had set that header too.
	 * @param exchange the current exchange
	 * @param headers the response's headers
	 */
	public static void removeUpstream(ServerWebExchange exchange, HttpHeaders headers) {
		Set<String> upstream = exchange.getAttribute(ServerWebExchangeUtils.CLIENT_RESPONSE_HEADER_NAMES);
		if (upstream == null) {
			return;
		}
		HttpHeaders gateway = exchange.getAttribute(ATTRIBUTE);
		for (String name : upstream) {
			List<String> own = (gateway != null) ? gateway.get(name) : null;
			if (own != null) {
				headers.put(name, own);
			}
			else {
				headers.remove(name);
			}
		}
	}

}
