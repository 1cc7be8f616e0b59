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

package io.github.gatewayerrorpolicy.grpc;

import java.nio.charset.StandardCharsets;

import io.github.gatewayerrorpolicy.classify.ErrorType;
import org.jspecify.annotations.Nullable;
import reactor.netty.http.server.HttpServerRequest;

import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;

/**
 * How the gateway speaks to a gRPC client: which requests are gRPC calls, the
 * {@code grpc-status} for a failure the policy answers, and the encoding of
 * {@code grpc-message}, as the gRPC over HTTP/2 protocol defines them.
 */
public final class GrpcStatus {

	/**
	 * The header that carries the status code of a gRPC call.
	 */
	public static final String STATUS = "grpc-status";

	/**
	 * The header that carries the status message of a gRPC call, percent-encoded.
	 */
	public static final String MESSAGE = "grpc-message";

	/**
	 * The header that tells a gRPC client how long to wait before it retries, in
	 * milliseconds: gRPC's {@code Retry-After}.
	 */
	public static final String RETRY_PUSHBACK_MS = "grpc-retry-pushback-ms";

	/**
	 * The content type of a gRPC response.
	 */
	public static final String CONTENT_TYPE = "application/grpc";

	/**
	 * {@code DEADLINE_EXCEEDED}.
	 */
	public static final int DEADLINE_EXCEEDED = 4;

	/**
	 * {@code RESOURCE_EXHAUSTED}.
	 */
	public static final int RESOURCE_EXHAUSTED = 8;

	/**
	 * {@code UNAVAILABLE}.
	 */
	public static final int UNAVAILABLE = 14;

	private static final char[] HEX = "0123456789ABCDEF".toCharArray();

	private GrpcStatus() {
	}

	/**
	 * Whether a request is a gRPC call: its content type is {@code application/grpc} or
	 * {@code application/grpc+<format>} ({@code application/grpc-web} is not).
	 * @param headers the request's headers
	 * @return whether it is a gRPC call
	 */
	public static boolean isGrpc(HttpHeaders headers) {
		String contentType = headers.getFirst(HttpHeaders.CONTENT_TYPE);
		if (contentType == null || !contentType.regionMatches(true, 0, CONTENT_TYPE, 0, CONTENT_TYPE.length())) {
			return false;
		}
		if (contentType.length() == CONTENT_TYPE.length()) {
			return true;
		}
		char next = contentType.charAt(CONTENT_TYPE.length());
		return next == '+' || next == ';' || next == ' ';
	}

	/**
	 * Whether a request is a gRPC call that the gateway can answer in gRPC's terms: a
	 * gRPC content type, over HTTP/2 (an HTTP/1.1 client with that content type is not a
	 * gRPC client, and would read an empty 200 as a success).
	 * @param request the request
	 * @return whether it is a gRPC call
	 */
	public static boolean isGrpcCall(ServerHttpRequest request) {
		if (!isGrpc(request.getHeaders())) {
			return false;
		}
		try {
			Object nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request);
			return !(nativeRequest instanceof HttpServerRequest reactorNetty)
					|| reactorNetty.version().majorVersion() >= 2;
		}
		catch (IllegalArgumentException ex) {
			// a request of another server, or of a test
			return true;
		}
	}

	/**
	 * The gRPC status code for an answer of the policy: {@code RESOURCE_EXHAUSTED} when
	 * the connection pool turned the request away; {@code UNAVAILABLE} for a request that
	 * never reached the upstream (a connect or DNS timeout included, though answered 504
	 * over HTTP: gRPC clients retry it), for a 502, 503 or 429; {@code DEADLINE_EXCEEDED}
	 * for any other 504 (the upstream did not answer in time); and otherwise the code
	 * gRPC's own mapping of HTTP statuses gives (400 {@code INTERNAL}, 401
	 * {@code UNAUTHENTICATED}, 403 {@code PERMISSION_DENIED}, 404 {@code UNIMPLEMENTED},
	 * else {@code UNKNOWN}).
	 * @param type the error type, or {@code null} for an upstream status the route masks
	 * @param status the HTTP status the policy chose
	 * @return the gRPC status code
	 */
	public static int code(@Nullable ErrorType type, int status) {
		if (type == ErrorType.CONNECTION_LIMIT_REACHED) {
			return RESOURCE_EXHAUSTED;
		}
		if (type == ErrorType.CONNECTION_TIMEOUT || type == ErrorType.DNS_TIMEOUT) {
			return UNAVAILABLE;
		}
		return switch (status) {
			case 504 -> DEADLINE_EXCEEDED;
			case 429, 502, 503 -> UNAVAILABLE;
			case 400 -> 13;
			case 401 -> 16;
			case 403 -> 7;
			case 404 -> 12;
			default -> 2;
		};
	}

	/**
	 * Percent-encode a status message as {@code grpc-message} carries it: UTF-8, with
	 * every byte outside printable ASCII, and {@code %} itself, as {@code %XX}.
	 * @param message the message
	 * @return the encoded message
	 */
	public static String encodeMessage(String message) {
		byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
		StringBuilder encoded = new StringBuilder(bytes.length + 16);
		for (byte b : bytes) {
			int c = b & 0xff;
			if (c >= 0x20 && c <= 0x7e && c != '%') {
				encoded.append((char) c);
			}
			else {
				encoded.append('%').append(HEX[c >> 4]).append(HEX[c & 0x0f]);
			}
		}
		return encoded.toString();
	}

}
