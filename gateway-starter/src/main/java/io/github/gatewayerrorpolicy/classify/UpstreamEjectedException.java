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

/**
 * A request was not sent because its upstream is ejected after repeated failures:
 * {@code destination_unavailable}. It travels back through the route's filters as a
 * failed upstream call does, so that a {@code CircuitBreaker} filter's fallback, or an
 * application's own error handling, can answer it; otherwise the gateway answers 503 with
 * the seconds left as {@code Retry-After}. It carries no stack trace: it is raised for
 * every request while the upstream is out, and where it was raised says nothing.
 */
public class UpstreamEjectedException extends RuntimeException {

	private final long retryAfterSeconds;

	/**
	 * Create the exception.
	 * @param retryAfterSeconds the seconds left until the upstream is tried again
	 */
	public UpstreamEjectedException(long retryAfterSeconds) {
		super("Upstream temporarily taken out of service after repeated failures", null, false, false);
		this.retryAfterSeconds = retryAfterSeconds;
	}

	/**
	 * Return the seconds left until the upstream is tried again, at least 1.
	 * @return the seconds left
	 */
	public long getRetryAfterSeconds() {
		return this.retryAfterSeconds;
	}

}
