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

package io.github.gatewayerrorpolicy.policy;

import io.github.gatewayerrorpolicy.classify.ErrorType;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link ProxyStatus}.
 */
class ProxyStatusTests {

	@Test
	void writesATokenNameAsIs() {
		ProxyStatus proxyStatus = new ProxyStatus("edge-1.example/gw");
		assertThat(proxyStatus.error(ErrorType.HTTP_RESPONSE_TIMEOUT))
			.isEqualTo("edge-1.example/gw; error=http_response_timeout");
		assertThat(proxyStatus.receivedStatus(599)).isEqualTo("edge-1.example/gw; received-status=599");
	}

	@Test
	void quotesAndEscapesAnyOtherName() {
		assertThat(new ProxyStatus("my \"edge\" \\ gateway").error(ErrorType.DNS_ERROR))
			.isEqualTo("\"my \\\"edge\\\" \\\\ gateway\"; error=dns_error");
		assertThat(new ProxyStatus("1st").error(ErrorType.DNS_ERROR)).isEqualTo("\"1st\"; error=dns_error");
	}

	@Test
	void neverWritesCharactersAHeaderCannotCarry() {
		assertThat(new ProxyStatus("edge\r\nSet-Cookie: x=1").error(ErrorType.DNS_ERROR))
			.isEqualTo("\"edge??Set-Cookie: x=1\"; error=dns_error");
		assertThat(new ProxyStatus("passerelle-é").error(ErrorType.DNS_ERROR))
			.isEqualTo("\"passerelle-?\"; error=dns_error");
	}

	@Test
	void needsAName() {
		assertThatIllegalArgumentException().isThrownBy(() -> new ProxyStatus(" "));
	}

}
