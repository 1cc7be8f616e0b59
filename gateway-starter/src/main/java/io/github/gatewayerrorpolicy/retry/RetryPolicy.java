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

package io.github.gatewayerrorpolicy.retry;

import java.time.Duration;
import java.util.Set;

import io.github.gatewayerrorpolicy.classify.ErrorType;
import org.jspecify.annotations.Nullable;

/**
 * When a route sends a failed request again.
 *
 * @param enabled whether the route's requests are retried at all
 * @param maxAttempts the most attempts in all, the first included
 * @param types the error types that are retried
 * @param statuses the upstream statuses that are retried, for idempotent requests only
 * @param maxBodySize the largest request body, in bytes, that is kept so that the request
 * can be sent again after it reached the upstream
 * @param firstBackoff the longest wait before the first retry; each further one doubles
 * it
 * @param maxBackoff the longest wait before any retry
 * @param perTryTimeout how long one attempt may wait for the response head, or
 * {@code null} for as long as the route's response timeout leaves
 * @param budgetPercent the retries in flight allowed, in percent of the route's requests
 * in flight
 * @param budgetMinConcurrency the retries in flight always allowed
 */
public record RetryPolicy(boolean enabled, int maxAttempts, Set<ErrorType> types, Set<Integer> statuses,
		long maxBodySize, Duration firstBackoff, Duration maxBackoff, @Nullable Duration perTryTimeout,
		int budgetPercent, int budgetMinConcurrency) {

	/**
	 * The error types retried by default: those of a request that never left the gateway
	 * and of a connection closed before any answer.
	 */
	public static final Set<ErrorType> DEFAULT_TYPES = Set.of(ErrorType.CONNECTION_REFUSED,
			ErrorType.CONNECTION_TIMEOUT, ErrorType.DNS_ERROR, ErrorType.TLS_PROTOCOL_ERROR,
			ErrorType.CONNECTION_TERMINATED);

	/**
	 * The defaults: on, 2 attempts, the default types, no statuses, bodies up to 64 KB,
	 * backoff from 25 ms to 250 ms, a budget of 20 % of requests in flight and at least
	 * 3.
	 */
	public static final RetryPolicy DEFAULT = new RetryPolicy(true, 2, DEFAULT_TYPES, Set.of(), 64 * 1024,
			Duration.ofMillis(25), Duration.ofMillis(250), null, 20, 3);

	public RetryPolicy {
		types = Set.copyOf(types);
		statuses = Set.copyOf(statuses);
	}

	/**
	 * Return whether a request may be sent more than once.
	 * @return whether retries are on and more than one attempt is allowed
	 */
	public boolean retries() {
		return this.enabled && this.maxAttempts > 1;
	}

	/**
	 * The longest wait before a retry: full jitter over an exponential backoff.
	 * @param retry the number of the retry, from 1
	 * @return the upper bound of the wait before it
	 */
	Duration backoffBound(int retry) {
		long first = this.firstBackoff.toNanos();
		long bound = (retry > 30 || first > (Long.MAX_VALUE >> retry)) ? Long.MAX_VALUE : first << (retry - 1);
		return Duration.ofNanos(Math.min(bound, this.maxBackoff.toNanos()));
	}

}
