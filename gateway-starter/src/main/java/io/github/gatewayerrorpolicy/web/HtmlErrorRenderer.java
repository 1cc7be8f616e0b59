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
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.thymeleaf.context.WebContext;
import org.thymeleaf.exceptions.TemplateEngineException;
import org.thymeleaf.spring6.SpringTemplateEngine;
import org.thymeleaf.spring6.web.webflux.SpringWebFluxWebApplication;
import org.thymeleaf.templatemode.TemplateMode;
import org.thymeleaf.templateresolver.AbstractConfigurableTemplateResolver;
import org.thymeleaf.templateresolver.ClassLoaderTemplateResolver;
import org.thymeleaf.templateresolver.ITemplateResolver;
import org.thymeleaf.templateresolver.TemplateResolution;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.core.Ordered;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.http.MediaType;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.util.UriUtils;

/**
 * Renders an {@link UpstreamError} as an HTML page from a Thymeleaf template.
 * <p>
 * The template is the first that exists of: the policy's own ({@code page.template}),
 * {@code gateway-errors/<status>}, {@code gateway-errors/5xx}, all looked up as the
 * application's Thymeleaf engine looks up its templates, and finally the page shipped
 * with the starter ({@value #DEFAULT_TEMPLATE}). That page is self-contained: inline
 * styles only, no scripts, fonts or images, since whatever would serve them may be what
 * is down. Pages are sent with a {@code Content-Security-Policy} that allows nothing but
 * inline styles and {@code data:} images.
 * <p>
 * Application templates are rendered by an engine with the application engine's template
 * resolvers, dialects and link builders (so {@code spring.thymeleaf.*} and any dialect
 * the application registered apply), whose messages are the application's first, then the
 * starter's, so that {@code #{...}} reaches the starter's texts. The page shipped with
 * the starter has an engine of its own and renders without an application engine. A
 * template that fails to render is reported once and replaced by the starter's page, so
 * that the status stays the gateway's.
 * <p>
 * Looking up and reading a template is blocking I/O: it happens on a worker thread, and
 * only once per template where templates are cached (Thymeleaf keeps cached templates by
 * soft reference, so under memory pressure one may be read again in place). The template
 * model is described in {@code docs/configuration.md}; every value in it is escaped by
 * Thymeleaf where the template uses {@code th:text} or {@code th:attr}.
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

	private static final Log logger = LogFactory.getLog(HtmlErrorRenderer.class);

	private static final MediaType TEXT_HTML_UTF8 = new MediaType(MediaType.TEXT_HTML, StandardCharsets.UTF_8);

	private static final List<MediaType> MEDIA_TYPES = List.of(MediaType.TEXT_HTML);

	private static final SpringWebFluxWebApplication WEB_APPLICATION = SpringWebFluxWebApplication
		.buildApplication(ReactiveAdapterRegistry.getSharedInstance());

	private final Template builtIn;

	private final @Nullable SpringTemplateEngine applicationEngine;

	private final boolean cached;

	private final Map<String, Template> templatesByKey = new ConcurrentHashMap<>();

	private final Set<String> failedTemplates = ConcurrentHashMap.newKeySet();

	/**
	 * Create a renderer.
	 * @param messages the texts, also available to templates through {@code #{...}}
	 * @param applicationEngine the application's Thymeleaf engine, whose configuration
	 * application templates are rendered with, or {@code null} to render the starter's
	 * page only
	 */
	public HtmlErrorRenderer(ErrorMessages messages, @Nullable SpringTemplateEngine applicationEngine) {
		SpringTemplateEngine starter = new SpringTemplateEngine();
		ClassLoaderTemplateResolver resolver = new ClassLoaderTemplateResolver(
				HtmlErrorRenderer.class.getClassLoader());
		resolver.setPrefix("META-INF/");
		resolver.setSuffix(".html");
		resolver.setTemplateMode(TemplateMode.HTML);
		resolver.setCharacterEncoding(StandardCharsets.UTF_8.name());
		resolver.setCacheable(true);
		starter.setTemplateResolver(resolver);
		starter.setTemplateEngineMessageSource(messages.messageSource());
		this.builtIn = new Template(starter, DEFAULT_TEMPLATE);
		this.applicationEngine = (applicationEngine != null) ? likeTheApplications(applicationEngine, messages) : null;
		this.cached = this.applicationEngine == null || this.applicationEngine.getTemplateResolvers()
			.stream()
			.allMatch((each) -> each instanceof AbstractConfigurableTemplateResolver configurable
					&& configurable.isCacheable());
	}

	private static SpringTemplateEngine likeTheApplications(SpringTemplateEngine application, ErrorMessages messages) {
		SpringTemplateEngine engine = new SpringTemplateEngine();
		engine.clearDialects();
		application.getDialectsByPrefix().forEach((prefix, dialects) -> dialects.forEach((dialect) -> {
			if (prefix != null) {
				engine.addDialect(prefix, dialect);
			}
			else {
				engine.addDialect(dialect);
			}
		}));
		engine.setTemplateResolvers(application.getTemplateResolvers());
		engine.setLinkBuilders(application.getLinkBuilders());
		engine.setRenderHiddenMarkersBeforeCheckboxes(application.getRenderHiddenMarkersBeforeCheckboxes());
		engine.setTemplateEngineMessageSource(messages.messageSource());
		return engine;
	}

	@Override
	public List<MediaType> getMediaTypes() {
		return MEDIA_TYPES;
	}

	@Override
	public Mono<Void> render(UpstreamError error, MediaType mediaType, ServerWebExchange exchange) {
		WebContext context = context(error, exchange);
		String key = error.page().template() + "|" + error.status().value();
		Template known = this.cached ? this.templatesByKey.get(key) : null;
		Mono<String> html = (known != null) ? Mono.fromSupplier(() -> process(known, context))
				: Mono.fromCallable(() -> {
					Template template = findTemplate(error.page().template(), error.status().value());
					String page = process(template, context);
					if (this.cached) {
						this.templatesByKey.put(key,
								this.failedTemplates.contains(template.name()) ? this.builtIn : template);
					}
					return page;
				}).subscribeOn(Schedulers.boundedElastic());
		return html.flatMap((page) -> {
			exchange.getResponse().getHeaders().set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
			return TextBodies.write(exchange.getResponse(), TEXT_HTML_UTF8, page);
		});
	}

	/**
	 * The model, in a web context, so that a template can build links relative to the
	 * application ({@code @{/...}}) as its own pages do.
	 */
	private static WebContext context(UpstreamError error, ServerWebExchange exchange) {
		WebContext context = new WebContext(
				WEB_APPLICATION.buildExchange(exchange, error.locale(), MediaType.TEXT_HTML, StandardCharsets.UTF_8),
				error.locale());
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
		return context;
	}

	/**
	 * Render a template; an application template that fails is reported once and the
	 * starter's page rendered instead.
	 */
	private String process(Template template, WebContext context) {
		if (template == this.builtIn) {
			return template.process(context);
		}
		try {
			return template.process(context);
		}
		catch (TemplateEngineException ex) {
			if (this.failedTemplates.add(template.name())) {
				logger.warn("Template '" + template.name() + "' failed; the gateway's own page is shown instead", ex);
			}
			return this.builtIn.process(context);
		}
	}

	private Template findTemplate(@Nullable String own, int status) {
		if (this.applicationEngine != null) {
			for (String name : new String[] { own, "gateway-errors/" + status, "gateway-errors/5xx" }) {
				if (name != null && exists(this.applicationEngine, name)) {
					return new Template(this.applicationEngine, name);
				}
			}
		}
		return this.builtIn;
	}

	/**
	 * Whether a template exists, asking the engine's resolvers in their order as
	 * Thymeleaf's own template manager does: the first resolution counts.
	 */
	private static boolean exists(SpringTemplateEngine engine, String name) {
		for (ITemplateResolver resolver : engine.getConfiguration().getTemplateResolvers()) {
			TemplateResolution resolution = resolver.resolveTemplate(engine.getConfiguration(), null, name, null);
			if (resolution != null) {
				// the first resolver that answers is the one the engine will use
				return resolution.isTemplateResourceExistenceVerified() || resolution.getTemplateResource().exists();
			}
		}
		return false;
	}

	@Override
	public int getOrder() {
		return 100;
	}

	private record Template(SpringTemplateEngine engine, String name) {

		String process(WebContext context) {
			return this.engine.process(this.name, context);
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
