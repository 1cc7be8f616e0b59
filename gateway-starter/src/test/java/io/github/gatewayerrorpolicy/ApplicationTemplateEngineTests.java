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

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.gatewayerrorpolicy.test.GatewayClient;
import io.github.gatewayerrorpolicy.test.TestGateway;
import io.github.gatewayerrorpolicy.upstreams.ReservedPort;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.thymeleaf.context.IExpressionContext;
import org.thymeleaf.dialect.AbstractDialect;
import org.thymeleaf.dialect.IExpressionObjectDialect;
import org.thymeleaf.expression.IExpressionObjectFactory;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Application templates are rendered as the application's own Thymeleaf engine would
 * render them, with the dialects the application registered and Spring Boot's
 * {@code spring.thymeleaf.*} settings, and the starter's texts still reachable through
 * {@code #{...}}; looking templates up and reading them never happens on an event loop
 * when templates are not cached.
 * <p>
 * Retries are off: each request makes one attempt, so that the counts here are those of
 * requests ({@code RetryTests} covers retries).
 */
class ApplicationTemplateEngineTests {

	static final ReservedPort REFUSED = ReservedPort.reserve();

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		TestGateway.route(registry, 0, "dialect", REFUSED.url(), Map.of("error-policy.page.template", "dialect/page"));
		TestGateway.route(registry, 1, "builtin", REFUSED.url(), Map.of());
		TestGateway.route(registry, 2, "broken", REFUSED.url(), Map.of("error-policy.page.template", "broken/page"));
	}

	/**
	 * Render the application template twice and the starter's page once.
	 * @return the threads the application template was rendered on
	 */
	static List<String> renderTwice(int port) throws Exception {
		GatewayClient gateway = new GatewayClient(port);
		List<String> threads = new ArrayList<>();
		for (int i = 0; i < 2; i++) {
			HttpResponse<String> page = gateway.get("/dialect/a", "text/html");
			assertThat(page.statusCode()).isEqualTo(502);
			assertThat(page.body()).contains("<p id=\"shout\">CONNECTION REFUSED!</p>")
				.contains("<p id=\"message\">Reload the page</p>");
			Matcher thread = Pattern.compile("<p id=\"thread\">([^<]+)</p>").matcher(page.body());
			assertThat(thread.find()).isTrue();
			threads.add(thread.group(1));
		}
		HttpResponse<String> builtin = gateway.get("/builtin/a", "text/html");
		assertThat(builtin.statusCode()).isEqualTo(502);
		assertThat(builtin.body()).contains("Connection refused").contains("Reload the page");
		return threads;
	}

	@Nested
	@SpringBootTest(classes = { TestGateway.class, ShoutDialect.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { "spring.thymeleaf.prefix=classpath:/test-templates/",
					"gateway.error-policy.retry.enabled=false" })
	@ExtendWith(OutputCaptureExtension.class)
	class Cached {

		@Test
		void templateIsReadOnAWorkerOnceThenRenderedInPlace(@LocalServerPort int port) throws Exception {
			List<String> threads = renderTwice(port);
			assertThat(threads.get(0)).startsWith("boundedElastic-");
			assertThat(threads.get(1)).as("cached: no blocking work left").startsWith("reactor-http-");
		}

		@Test
		void templateThatFailsIsReportedOnceAndReplacedByTheGatewaysPage(@LocalServerPort int port,
				CapturedOutput output) throws Exception {
			GatewayClient gateway = new GatewayClient(port);
			for (int i = 0; i < 2; i++) {
				HttpResponse<String> page = gateway.get("/broken/a", "text/html");
				assertThat(page.statusCode()).isEqualTo(502);
				assertThat(page.body()).contains("refused the gateway").contains("Reload the page");
			}
			assertThat(output.getAll().split("Template 'broken/page' failed", -1)).hasSize(2);
		}

	}

	@Nested
	@SpringBootTest(classes = { TestGateway.class, ShoutDialect.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { "spring.thymeleaf.prefix=classpath:/test-templates/", "spring.thymeleaf.cache=false",
					"gateway.error-policy.retry.enabled=false" })
	class NotCached {

		@Test
		void templateIsReadOnAWorkerEveryTime(@LocalServerPort int port) throws Exception {
			assertThat(renderTwice(port)).allSatisfy((thread) -> assertThat(thread).startsWith("boundedElastic-"));
		}

	}

	/**
	 * A dialect of the application's: {@code #shout.loud(text)}, and
	 * {@code #shout.thread()}, the thread the template is rendered on.
	 */
	@TestConfiguration(proxyBeanMethods = false)
	static class ShoutDialect {

		@Bean
		AbstractDialect shoutDialect() {
			return new Shout();
		}

	}

	static final class Shout extends AbstractDialect implements IExpressionObjectDialect {

		Shout() {
			super("shout");
		}

		@Override
		public IExpressionObjectFactory getExpressionObjectFactory() {
			return new IExpressionObjectFactory() {

				@Override
				public Set<String> getAllExpressionObjectNames() {
					return Set.of("shout");
				}

				@Override
				public Object buildObject(IExpressionContext context, String expressionObjectName) {
					return new Shouter();
				}

				@Override
				public boolean isCacheable(String expressionObjectName) {
					return false;
				}

			};
		}

	}

	public static final class Shouter {

		public String loud(String text) {
			return text.toUpperCase(Locale.ROOT) + "!";
		}

		public String thread() {
			return Thread.currentThread().getName();
		}

	}

}
