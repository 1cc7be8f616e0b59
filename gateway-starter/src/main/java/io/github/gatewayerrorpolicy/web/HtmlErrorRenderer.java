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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;
import org.thymeleaf.context.Context;
import org.thymeleaf.spring6.SpringTemplateEngine;
import org.thymeleaf.spring6.templateresolver.SpringResourceTemplateResolver;
import org.thymeleaf.templatemode.TemplateMode;
import org.thymeleaf.templateresolver.AbstractConfigurableTemplateResolver;
import org.thymeleaf.templateresolver.ClassLoaderTemplateResolver;
import org.thymeleaf.templateresolver.ITemplateResolver;
import reactor.core.publisher.Mono;

import org.springframework.context.ApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.http.MediaType;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.util.UriUtils;

/**
 * Renders an {@link UpstreamError} as an HTML page from a Thymeleaf template.
 * <p>
 * The template is the first that exists of: the policy's own ({@code page.template}),
 * {@code gateway-errors/<status>}, {@code gateway-errors/5xx}, all looked up where the
 * application keeps its Thymeleaf templates, and finally the page shipped with the
 * starter ({@value #DEFAULT_TEMPLATE}). That page is self-contained: inline styles only,
 * no scripts, fonts or images, since whatever would serve them may be what is down. Pages
 * are sent with a {@code Content-Security-Policy} that allows nothing but inline styles
 * and {@code data:} images.
 * <p>
 * The template model is described in {@code docs/configuration.md}; every value in it is
 * escaped by Thymeleaf where the template uses {@code th:text} or {@code th:attr}.
 */
public class HtmlErrorRenderer implements UpstreamErrorRenderer, Ordered {

	/**
	 * Name of the page shipped with the starter.
	 */
	public static final String DEFAULT_TEMPLATE = "gateway-error-policy/page";

	/**
	 * The policy sent with every page.
	 */
	public static final String CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; "
			+ "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

	private static final MediaType TEXT_HTML_UTF8 = new MediaType(MediaType.TEXT_HTML, StandardCharsets.UTF_8);

	private static final List<MediaType> MEDIA_TYPES = List.of(MediaType.TEXT_HTML);

	private final SpringTemplateEngine templateEngine = new SpringTemplateEngine();

	private final ApplicationTemplates applicationTemplates;

	private final Map<String, String> templatesByKey = new ConcurrentHashMap<>();

	/**
	 * Create a renderer that looks for templates where the application keeps them.
	 * @param messages the texts, also available to templates through {@code #{...}}
	 * @param applicationContext the application, to load its templates from
	 * @param prefix where the application's templates are, as in
	 * {@code spring.thymeleaf.prefix}
	 * @param suffix the suffix of template files, as in {@code spring.thymeleaf.suffix}
	 * @param cache whether to cache templates and their lookup, as in
	 * {@code spring.thymeleaf.cache}
	 */
	public HtmlErrorRenderer(ErrorMessages messages, ApplicationContext applicationContext, String prefix,
			String suffix, boolean cache) {
		this.applicationTemplates = new ApplicationTemplates(applicationContext, prefix, suffix, cache);
		ClassLoaderTemplateResolver starter = new ClassLoaderTemplateResolver(HtmlErrorRenderer.class.getClassLoader());
		starter.setPrefix("META-INF/");
		starter.setSuffix(".html");
		configure(starter, 2, true);
		Set<ITemplateResolver> resolvers = new LinkedHashSet<>();
		resolvers.add(this.applicationTemplates.resolver());
		resolvers.add(starter);
		this.templateEngine.setTemplateResolvers(resolvers);
		this.templateEngine.setTemplateEngineMessageSource(messages.messageSource());
		this.templateEngine.setEnableSpringELCompiler(true);
	}

	private static void configure(AbstractConfigurableTemplateResolver resolver, int order, boolean cache) {
		resolver.setTemplateMode(TemplateMode.HTML);
		resolver.setCharacterEncoding(StandardCharsets.UTF_8.name());
		resolver.setCacheable(cache);
		resolver.setCheckExistence(true);
		resolver.setOrder(order);
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
		context.setVariable("errorType", (error.type() != null) ? error.type().token() : null);
		context.setVariable("receivedStatus", error.receivedStatus());
		context.setVariable("requestId", error.requestId());
		context.setVariable("traceId", error.traceId());
		context.setVariable("path", readablePath(error.path()));
		context.setVariable("timestamp",
				DateTimeFormatter.ISO_INSTANT.format(error.timestamp().truncatedTo(ChronoUnit.SECONDS)));
		context.setVariable("retryAfter", error.retryAfterSeconds());
		context.setVariable("siteName", error.page().siteName());
		context.setVariable("supportUrl", error.page().supportUrl());
		context.setVariable("statusPageUrl", error.page().statusPageUrl());
		context.setVariable("details", error.details());
		context.setVariable("routeId", (error.details() != null) ? error.routeId() : null);
		context.setVariable("lang", error.locale().toLanguageTag());
		String html = this.templateEngine.process(template(error.page().template(), error.status().value()), context);
		exchange.getResponse().getHeaders().set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
		return TextBodies.write(exchange.getResponse(), TEXT_HTML_UTF8, html);
	}

	private String template(@Nullable String own, int status) {
		if (!this.applicationTemplates.cache()) {
			return findTemplate(own, status);
		}
		return this.templatesByKey.computeIfAbsent(own + "|" + status, (key) -> findTemplate(own, status));
	}

	private String findTemplate(@Nullable String own, int status) {
		if (own != null && this.applicationTemplates.exists(own)) {
			return own;
		}
		for (String name : new String[] { "gateway-errors/" + status, "gateway-errors/5xx" }) {
			if (this.applicationTemplates.exists(name)) {
				return name;
			}
		}
		return DEFAULT_TEMPLATE;
	}

	@Override
	public int getOrder() {
		return 100;
	}

	/**
	 * The application's own templates, where Spring Boot's Thymeleaf support looks for
	 * them.
	 */
	private record ApplicationTemplates(ApplicationContext context, String prefix, String suffix, boolean cache) {

		SpringResourceTemplateResolver resolver() {
			SpringResourceTemplateResolver resolver = new SpringResourceTemplateResolver();
			resolver.setApplicationContext(this.context);
			resolver.setPrefix(this.prefix);
			resolver.setSuffix(this.suffix);
			configure(resolver, 1, this.cache);
			return resolver;
		}

		boolean exists(String name) {
			return this.context.getResource(this.prefix + name + this.suffix).exists();
		}

	}

	/**
	 * Decode a request path for people to read, keeping control characters, such as an
	 * encoded line break, and invalid escapes encoded as the client sent them.
	 * @param path the raw path
	 * @return the readable path
	 */
	static String readablePath(String path) {
		String decoded;
		try {
			decoded = UriUtils.decode(path, StandardCharsets.UTF_8);
		}
		catch (IllegalArgumentException ex) {
			return path;
		}
		StringBuilder readable = new StringBuilder(decoded.length());
		decoded.codePoints().forEach((codePoint) -> {
			if (Character.isISOControl(codePoint) || codePoint == 0x2028 || codePoint == 0x2029) {
				for (byte b : new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8)) {
					readable.append('%').append(String.format("%02X", b & 0xFF));
				}
			}
			else {
				readable.appendCodePoint(codePoint);
			}
		});
		return readable.toString();
	}

}
