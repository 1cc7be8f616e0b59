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

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;

import io.github.gatewayerrorpolicy.classify.ErrorType;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.io.ClassPathResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The configuration metadata that IDEs read: generated from
 * {@link GatewayErrorPolicyProperties} and completed with hints.
 */
class ConfigurationMetadataTests {

	private final JsonNode metadata = read();

	@Test
	void everyPropertyIsDescribed() {
		List<JsonNode> properties = this.metadata.get("properties").valueStream().toList();
		assertThat(properties).extracting((property) -> property.get("name").asString())
			.contains("gateway.error-policy.enabled", "gateway.error-policy.status", "gateway.error-policy.retry-after",
					"gateway.error-policy.expose-details", "gateway.error-policy.mask-upstream-errors",
					"gateway.error-policy.media-types", "gateway.error-policy.proxy-status.enabled",
					"gateway.error-policy.proxy-status.name", "gateway.error-policy.page.site-name",
					"gateway.error-policy.page.support-url", "gateway.error-policy.page.status-page-url",
					"gateway.error-policy.page.template");
		assertThat(properties).allSatisfy(
				(property) -> assertThat(property.path("description").asString()).as(property.get("name").asString())
					.isNotBlank());
	}

	@Test
	void errorTypeKeysAreHinted() {
		List<String> errorTypes = Arrays.stream(ErrorType.values())
			.filter((type) -> type != ErrorType.HTTP_REQUEST_ERROR)
			.map(ErrorPolicyFactory::propertyKey)
			.toList();
		for (String hint : List.of("gateway.error-policy.status.keys", "gateway.error-policy.retry-after.keys")) {
			assertThat(hintValues(hint)).as(hint).containsExactlyInAnyOrderElementsOf(errorTypes);
		}
		assertThat(hintValues("gateway.error-policy.media-types")).containsExactly("application/problem+json",
				"application/json", "text/html", "text/plain");
	}

	private List<String> hintValues(String name) {
		return this.metadata.get("hints")
			.valueStream()
			.filter((hint) -> hint.get("name").asString().equals(name))
			.flatMap((hint) -> hint.get("values").valueStream())
			.map((value) -> value.get("value").asString())
			.toList();
	}

	private static JsonNode read() {
		try (InputStream in = new ClassPathResource("META-INF/spring-configuration-metadata.json").getInputStream()) {
			return JsonMapper.builder().build().readTree(in);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
