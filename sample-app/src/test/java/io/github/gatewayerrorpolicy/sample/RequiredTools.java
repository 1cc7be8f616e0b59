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

package io.github.gatewayerrorpolicy.sample;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import io.github.gatewayerrorpolicy.upstreams.AllTestsRequired;
import org.junit.jupiter.api.Assumptions;

import static org.assertj.core.api.Assertions.fail;

/**
 * Programs some tests need, such as Chromium or Prometheus. Where one is missing, those
 * tests are skipped, unless the environment variable {@value #REQUIRE} or {@code CI} has
 * any value, as CI sets them: then they fail.
 */
final class RequiredTools {

	/**
	 * The environment variable that makes a missing program a failure instead of a skip.
	 */
	static final String REQUIRE = AllTestsRequired.VARIABLE;

	private RequiredTools() {
	}

	/**
	 * Return the path of a program: the environment variable's value, if set, else the
	 * default.
	 * @param variable the environment variable
	 * @param defaultPath where Debian installs it
	 * @return the path
	 */
	static Path path(String variable, String defaultPath) {
		return Path.of(System.getenv().getOrDefault(variable, defaultPath));
	}

	/**
	 * Skip the current test, or fail it in CI, unless every program is installed.
	 * @param packages the Debian packages that provide them, for the message
	 * @param programs the programs
	 */
	static void require(String packages, Path... programs) {
		List<Path> missing = Arrays.stream(programs).filter((program) -> !Files.isExecutable(program)).toList();
		require(missing.isEmpty(), "Needs Debian's " + packages + "; missing: " + missing);
	}

	/**
	 * Whether missing programs are failures: wherever {@value #REQUIRE} or {@code CI} is
	 * set to anything.
	 * @return whether every test must run
	 */
	static boolean required() {
		return AllTestsRequired.here();
	}

	/**
	 * Skip the current test, or fail it in CI, unless a condition holds.
	 * @param available whether what the test needs is there
	 * @param message what is missing
	 */
	static void require(boolean available, String message) {
		if (available) {
			return;
		}
		if (required()) {
			fail(message);
		}
		Assumptions.abort(message);
	}

}
