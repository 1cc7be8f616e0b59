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

import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;

import org.thymeleaf.ITemplateEngine;
import org.thymeleaf.context.Context;
import org.thymeleaf.spring6.SpringTemplateEngine;
import org.thymeleaf.templatemode.TemplateMode;
import org.thymeleaf.templateresolver.ClassLoaderTemplateResolver;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.MediaType;
import org.springframework.web.server.ServerWebExchange;

/**
 * Renders an {@link UpstreamError} as a self-contained HTML page from a Thymeleaf
 * template: inline styles only, no scripts, fonts or images, since whatever would serve
 * them may be what is down. The page is sent with a {@code Content-Security-Policy} that
 * allows nothing but its inline styles.
 * <p>
 * Template variables: {@code status}, {@code reason}, {@code title}, {@code detail},
 * {@code errorType}, {@code requestId}, {@code path} and {@code timestamp}; texts come
 * from {@link ErrorMessages} through {@code #{...}}.
 */
public class HtmlErrorRenderer implements UpstreamErrorRenderer, Ordered {

	/**
	 * The page shipped with the starter.
	 */
	public static final String DEFAULT_TEMPLATE = "META-INF/gateway-error-policy/templates/error.html";

	/**
	 * The policy sent with every page: its own inline styles and nothing else.
	 */
	public static final String CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; "
			+ "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

	private static final MediaType TEXT_HTML_UTF8 = new MediaType(MediaType.TEXT_HTML, StandardCharsets.UTF_8);

	private static final List<MediaType> MEDIA_TYPES = List.of(MediaType.TEXT_HTML);

	private final ITemplateEngine templateEngine;

	private final String template;

	public HtmlErrorRenderer(ErrorMessages messages) {
		this(defaultTemplateEngine(messages), DEFAULT_TEMPLATE);
	}

	/**
	 * Create a renderer for the given template.
	 * @param templateEngine the engine to process the template with
	 * @param template the name of the template
	 */
	public HtmlErrorRenderer(ITemplateEngine templateEngine, String template) {
		this.templateEngine = templateEngine;
		this.template = template;
	}

	private static ITemplateEngine defaultTemplateEngine(ErrorMessages messages) {
		ClassLoaderTemplateResolver resolver = new ClassLoaderTemplateResolver(
				HtmlErrorRenderer.class.getClassLoader());
		resolver.setTemplateMode(TemplateMode.HTML);
		resolver.setCharacterEncoding(StandardCharsets.UTF_8.name());
		resolver.setCacheable(true);
		SpringTemplateEngine engine = new SpringTemplateEngine();
		engine.setTemplateResolver(resolver);
		engine.setTemplateEngineMessageSource(messages.getMessageSource());
		return engine;
	}

	@Override
	public List<MediaType> getMediaTypes() {
		return MEDIA_TYPES;
	}

	@Override
	public Mono<Void> render(UpstreamError error, MediaType mediaType, ServerWebExchange exchange) {
		Context context = new Context(error.locale());
		context.setVariable("status", error.status().value());
		context.setVariable("reason", error.status().getReasonPhrase());
		context.setVariable("title", error.title());
		context.setVariable("detail", error.detail());
		context.setVariable("errorType", error.type().token());
		context.setVariable("requestId", error.requestId());
		context.setVariable("path", error.path());
		context.setVariable("timestamp",
				DateTimeFormatter.ISO_INSTANT.format(error.timestamp().truncatedTo(ChronoUnit.SECONDS)));
		String html = this.templateEngine.process(this.template, context);
		exchange.getResponse().getHeaders().set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
		return TextBodies.write(exchange.getResponse(), TEXT_HTML_UTF8, html);
	}

	@Override
	public int getOrder() {
		return 100;
	}

}
