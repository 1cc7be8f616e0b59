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

/**
 * The request was not sent: its upstream is ejected after repeated failures. It carries
 * the seconds until the upstream will be tried again, never the upstream's address.
 */
public class UpstreamEjectedException extends RuntimeException {

	private final long retryAfterSeconds;

	/**
	 * Create an exception.
	 * @param retryAfterSeconds the seconds until the upstream will be tried again, at
	 * least 1
	 */
	public UpstreamEjectedException(long retryAfterSeconds) {
		super("Upstream taken out of service after repeated failures; tried again in " + retryAfterSeconds + " s", null,
				false, false);
		this.retryAfterSeconds = retryAfterSeconds;
	}

	/**
	 * Return the seconds until the upstream will be tried again.
	 * @return at least 1
	 */
	public long getRetryAfterSeconds() {
		return this.retryAfterSeconds;
	}

}
