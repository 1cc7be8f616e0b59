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

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;

import org.jspecify.annotations.Nullable;
import reactor.netty.Connection;
import reactor.netty.http.server.HttpServerRequest;

import org.springframework.http.server.reactive.AbstractServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;

/**
 * Reactor Netty's request behind Spring's, through any decorators: its HTTP version, its
 * connection, and when it was received, which Reactor Netty records for every request
 * anyway, so that the policy need not take a time of its own on every request.
 */
public final class NativeRequests {

	private NativeRequests() {
	}

	/**
	 * Return Reactor Netty's request.
	 * @param request the request, possibly decorated
	 * @return Reactor Netty's request, or {@code null} if the server is not Reactor Netty
	 */
	public static @Nullable HttpServerRequest of(ServerHttpRequest request) {
		while (request instanceof ServerHttpRequestDecorator decorator) {
			request = decorator.getDelegate();
		}
		return (request instanceof AbstractServerHttpRequest server
				&& server.getNativeRequest() instanceof HttpServerRequest nativeRequest) ? nativeRequest : null;
	}

	/**
	 * Whether the client of a request is gone: its connection to the server is closed.
	 * @param request the request, possibly decorated
	 * @return whether the connection is known to be closed
	 */
	public static boolean isClientGone(ServerHttpRequest request) {
		return of(request) instanceof Connection connection && !connection.channel().isActive();
	}

	/**
	 * Return how long ago the server received a request.
	 * @param request the request, possibly decorated
	 * @return the time since it was received, or zero if that is not known
	 */
	public static Duration since(ServerHttpRequest request) {
		HttpServerRequest nativeRequest = of(request);
		ZonedDateTime received = (nativeRequest != null) ? nativeRequest.timestamp() : null;
		return (received != null) ? Duration.between(received.toInstant(), Instant.now()) : Duration.ZERO;
	}

}
