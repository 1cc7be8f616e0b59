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

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Set;

import io.github.gatewayerrorpolicy.classify.ErrorType;
import io.github.gatewayerrorpolicy.policy.ErrorPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.thymeleaf.context.ITemplateContext;
import org.thymeleaf.dialect.AbstractProcessorDialect;
import org.thymeleaf.engine.AttributeName;
import org.thymeleaf.model.IProcessableElementTag;
import org.thymeleaf.processor.IProcessor;
import org.thymeleaf.processor.element.AbstractAttributeTagProcessor;
import org.thymeleaf.processor.element.IElementTagStructureHandler;
import org.thymeleaf.spring6.SpringTemplateEngine;
import org.thymeleaf.standard.expression.StandardExpressions;
import org.thymeleaf.templatemode.TemplateMode;
import org.thymeleaf.templateresolver.ClassLoaderTemplateResolver;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link HtmlErrorRenderer}.
 */
class HtmlErrorRendererTests {

	@Test
	void rendersTheGatewaysPageWithoutAnApplicationEngine() {
		HtmlErrorRenderer renderer = new HtmlErrorRenderer(new ErrorMessages(), null);
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/orders/42"));
		renderer.render(error("orders/own"), MediaType.TEXT_HTML, exchange).block(Duration.ofSeconds(10));
		assertThat(exchange.getResponse().getHeaders().getContentType()).hasToString("text/html;charset=UTF-8");
		assertThat(exchange.getResponse().getHeaders().getFirst("Content-Security-Policy"))
			.isEqualTo(HtmlErrorRenderer.CONTENT_SECURITY_POLICY);
		assertThat(exchange.getResponse().getBodyAsString().block(Duration.ofSeconds(10)))
			.contains("<title>502 Bad Gateway</title>")
			.contains("The service refused the connection.")
			.contains("req-1");
	}

	@Test
	void rendersApplicationTemplatesAsTheApplicationsEngineWould() {
		SpringTemplateEngine application = new SpringTemplateEngine();
		ClassLoaderTemplateResolver resolver = new ClassLoaderTemplateResolver();
		resolver.setPrefix("test-templates/");
		resolver.setSuffix(".html");
		resolver.setTemplateMode(TemplateMode.HTML);
		resolver.setCheckExistence(true);
		application.setTemplateResolver(resolver);
		application.addDialect("app", new UpperCaseDialect());
		HtmlErrorRenderer renderer = new HtmlErrorRenderer(new ErrorMessages(), application);
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/orders/42"));
		renderer.render(error("prefixed/page"), MediaType.TEXT_HTML, exchange).block(Duration.ofSeconds(10));
		assertThat(exchange.getResponse().getBodyAsString().block(Duration.ofSeconds(10)))
			.contains("<p id=\"upper\">CONNECTION REFUSED</p>")
			.contains("<a id=\"status\" href=\"/status\">");
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', textBlock = """
			/orders/42                     | /orders/42
			/caf%C3%A9/%E4%B8%AD           | /café/中
			/a%20b/%3Cscript%3E            | /a b/<script>
			/a%0d%0aX-Injected:%20yes      | /a%0D%0AX-Injected: yes
			/nul%00/tab%09/del%7F          | /nul%00/tab%09/del%7F
			/line%E2%80%A8separator        | /line%E2%80%A8separator
			/bad%zzescape                  | /bad%zzescape
			""")
	void pathIsDecodedForReadingButKeepsControlCharactersEncoded(String path, String readable) {
		assertThat(HtmlErrorRenderer.readablePath(path)).isEqualTo(readable);
	}

	private static UpstreamError error(String template) {
		return new UpstreamError(HttpStatus.BAD_GATEWAY, ErrorType.CONNECTION_REFUSED, null, "Connection refused",
				"The service refused the connection.", null, "/orders/42", "req-1", null, "orders", Instant.EPOCH, null,
				Locale.ENGLISH, new ErrorPolicy.Page(null, null, null, template));
	}

	/**
	 * A dialect whose {@code upper} attribute writes an expression's value in upper case;
	 * its default prefix is {@code upper}, and the test registers it under another.
	 */
	static final class UpperCaseDialect extends AbstractProcessorDialect {

		UpperCaseDialect() {
			super("Upper case", "upper", 1000);
		}

		@Override
		public Set<IProcessor> getProcessors(String dialectPrefix) {
			return Set.of(new AbstractAttributeTagProcessor(TemplateMode.HTML, dialectPrefix, null, false, "upper",
					true, 1000, true) {

				@Override
				protected void doProcess(ITemplateContext context, IProcessableElementTag tag,
						AttributeName attributeName, String attributeValue, IElementTagStructureHandler handler) {
					Object value = StandardExpressions.getExpressionParser(context.getConfiguration())
						.parseExpression(context, attributeValue)
						.execute(context);
					handler.setBody(String.valueOf(value).toUpperCase(Locale.ROOT), false);
				}

			});
		}

	}

}
