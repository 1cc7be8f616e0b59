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

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample's upstream health as a client sees it: five refused connections answered
 * 502, then the upstream ejected and answered 503 without being called.
 */
final class Ejection {

	private Ejection() {
	}

	/**
	 * Send requests to a refusing upstream until it is ejected, checking every answer.
	 * The gateway retries a refused request once, so the five refused attempts that eject
	 * the upstream take three requests; the third is not retried, since its first attempt
	 * ejected the upstream.
	 * @param gateway how the test sends a request
	 * @param path the path of a route whose upstream refuses connections
	 * @return the {@code Retry-After} of the first 503, in seconds
	 * @throws Exception if a request fails
	 */
	static long afterFiveRefusedAttempts(Gateway gateway, String path) throws Exception {
		for (int i = 0; i < 3; i++) {
			HttpResponse<String> refused = gateway.get(path);
			assertThat(refused.statusCode()).isEqualTo(502);
			assertThat(refused.headers().allValues("Proxy-Status"))
				.containsExactly("sample-gateway; error=connection_refused");
		}
		HttpResponse<String> ejected = gateway.get(path);
		assertThat(ejected.statusCode()).isEqualTo(503);
		assertThat(ejected.headers().allValues("Proxy-Status"))
			.containsExactly("sample-gateway; error=destination_unavailable");
		return retryAfter(ejected);
	}

	/**
	 * Return the {@code Retry-After} of an answer, which must have one, in seconds.
	 * @param response the answer
	 * @return its {@code Retry-After}
	 */
	static long retryAfter(HttpResponse<String> response) {
		return Long.parseLong(response.headers().firstValue("Retry-After").orElseThrow());
	}

	/**
	 * How a test sends a request to the sample gateway.
	 */
	@FunctionalInterface
	interface Gateway {

		HttpResponse<String> get(String path) throws Exception;

	}

}
