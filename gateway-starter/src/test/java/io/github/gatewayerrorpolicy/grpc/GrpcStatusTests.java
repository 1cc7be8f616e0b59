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

package io.github.gatewayerrorpolicy.grpc;

import io.github.gatewayerrorpolicy.classify.ErrorType;
import org.junit.jupiter.api.Test;

import org.springframework.http.HttpHeaders;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What makes a request a gRPC call, the status a gRPC client gets for each answer, and
 * the encoding of its message.
 */
class GrpcStatusTests {

	@Test
	void aGrpcCallIsKnownByItsContentType() {
		assertThat(GrpcStatus.isGrpc(contentType("application/grpc"))).isTrue();
		assertThat(GrpcStatus.isGrpc(contentType("application/grpc+proto"))).isTrue();
		assertThat(GrpcStatus.isGrpc(contentType("Application/GRPC+json"))).isTrue();
		assertThat(GrpcStatus.isGrpc(contentType("application/grpc-web"))).isFalse();
		assertThat(GrpcStatus.isGrpc(contentType("application/grpc-web+proto"))).isFalse();
		assertThat(GrpcStatus.isGrpc(contentType("application/json"))).isFalse();
		assertThat(GrpcStatus.isGrpc(new HttpHeaders())).isFalse();
	}

	@Test
	void statusesMapAsGrpcClientsExpect() {
		assertThat(GrpcStatus.code(ErrorType.CONNECTION_REFUSED, 502)).isEqualTo(14);
		assertThat(GrpcStatus.code(ErrorType.DESTINATION_UNAVAILABLE, 503)).isEqualTo(14);
		assertThat(GrpcStatus.code(ErrorType.HTTP_RESPONSE_TIMEOUT, 504)).isEqualTo(4);
		assertThat(GrpcStatus.code(ErrorType.CONNECTION_TIMEOUT, 504)).as("never reached the upstream").isEqualTo(14);
		assertThat(GrpcStatus.code(null, 504)).as("a masked upstream 504").isEqualTo(4);
		assertThat(GrpcStatus.code(ErrorType.CONNECTION_LIMIT_REACHED, 503)).isEqualTo(8);
		assertThat(GrpcStatus.code(null, 500)).as("a masked upstream 500").isEqualTo(2);
		assertThat(GrpcStatus.code(ErrorType.HTTP_REQUEST_ERROR, 400)).isEqualTo(13);
	}

	@Test
	void theMessageIsPercentEncodedUtf8() {
		assertThat(GrpcStatus.encodeMessage("Connection refused")).isEqualTo("Connection refused");
		assertThat(GrpcStatus.encodeMessage("Connexion refusée")).isEqualTo("Connexion refus%C3%A9e");
		assertThat(GrpcStatus.encodeMessage("100% down\r\n")).isEqualTo("100%25 down%0D%0A");
	}

	private static HttpHeaders contentType(String value) {
		HttpHeaders headers = new HttpHeaders();
		headers.set(HttpHeaders.CONTENT_TYPE, value);
		return headers;
	}

}
