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

package io.github.gatewayerrorpolicy.filter;

import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link RequestValidationFilter}.
 */
class RequestValidationFilterTests {

	@ParameterizedTest
	@ValueSource(strings = { "example.com", "example.com:8080", "127.0.0.1", "127.0.0.1:80", "[::1]", "[::1]:8443",
			"[2001:db8::1]", "xn--bcher-kva.example", "a", "host:", "under_score.local", "%41" })
	void validHosts(String host) {
		assertThat(RequestValidationFilter.isValidHost(host)).isTrue();
	}

	@ParameterizedTest
	@ValueSource(strings = { "HTTP/1.0", "HTTP/1.1", "HTTP/2.0", "HTTP/3.0" })
	void versionsTheGatewaySpeaks(String version) {
		assertThat(RequestValidationFilter.isSupported(HttpVersion.valueOf(version))).isTrue();
	}

	@ParameterizedTest
	@ValueSource(strings = { "HTTP/0.9", "HTTP/7.1" })
	void versionsItDoesNot(String version) {
		assertThat(RequestValidationFilter.isSupported(HttpVersion.valueOf(version))).isFalse();
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "a b", "a,b", "a/b", "[::1", "[]", "[::1]x", "host:123456", "host:8o", ":80",
			"ex\u00e4mple.com", "a\u0000b", "[g::1]" })
	void invalidHosts(String host) {
		assertThat(RequestValidationFilter.isValidHost(host)).isFalse();
	}

}
