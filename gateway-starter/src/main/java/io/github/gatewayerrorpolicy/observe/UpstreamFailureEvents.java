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
import org.jspecify.annotations.Nullable;

import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.web.server.ServerWebExchange;

/**
 * Tells every {@link UpstreamFailureListener} about a failed upstream exchange.
 */
public class UpstreamFailureEvents {

	/**
	 * Name of the exchange attribute holding {@link System#nanoTime()} at the moment the
	 * gateway began handling the request.
	 */
	public static final String STARTED_ATTRIBUTE = UpstreamFailureEvents.class.getName() + ".started";

	private final List<UpstreamFailureListener> listeners;

	private final TraceIdResolver traceIds;

	public UpstreamFailureEvents(List<? extends UpstreamFailureListener> listeners, TraceIdResolver traceIds) {
		this.listeners = List.copyOf(listeners);
		this.traceIds = traceIds;
	}

	/**
	 * Record when the gateway began handling a request.
	 * @param exchange the current exchange
	 */
	public static void started(ServerWebExchange exchange) {
		exchange.getAttributes().put(STARTED_ATTRIBUTE, System.nanoTime());
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
		Long started = exchange.getAttribute(STARTED_ATTRIBUTE);
		Duration waited = (started != null) ? Duration.ofNanos(System.nanoTime() - started) : Duration.ZERO;
		UpstreamFailureEvent event = new UpstreamFailureEvent(Instant.now(), (route != null) ? route.getId() : null,
				exchange.getRequest().getMethod().name(), type, status, outcome, exchange.getRequest().getId(),
				this.traceIds.traceId(exchange), waited, error);
		for (UpstreamFailureListener listener : this.listeners) {
			listener.onUpstreamFailure(event, exchange);
		}
		return event;
	}

}
