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

package io.github.gatewayerrorpolicy.health;

import java.time.Duration;
import java.util.Set;

import io.github.gatewayerrorpolicy.classify.ErrorType;
import io.github.resilience4j.core.IntervalFunction;

/**
 * How a route tracks the health of its upstreams: which failures count, how many in a row
 * eject an upstream, and for how long.
 *
 * @param enabled whether upstreams of the route are tracked at all
 * @param consecutiveFailures counted failures in a row that eject an upstream
 * @param failureTypes the error types that count as failures
 * @param failureStatuses the upstream statuses that count as failures
 * @param baseEjectionTime how long the first ejection lasts; each further one in a row
 * doubles it
 * @param maxEjectionTime the longest an ejection lasts
 * @param maxEjectedPercent the most of a load-balanced service's instances that are left
 * out of the choice
 */
public record HealthPolicy(boolean enabled, int consecutiveFailures, Set<ErrorType> failureTypes,
		Set<Integer> failureStatuses, Duration baseEjectionTime, Duration maxEjectionTime, int maxEjectedPercent) {

	/**
	 * The failure types counted by default: those that mean nothing useful is listening.
	 */
	public static final Set<ErrorType> DEFAULT_FAILURE_TYPES = Set.of(ErrorType.CONNECTION_REFUSED,
			ErrorType.CONNECTION_TIMEOUT, ErrorType.CONNECTION_TERMINATED, ErrorType.TLS_PROTOCOL_ERROR,
			ErrorType.TLS_CERTIFICATE_ERROR, ErrorType.HTTP_PROTOCOL_ERROR);

	/**
	 * The defaults: on, 5 failures in a row, ejected for 5 s doubling up to 30 s, at most
	 * half of a service's instances left out.
	 */
	public static final HealthPolicy DEFAULT = new HealthPolicy(true, 5, DEFAULT_FAILURE_TYPES, Set.of(),
			Duration.ofSeconds(5), Duration.ofSeconds(30), 50);

	public HealthPolicy {
		failureTypes = Set.copyOf(failureTypes);
		failureStatuses = Set.copyOf(failureStatuses);
	}

	/**
	 * How long each ejection in a row lasts: the base time, doubled for each earlier one,
	 * at most the maximum.
	 * @return the ejection time in milliseconds of the n-th ejection in a row, from 1
	 */
	public IntervalFunction ejectionTimes() {
		return IntervalFunction.ofExponentialBackoff(this.baseEjectionTime, 2, this.maxEjectionTime);
	}

}
