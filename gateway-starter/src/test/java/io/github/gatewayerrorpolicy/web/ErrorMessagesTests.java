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

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Properties;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.core.io.ClassPathResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the bundles behind {@link ErrorMessages}.
 */
class ErrorMessagesTests {

	private final ErrorMessages messages = new ErrorMessages();

	@ParameterizedTest
	@ValueSource(strings = { "zh_TW", "zh_CN", "es", "de", "fr", "ja" })
	void everyLanguageHasEveryText(String language) throws IOException {
		Properties english = load("");
		Properties translated = load("_" + language);
		assertThat(translated.stringPropertyNames()).containsExactlyInAnyOrderElementsOf(english.stringPropertyNames());
		assertThat(translated.values()).allSatisfy((text) -> assertThat(text.toString()).isNotBlank());
		Locale locale = org.springframework.util.StringUtils.parseLocale(language);
		assertThat(this.messages.getLanguages()).contains(locale);
		assertThat(this.messages.text("page.retry-after", locale, 30)).contains("30").doesNotContain("{0}");
		assertThat(this.messages.text("upstream-status.detail", locale, 503)).contains("503").doesNotContain("{0}");
		assertThat(this.messages.text("page.reload", locale))
			.isEqualTo(translated.getProperty("gateway.error.page.reload"));
	}

	private static Properties load(String suffix) throws IOException {
		Properties properties = new Properties();
		try (Reader reader = new InputStreamReader(
				new ClassPathResource(ErrorMessages.BASENAME + suffix + ".properties").getInputStream(),
				StandardCharsets.UTF_8)) {
			properties.load(reader);
		}
		return properties;
	}

}
