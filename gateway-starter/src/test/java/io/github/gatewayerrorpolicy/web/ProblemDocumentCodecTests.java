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

package io.github.gatewayerrorpolicy.web;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import io.github.gatewayerrorpolicy.test.GatewayClient;
import io.github.gatewayerrorpolicy.test.TestGateway;
import io.github.gatewayerrorpolicy.upstreams.ReservedPort;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.http.codec.CodecCustomizer;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.codec.json.JacksonJsonEncoder;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.util.MimeType;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The problem document follows the application's JSON codec: Spring Boot's
 * {@code spring.jackson.*} settings reach it, the mapper the encoder registers for the
 * media type writes it, and an encoder of the application's own, here one that indents
 * what it writes, writes it.
 */
class ProblemDocumentCodecTests {

	static final ReservedPort REFUSED = ReservedPort.reserve();

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		TestGateway.route(registry, 0, "refused", REFUSED.url(), Map.of());
	}

	static void assertProblem(int port, String accept, boolean indented) throws Exception {
		HttpResponse<String> response = new GatewayClient(port).get("/refused/a", accept);
		assertThat(response.statusCode()).isEqualTo(502);
		assertThat(response.headers().firstValue("Content-Type")).hasValue(accept);
		assertThat(response.headers().firstValueAsLong("Content-Length"))
			.hasValue(response.body().getBytes(StandardCharsets.UTF_8).length);
		assertThat(response.body().contains("\n  \"status\"")).as("indented").isEqualTo(indented);
		JsonNode document = GatewayClient.json(response);
		assertThat(document.get("status").asInt()).isEqualTo(502);
		assertThat(document.get("error").asString()).isEqualTo("connection_refused");
	}

	@Nested
	@SpringBootTest(classes = TestGateway.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = "spring.jackson.serialization.indent-output=true")
	class ApplicationSettings {

		@Test
		void reachTheProblemDocument(@LocalServerPort int port) throws Exception {
			assertProblem(port, "application/problem+json", true);
			assertProblem(port, "application/json", true);
		}

	}

	@Nested
	@SpringBootTest(classes = { TestGateway.class, Indenting.class }, webEnvironment = WebEnvironment.RANDOM_PORT)
	class ApplicationEncoder {

		@Test
		void writesTheProblemDocument(@LocalServerPort int port) throws Exception {
			assertProblem(port, "application/problem+json", true);
			assertProblem(port, "application/json", true);
		}

	}

	@Nested
	@SpringBootTest(classes = { TestGateway.class, MapperPerMediaType.class },
			webEnvironment = WebEnvironment.RANDOM_PORT)
	class ApplicationMappers {

		@Test
		void writeTheProblemDocumentOfTheirMediaType(@LocalServerPort int port) throws Exception {
			assertProblem(port, "application/problem+json", true);
			assertProblem(port, "application/json", false);
		}

	}

	/**
	 * The encoder's mapper for problem documents chosen by media type, as
	 * {@link JacksonJsonEncoder#registerMappersForType} sets it: indenting for
	 * {@code application/problem+json} only.
	 */
	@TestConfiguration(proxyBeanMethods = false)
	static class MapperPerMediaType {

		@Bean
		@Order(1)
		CodecCustomizer mapperPerMediaType(JsonMapper mapper) {
			JacksonJsonEncoder encoder = new JacksonJsonEncoder(mapper);
			encoder.registerMappersForType(ProblemDetail.class, (mappers) -> {
				mappers.put(MediaType.APPLICATION_PROBLEM_JSON,
						mapper.rebuild().enable(SerializationFeature.INDENT_OUTPUT).build());
				mappers.put(MediaType.APPLICATION_JSON, mapper);
			});
			return (configurer) -> configurer.defaultCodecs().jacksonJsonEncoder(encoder);
		}

	}

	@TestConfiguration(proxyBeanMethods = false)
	static class Indenting {

		@Bean
		@Order(1)
		CodecCustomizer indentingEncoder(JsonMapper mapper) {
			JacksonJsonEncoder encoder = new JacksonJsonEncoder(mapper) {

				@Override
				protected ObjectWriter customizeWriter(ObjectWriter writer, MimeType mimeType,
						ResolvableType elementType, Map<String, Object> hints) {
					return writer.with(SerializationFeature.INDENT_OUTPUT);
				}

			};
			return (configurer) -> configurer.defaultCodecs().jacksonJsonEncoder(encoder);
		}

	}

}
