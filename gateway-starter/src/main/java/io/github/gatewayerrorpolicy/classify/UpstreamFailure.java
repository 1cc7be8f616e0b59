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
package io.github.gatewayerrorpolicy.classify;

import org.jspecify.annotations.Nullable;

import org.springframework.web.server.ServerWebExchange;

/**
 * An error that was raised by a call to an upstream, with the phase it was raised in.
 * <p>
 * The gateway's filters record the failure on the exchange as it passes them; the error
 * handler later answers an error only when it is the recorded one (or caused by it), so
 * errors raised anywhere else are left to Spring Boot's own handling.
 *
 * @param error the error as the HTTP client or the gateway raised it
 * @param phase where in the upstream exchange it was raised
 */
public record UpstreamFailure(Throwable error, UpstreamPhase phase) {

	/**
	 * Name of the exchange attribute that holds the most recent upstream failure.
	 */
	public static final String ATTRIBUTE = UpstreamFailure.class.getName();

	private static final int MAX_DEPTH = 8;

	/**
	 * Record an error raised by the upstream call on the exchange, replacing any earlier
	 * one (for example from an attempt that a retry filter then repeated).
	 * @param exchange the current exchange
	 * @param error the error
	 * @param phase where it was raised
	 */
	public static void record(ServerWebExchange exchange, Throwable error, UpstreamPhase phase) {
		exchange.getAttributes().put(ATTRIBUTE, new UpstreamFailure(error, phase));
	}

	/**
	 * Return the recorded upstream failure if the given error is that failure or was
	 * caused by it.
	 * @param exchange the current exchange
	 * @param error the error being handled
	 * @return the recorded failure, or {@code null} if the error did not come from the
	 * upstream call
	 */
	public static @Nullable UpstreamFailure of(ServerWebExchange exchange, Throwable error) {
		UpstreamFailure recorded = exchange.getAttribute(ATTRIBUTE);
		if (recorded == null) {
			return null;
		}
		@Nullable Throwable candidate = error;
		for (int depth = 0; candidate != null && depth < MAX_DEPTH; depth++) {
			if (candidate == recorded.error()) {
				return recorded;
			}
			candidate = candidate.getCause();
		}
		return null;
	}

}
