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

import io.github.gatewayerrorpolicy.policy.ErrorPolicy;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;
import org.springframework.web.server.ServerWebExchange;

/**
 * The gateway's own answer, decided when an upstream error response that the route masks
 * arrived, and written once the route's filters have done with the response, so that the
 * headers they add (such as {@code AddResponseHeader}'s) are part of it.
 *
 * @param policy the route's policy
 * @param status the upstream's status
 * @param retryAfter the upstream's {@code Retry-After} in seconds, if it sent a valid one
 * @param traceId the id of the current trace, if any
 */
public record MaskedAnswer(ErrorPolicy policy, HttpStatus status, @Nullable Long retryAfter, @Nullable String traceId) {

	private static final String ATTRIBUTE = MaskedAnswer.class.getName();

	/**
	 * Decide that the gateway answers in place of the upstream's error response; the
	 * answer is written once the route's filters are done.
	 * @param exchange the current exchange
	 * @param policy the route's policy
	 * @param status the upstream's status
	 * @param retryAfter the upstream's {@code Retry-After} in seconds, if it sent a valid
	 * one
	 * @param traceId the id of the current trace, if any
	 */
	public static void put(ServerWebExchange exchange, ErrorPolicy policy, HttpStatus status, @Nullable Long retryAfter,
			@Nullable String traceId) {
		exchange.getAttributes().put(ATTRIBUTE, new MaskedAnswer(policy, status, retryAfter, traceId));
	}

	static @Nullable MaskedAnswer of(ServerWebExchange exchange) {
		return exchange.getAttribute(ATTRIBUTE);
	}

	static void remove(ServerWebExchange exchange) {
		exchange.getAttributes().remove(ATTRIBUTE);
	}

}
