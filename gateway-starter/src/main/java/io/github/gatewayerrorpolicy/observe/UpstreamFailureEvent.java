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

import io.github.gatewayerrorpolicy.classify.ErrorType;
import org.jspecify.annotations.Nullable;

/**
 * One failed upstream exchange, as every {@link UpstreamFailureListener} learns of it.
 *
 * @param time when the gateway answered or aborted
 * @param routeId the id of the route, if one matched
 * @param method the request method
 * @param type the RFC 9209 error type, or {@code null} for an upstream 5xx response
 * passed through or masked
 * @param status the status the client got (for an aborted response, the one it had
 * already got; for a gRPC call, the status the policy chose, which the client got as a
 * {@code grpc-status})
 * @param outcome what the gateway did
 * @param requestId the id of the request, as the gateway logs it
 * @param traceId the id of the current trace, where tracing is on
 * @param waited how long the client had waited, from when the gateway began handling the
 * request
 * @param attempts how many attempts were made: 1 unless the request was retried
 * @param error the error the upstream call raised, if any; for logs at debug level only,
 * never shown to clients or kept
 * @param protocol how the client was answered: {@value #HTTP}, {@value #GRPC} (a
 * {@code grpc-status}) or {@value #WEBSOCKET} (a handshake, or a close code after it)
 */
public record UpstreamFailureEvent(Instant time, @Nullable String routeId, String method, @Nullable ErrorType type,
		int status, Outcome outcome, String requestId, @Nullable String traceId, Duration waited, int attempts,
		@Nullable Throwable error, String protocol) {

	/**
	 * A client answered over plain HTTP.
	 */
	public static final String HTTP = "http";

	/**
	 * A gRPC client, answered in gRPC's terms.
	 */
	public static final String GRPC = "grpc";

	/**
	 * A WebSocket client.
	 */
	public static final String WEBSOCKET = "websocket";

	/**
	 * Create an event for a client answered over plain HTTP.
	 * @param time when the gateway answered or aborted
	 * @param routeId the id of the route, if one matched
	 * @param method the request method
	 * @param type the RFC 9209 error type, or {@code null} for an upstream 5xx response
	 * @param status the status the client got
	 * @param outcome what the gateway did
	 * @param requestId the id of the request
	 * @param traceId the id of the current trace, where tracing is on
	 * @param waited how long the client had waited
	 * @param attempts how many attempts were made
	 * @param error the error the upstream call raised, if any
	 */
	public UpstreamFailureEvent(Instant time, @Nullable String routeId, String method, @Nullable ErrorType type,
			int status, Outcome outcome, String requestId, @Nullable String traceId, Duration waited, int attempts,
			@Nullable Throwable error) {
		this(time, routeId, method, type, status, outcome, requestId, traceId, waited, attempts, error, HTTP);
	}

}
