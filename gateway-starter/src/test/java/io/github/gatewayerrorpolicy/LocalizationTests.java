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

package io.github.gatewayerrorpolicy;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;

import io.github.gatewayerrorpolicy.test.GatewayClient;
import io.github.gatewayerrorpolicy.test.TestGateway;
import io.github.gatewayerrorpolicy.upstreams.ReservedPort;
import io.github.gatewayerrorpolicy.upstreams.ScriptedUpstream;
import io.github.gatewayerrorpolicy.web.ErrorMessages;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.io.ClassPathResource;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.util.HtmlUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pages and problem documents follow {@code Accept-Language}; the application's own
 * messages override any text.
 */
@SpringBootTest(classes = TestGateway.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.messages.basename=test-messages", "gateway.error-policy.page.site-name=Example Shop",
				"gateway.error-policy.page.support-url=https://help.example.com/contact",
				"gateway.error-policy.page.status-page-url=https://status.example.com",
				"gateway.error-policy.retry-after.connection-refused=10s",
				// every request must reach the refusing upstream: no ejection
				"gateway.error-policy.health.enabled=false" })
class LocalizationTests {

	static final ReservedPort REFUSED = ReservedPort.reserve();

	static final ScriptedUpstream CLOSE = ScriptedUpstream.start(ScriptedUpstream.closing());

	GatewayClient gateway;

	@BeforeEach
	void connect(@LocalServerPort int port) {
		this.gateway = new GatewayClient(port);
	}

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		TestGateway.route(registry, 0, "refused", REFUSED.url(), Map.of());
		TestGateway.route(registry, 1, "close", CLOSE.url(), Map.of());
	}

	@ParameterizedTest(name = "{0} -> {1}")
	@CsvSource(delimiter = '|', textBlock = """
			en                    | en    | en
			zh-TW                 | zh-TW | zh_TW
			zh-CN                 | zh-CN | zh_CN
			es                    | es    | es
			de                    | de    | de
			fr                    | fr    | fr
			ja                    | ja    | ja
			zh-Hant               | zh-TW | zh_TW
			zh-HK                 | zh-TW | zh_TW
			zh-Hans-SG            | zh-CN | zh_CN
			zh                    | zh-CN | zh_CN
			de-AT                 | de    | de
			es-419                | es    | es
			'fr;q=0.4, ja;q=0.8'  | ja    | ja
			'sw, de;q=0.5'        | de    | de
			'de;q=0, fr'          | fr    | fr
			sw                    | en    | en
			*                     | en    | en
			'not a language;;;'   | en    | en
			""")
	void answersInTheClientsLanguage(String acceptLanguage, String tag, String bundle) throws Exception {
		Properties texts = texts(bundle);
		HttpResponse<String> problem = this.gateway.send("GET", "/refused/a", "Accept", "application/problem+json",
				"Accept-Language", acceptLanguage);
		assertThat(problem.statusCode()).isEqualTo(502);
		assertThat(problem.headers().firstValue("Content-Language")).hasValue(tag);
		JsonNode document = GatewayClient.json(problem);
		assertThat(document.get("title").asString())
			.isEqualTo(texts.getProperty("gateway.error.connection_refused.title"));
		assertThat(document.get("detail").asString())
			.isEqualTo(texts.getProperty("gateway.error.connection_refused.detail"));

		HttpResponse<String> page = this.gateway.send("GET", "/refused/a", "Accept", "text/html", "Accept-Language",
				acceptLanguage);
		assertThat(page.headers().firstValue("Content-Language")).hasValue(tag);
		String html = HtmlUtils.htmlUnescape(page.body());
		assertThat(html).contains("<html lang=\"" + tag + "\">")
			.contains(texts.getProperty("gateway.error.page.heading.502"))
			.contains(texts.getProperty("gateway.error.connection_refused.detail"))
			.contains(texts.getProperty("gateway.error.page.advice"))
			.contains(texts.getProperty("gateway.error.page.reload"))
			.contains(texts.getProperty("gateway.error.page.support-link"))
			.contains(texts.getProperty("gateway.error.page.label.request-id"));
	}

	@Test
	void translationsSayWhatTheyShould() throws Exception {
		assertThat(title("zh-TW")).isEqualTo("連線遭拒");
		assertThat(title("zh-CN")).isEqualTo("连接被拒绝");
		assertThat(title("ja")).isEqualTo("接続が拒否されました");
		assertThat(title("de")).isEqualTo("Verbindung abgelehnt");
		assertThat(title("fr")).isEqualTo("Connexion refusée");
		assertThat(title("es")).isEqualTo("Conexión rechazada");
	}

	@Test
	void defaultPageShowsSiteLinksRetryHintAndPathInert() throws Exception {
		HttpResponse<String> page = this.gateway.send("GET", "/refused/%3Cscript%3Ealert(1)%3C/script%3E", "Accept",
				"text/html", "Accept-Language", "en");
		String html = page.body();
		assertThat(html).contains("<title>502 Bad Gateway · Example Shop</title>")
			.contains("<p class=\"site\">Example Shop</p>")
			.contains("<a href=\"https://help.example.com/contact\">Contact support</a>")
			.contains("<a href=\"https://status.example.com\">Check the status page</a>")
			.contains("You can try again in 10 seconds.")
			.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
			.doesNotContain("<script");
		assertThat(page.headers().firstValue("Retry-After")).hasValue("10");
	}

	@Test
	void applicationMessagesOverrideAnyText() throws Exception {
		HttpResponse<String> problem = this.gateway.send("GET", "/close/a", "Accept", "application/problem+json",
				"Accept-Language", "en");
		assertThat(GatewayClient.json(problem).get("title").asString()).isEqualTo("Upstream hung up");
	}

	private String title(String language) throws IOException, InterruptedException {
		HttpResponse<String> problem = this.gateway.send("GET", "/refused/a", "Accept", "application/problem+json",
				"Accept-Language", language);
		return GatewayClient.json(problem).get("title").asString();
	}

	private static Properties texts(String bundle) throws IOException {
		Properties texts = new Properties();
		String suffix = "en".equals(bundle) ? "" : "_" + bundle;
		try (Reader reader = new InputStreamReader(
				new ClassPathResource(ErrorMessages.BASENAME + suffix + ".properties").getInputStream(),
				StandardCharsets.UTF_8)) {
			texts.load(reader);
		}
		return texts;
	}

}
