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
import java.util.List;

import io.github.gatewayerrorpolicy.classify.ErrorType;
import io.github.gatewayerrorpolicy.grpc.GrpcStatus;
import io.github.gatewayerrorpolicy.retry.RetryAttempts;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

/**
 * Tells every {@link UpstreamFailureListener} about a failed upstream exchange. A
 * listener that throws changes nothing for the client or the other listeners: it is
 * logged, at most once a minute.
 */
public class UpstreamFailureEvents {

	/**
	 * The shortest time between two reports of a listener that failed.
	 */
	public static final Duration FAILED_LISTENER_LOG_PERIOD = Duration.ofMinutes(1);

	private static final Log logger = LogFactory.getLog(UpstreamFailureEvents.class);

	private final List<UpstreamFailureListener> listeners;

	private final TraceIdResolver traceIds;

	private final LogThrottle[] failureLogs;

	public UpstreamFailureEvents(List<? extends UpstreamFailureListener> listeners, TraceIdResolver traceIds) {
		this.listeners = List.copyOf(listeners);
		this.traceIds = traceIds;
		this.failureLogs = new LogThrottle[this.listeners.size()];
		for (int i = 0; i < this.listeners.size(); i++) {
			this.failureLogs[i] = new LogThrottle(FAILED_LISTENER_LOG_PERIOD, System::nanoTime);
		}
	}

	/**
	 * Tell every listener about a failure.
	 * @param exchange the current exchange
	 * @param type the error type, or {@code null} for an upstream 5xx response
	 * @param status the status the client got
	 * @param outcome what the gateway did
	 * @param error the error the upstream call raised, if any
	 * @return the event, with the trace id
	 */
	public UpstreamFailureEvent publish(ServerWebExchange exchange, @Nullable ErrorType type, int status,
			Outcome outcome, @Nullable Throwable error) {
		Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
		Duration waited = NativeRequests.since(exchange.getRequest());
		UpstreamFailureEvent event = new UpstreamFailureEvent(Instant.now(), (route != null) ? route.getId() : null,
				exchange.getRequest().getMethod().name(), type, status, outcome, exchange.getRequest().getId(),
				this.traceIds.traceId(exchange), waited, RetryAttempts.attempts(exchange), error,
				protocol(exchange.getRequest()));
		for (int i = 0; i < this.listeners.size(); i++) {
			try {
				this.listeners.get(i).onUpstreamFailure(event, exchange);
			}
			catch (RuntimeException ex) {
				failed(i, ex);
			}
		}
		return event;
	}

	/**
	 * A listener failed: the answer to the client must not change, so the failure is only
	 * logged, at most once per {@link #FAILED_LISTENER_LOG_PERIOD} and listener, with how
	 * many failures the pause hid.
	 */
	private void failed(int index, RuntimeException ex) {
		long unlogged = this.failureLogs[index].admit();
		if (unlogged == LogThrottle.SKIP) {
			return;
		}
		logger.warn("Upstream failure listener " + this.listeners.get(index).getClass().getName()
				+ " failed; the answer to the client is unchanged"
				+ ((unlogged > 0) ? " (" + unlogged + " more failures since the last report)" : ""), ex);
	}

	private static String protocol(ServerHttpRequest request) {
		if (GrpcStatus.isGrpcCall(request)) {
			return UpstreamFailureEvent.GRPC;
		}
		return "websocket".equalsIgnoreCase(request.getHeaders().getUpgrade()) ? UpstreamFailureEvent.WEBSOCKET
				: UpstreamFailureEvent.HTTP;
	}

}
