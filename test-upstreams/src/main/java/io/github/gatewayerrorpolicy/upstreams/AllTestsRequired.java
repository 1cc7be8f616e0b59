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

package io.github.gatewayerrorpolicy.upstreams;

/**
 * Whether every test must run, here: in CI, and wherever {@value #VARIABLE} is set to
 * anything. Tests that need a tool or a setting the machine lacks then fail instead of
 * skipping.
 */
public final class AllTestsRequired {

	/**
	 * The environment variable that asks for every test.
	 */
	public static final String VARIABLE = "REQUIRE_ALL_TESTS";

	private AllTestsRequired() {
	}

	/**
	 * Return whether every test must run.
	 * @return whether {@value #VARIABLE} or {@code CI} is set to anything
	 */
	public static boolean here() {
		return hasText(System.getenv(VARIABLE)) || hasText(System.getenv("CI"));
	}

	private static boolean hasText(String value) {
		return value != null && !value.isBlank();
	}

}
