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

package io.github.gatewayerrorpolicy.autoconfigure;

import org.jspecify.annotations.Nullable;

/**
 * A setting of the gateway error policy, global or on a route, has a value that is not
 * allowed. {@link ErrorPolicyFailureAnalyzer} reports it at start-up.
 */
public class InvalidErrorPolicyException extends IllegalStateException {

	private final String property;

	private final @Nullable Object value;

	private final String expected;

	/**
	 * Create an exception.
	 * @param property the full name of the setting
	 * @param value the value it has
	 * @param expected what it may have instead, e.g. {@code a 5xx status}
	 */
	public InvalidErrorPolicyException(String property, @Nullable Object value, String expected) {
		super("Invalid value '" + value + "' for '" + property + "': expected " + expected);
		this.property = property;
		this.value = value;
		this.expected = expected;
	}

	public String getProperty() {
		return this.property;
	}

	public @Nullable Object getValue() {
		return this.value;
	}

	public String getExpected() {
		return this.expected;
	}

}
