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

package io.github.gatewayerrorpolicy.test;

import java.net.http.HttpResponse;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Assertions that an answer of the gateway gives nothing of its internals away.
 */
public final class ErrorPathAssertions {

	/**
	 * What must never appear in an answer: upstream addresses, exception classes and
	 * messages of Netty, Reactor and the JDK, the internals of the configured limits.
	 */
	public static final Pattern LEAKS = Pattern.compile("127\\.0\\.0\\.1|localhost|\\.invalid|[Ee]xception|netty|"
			+ "reactor|java\\.|\\tat |finishConnect|prematurely|PT0|GARBAGE|\\b2000\\b|\\b8192\\b|SSL/TLS|"
			+ "Content-Length are|took longer|[Pp]ool|[Pp]ending");

	private ErrorPathAssertions() {
	}

	/**
	 * Assert that neither the body nor any header of a response contains an exception, an
	 * upstream address or one of the given upstream ports.
	 * @param response the response
	 * @param upstreamPorts the ports of the upstreams of the test
	 */
	public static void assertNothingLeaks(HttpResponse<String> response, int... upstreamPorts) {
		assertThat(response.body()).doesNotContainPattern(LEAKS);
		response.headers()
			.map()
			.forEach((name, values) -> assertThat(values).noneMatch((value) -> LEAKS.matcher(value).find()));
		for (int port : upstreamPorts) {
			Pattern portPattern = Pattern.compile("\\b" + port + "\\b");
			assertThat(response.body()).doesNotContainPattern(portPattern);
			response.headers()
				.map()
				.values()
				.forEach((values) -> assertThat(values).noneMatch((value) -> portPattern.matcher(value).find()));
		}
	}

}
