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

/**
 * What the gateway did about a failed upstream exchange.
 */
public enum Outcome {

	/** The gateway answered with its own status, page or problem document. */
	RESPONDED("responded"),

	/** The response had begun, so the gateway closed the client connection. */
	ABORTED("aborted"),

	/** The upstream's own 5xx response was passed on, with {@code received-status}. */
	PASSED_THROUGH("passed-through"),

	/** The upstream's own 5xx response was replaced by the gateway's answer. */
	MASKED("masked"),

	/**
	 * The request was not sent: its upstream is ejected after repeated failures, and the
	 * gateway answered at once.
	 */
	EJECTED("ejected"),

	/**
	 * The failure was hidden: the client got the last good response the gateway had kept,
	 * marked stale (RFC 5861 {@code stale-if-error}).
	 */
	SERVED_STALE("served-stale");

	private final String tag;

	Outcome(String tag) {
		this.tag = tag;
	}

	/**
	 * Return the outcome as metrics, logs and the Actuator endpoint show it.
	 * @return for example {@code passed-through}
	 */
	public String tag() {
		return this.tag;
	}

}
