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

package io.github.gatewayerrorpolicy.filter;

import java.util.List;

import io.github.gatewayerrorpolicy.observe.NativeRequests;
import io.netty.handler.codec.http.HttpVersion;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;

/**
 * Rejects the routed requests that Netty's server parses but HTTP/1.1 forbids, before
 * they reach an upstream: a request without exactly one valid {@code Host} header gets
 * 400 Bad Request, as RFC 9112 (section 3.2) requires (HTTP/1.0 may omit it), and a
 * request line with an HTTP version other than 1.x, 2 or 3 gets 505 HTTP Version Not
 * Supported (RFC 9110, section 15.6.6), and the connection is closed after the answer.
 * Netty's server rejects every other malformed request line or header on its own.
 * <p>
 * It is a gateway filter, first in the chain, so it checks only what the gateway is about
 * to route: the application's own endpoints, Actuator's among them, are left to the
 * server.
 */
public class RequestValidationFilter implements GlobalFilter, Ordered {

	/**
	 * Order of this filter: before any other gateway filter.
	 */
	public static final int ORDER = Ordered.HIGHEST_PRECEDENCE;

	private static final boolean[] REG_NAME = new boolean[128];

	static {
		for (char c : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~%!$&'()*+;=-".toCharArray()) {
			REG_NAME[c] = true;
		}
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		HttpVersion version = version(exchange.getRequest());
		if (version != null && !isSupported(version)) {
			return reject(exchange, HttpStatus.HTTP_VERSION_NOT_SUPPORTED,
					"Only HTTP/1.x, HTTP/2 and HTTP/3 are supported");
		}
		if (version != null && version.majorVersion() == 1) {
			List<String> hosts = exchange.getRequest().getHeaders().getOrEmpty(HttpHeaders.HOST);
			boolean required = version.minorVersion() >= 1;
			if (hosts.size() > 1 || (required && hosts.isEmpty())
					|| (hosts.size() == 1 && !isValidHost(hosts.get(0)))) {
				return reject(exchange, HttpStatus.BAD_REQUEST,
						"An HTTP/1.1 request needs exactly one valid Host header");
			}
		}
		return chain.filter(exchange);
	}

	/**
	 * Reject a request, and close its connection after the answer, as nginx does: a
	 * client that sent one invalid request is not trusted with the next one on the same
	 * connection, such as a request written right behind it.
	 */
	private static Mono<Void> reject(ServerWebExchange exchange, HttpStatus status, String reason) {
		exchange.getResponse().getHeaders().set(HttpHeaders.CONNECTION, "close");
		return Mono.error(new ResponseStatusException(status, reason));
	}

	/**
	 * Whether the gateway speaks a version: 1.0, 1.1, 2 or 3.
	 */
	static boolean isSupported(HttpVersion version) {
		return version.majorVersion() >= 1 && version.majorVersion() <= 3;
	}

	/**
	 * Whether a {@code Host} value is a host, a registered name or an IP literal, with an
	 * optional port (RFC 9110, section 7.2). A comma, which would make it a list, is not
	 * allowed.
	 */
	static boolean isValidHost(String host) {
		int length = host.length();
		int index = 0;
		if (length > 0 && host.charAt(0) == '[') {
			index = 1;
			while (index < length && isIpLiteralChar(host.charAt(index))) {
				index++;
			}
			if (index == 1 || index == length || host.charAt(index) != ']') {
				return false;
			}
			index++;
		}
		else {
			while (index < length && host.charAt(index) < 128 && REG_NAME[host.charAt(index)]) {
				index++;
			}
			if (index == 0) {
				return false;
			}
		}
		if (index == length) {
			return true;
		}
		if (host.charAt(index) != ':' || length - index - 1 > 5) {
			return false;
		}
		for (index++; index < length; index++) {
			if (host.charAt(index) < '0' || host.charAt(index) > '9') {
				return false;
			}
		}
		return true;
	}

	private static boolean isIpLiteralChar(char c) {
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
	}

	private static @Nullable HttpVersion version(ServerHttpRequest request) {
		HttpServerRequest nativeRequest = NativeRequests.of(request);
		return (nativeRequest != null) ? nativeRequest.version() : null;
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

}
