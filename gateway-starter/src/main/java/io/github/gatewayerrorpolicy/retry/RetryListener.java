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

import org.jspecify.annotations.Nullable;

/**
 * Learns what became of each retry the gateway wanted to make, for example to count them.
 */
@FunctionalInterface
public interface RetryListener {

	/**
	 * A retry was made and ended, or was wanted and not made.
	 * @param routeId the id of the route
	 * @param cause what the attempt before it failed with: an RFC 9209 error type, or
	 * {@code status_} and the upstream status
	 * @param result what became of it
	 */
	void onRetry(@Nullable String routeId, String cause, Result result);

	/**
	 * What became of a retry.
	 */
	enum Result {

		/**
		 * The retry was made and the upstream answered it.
		 */
		SUCCEEDED("succeeded"),

		/**
		 * The retry was made and failed too.
		 */
		FAILED("failed"),

		/**
		 * The retry was not made: the route's retry budget was used up.
		 */
		BUDGET_EXHAUSTED("budget-exhausted"),

		/**
		 * The retry was not made: the request could not safely be sent again (a request
		 * that may have reached the upstream and is not idempotent, a body that was not
		 * kept, an upstream taken out of service, no time left).
		 */
		NOT_RETRYABLE("not-retryable");

		private final String tag;

		Result(String tag) {
			this.tag = tag;
		}

		/**
		 * Return the value of the {@code result} tag.
		 * @return the tag value
		 */
		public String tag() {
			return this.tag;
		}

	}

}
