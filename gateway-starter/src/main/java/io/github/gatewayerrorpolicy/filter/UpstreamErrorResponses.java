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

import java.time.Duration;

import io.github.gatewayerrorpolicy.observe.Outcome;
import io.github.gatewayerrorpolicy.observe.UpstreamFailureEvent;
import io.github.gatewayerrorpolicy.observe.UpstreamFailureEvents;
import io.github.gatewayerrorpolicy.policy.ErrorPolicy;
import io.github.gatewayerrorpolicy.policy.LaterAnswer;
import io.github.gatewayerrorpolicy.policy.ProxyStatus;
import io.github.gatewayerrorpolicy.retry.RetryAttempts;
import io.github.gatewayerrorpolicy.web.ErrorResponseWriter;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ServerWebExchange;

/**
 * What the gateway does with an upstream's 5xx response, on HTTP and WebSocket routes
 * alike: pass it on with {@code received-status}, or, where the route masks that status,
 * answer in its place once the route's filters are done, with the upstream's
 * {@code Retry-After}. Either way it is published.
 */
public final class UpstreamErrorResponses {

	private final UpstreamFailureEvents events;

	private final ErrorResponseWriter writer;

	/**
	 * Create the decision.
	 * @param events where the upstream's 5xx responses are published
	 * @param writer the writer of the gateway's answers
	 */
	public UpstreamErrorResponses(UpstreamFailureEvents events, ErrorResponseWriter writer) {
		this.events = events;
		this.writer = writer;
	}

	/**
	 * Decide on an upstream's 5xx response.
	 * @param exchange the current exchange, whose response gets {@code Proxy-Status} when
	 * the upstream's response is passed on
	 * @param policy the route's policy
	 * @param status the upstream's status
	 * @param upstreamHeaders the upstream's headers
	 * @return whether the gateway answers in its place: the upstream's body is then not
	 * to be written
	 */
	public boolean masked(ServerWebExchange exchange, ErrorPolicy policy, int status, HttpHeaders upstreamHeaders) {
		HttpStatus known = HttpStatus.resolve(status);
		if (known == null || !policy.masks(status)) {
			this.events.publish(exchange, null, status, Outcome.PASSED_THROUGH, null);
			ProxyStatus proxyStatus = policy.proxyStatus();
			if (proxyStatus != null) {
				exchange.getResponse().getHeaders().add(ProxyStatus.HEADER, proxyStatus.receivedStatus(status));
			}
			return false;
		}
		Duration asked = RetryAttempts.delay(upstreamHeaders);
		// the gateway writes its own value rather than copying the upstream's
		Long retryAfter = (asked != null) ? (asked.toMillis() + 999) / 1000 : null;
		UpstreamFailureEvent event = this.events.publish(exchange, null, status, Outcome.MASKED, null);
		LaterAnswer.put(exchange,
				(answered) -> this.writer.writeMasked(answered, policy, known, retryAfter, event.traceId()));
		return true;
	}

}
