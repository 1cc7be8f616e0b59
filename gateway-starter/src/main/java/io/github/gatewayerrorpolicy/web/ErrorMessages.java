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
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.github.gatewayerrorpolicy.observe.ClientRequest;
import io.github.gatewayerrorpolicy.classify.ErrorType;
import org.jspecify.annotations.Nullable;

import org.springframework.context.MessageSource;
import org.springframework.context.MessageSourceResolvable;
import org.springframework.context.NoSuchMessageException;
import org.springframework.context.support.ResourceBundleMessageSource;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.http.HttpHeaders;
import org.springframework.util.StringUtils;
import org.springframework.web.server.ServerWebExchange;

/**
 * The texts the gateway shows for upstream failures, in the client's language.
 * <p>
 * Texts come from the bundle {@value #BASENAME}; the starter ships English, Traditional
 * and Simplified Chinese, Spanish, German, French and Japanese, and an application adds a
 * language by adding {@code gateway-error-policy/messages_<language>.properties} to its
 * resources. The application's own {@link MessageSource} is asked first, so it can
 * override any text by its key. All keys start with {@value #PREFIX}.
 * <p>
 * It is not itself a {@code MessageSource}: as a bean it would be a second candidate
 * wherever an application injects one by type. {@link #messageSource()} gives the same
 * texts to a template engine.
 */
public class ErrorMessages {

	/**
	 * Base name of the bundle.
	 */
	public static final String BASENAME = "gateway-error-policy/messages";

	/**
	 * Prefix of every key.
	 */
	public static final String PREFIX = "gateway.error.";

	private static final int MAX_CACHED_HEADERS = 256;

	private final @Nullable MessageSource application;

	private final ResourceBundleMessageSource bundle = new ResourceBundleMessageSource();

	private final List<Locale> languages;

	private final Map<String, Locale> localesByHeader = new ConcurrentHashMap<>();

	private final MessageSource messageSource = new Texts();

	public ErrorMessages() {
		this(null, ErrorMessages.class.getClassLoader());
	}

	/**
	 * Create texts whose keys the given message source may override.
	 * @param application the application's message source, asked first, or {@code null}
	 * @param classLoader where to look for bundles
	 */
	public ErrorMessages(@Nullable MessageSource application, @Nullable ClassLoader classLoader) {
		this.application = application;
		this.bundle.setBasename(BASENAME);
		this.bundle.setBeanClassLoader(classLoader);
		this.bundle.setDefaultEncoding("UTF-8");
		this.bundle.setFallbackToSystemLocale(false);
		this.bundle.setDefaultLocale(Locale.ENGLISH);
		this.languages = discoverLanguages(classLoader);
	}

	private static List<Locale> discoverLanguages(@Nullable ClassLoader classLoader) {
		List<Locale> languages = new ArrayList<>(List.of(Locale.ENGLISH));
		try {
			Resource[] bundles = new PathMatchingResourcePatternResolver(classLoader)
				.getResources("classpath*:" + BASENAME + "_*.properties");
			for (Resource bundle : bundles) {
				String name = bundle.getFilename();
				String suffix = name.substring(name.indexOf('_') + 1, name.length() - ".properties".length());
				Locale locale = StringUtils.parseLocale(suffix);
				if (locale != null && !languages.contains(locale)) {
					languages.add(locale);
				}
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return List.copyOf(languages);
	}

	/**
	 * Return the languages texts exist in, English first.
	 * @return the languages
	 */
	public List<Locale> getLanguages() {
		return this.languages;
	}

	/**
	 * Choose the language of the answer from the {@code Accept-Language} the client sent:
	 * the first range, by weight, that an available language matches exactly, by language
	 * and script or region for Chinese, or by language alone; English if none does.
	 * @param exchange the current exchange
	 * @return one of {@link #getLanguages()}
	 */
	public Locale locale(ServerWebExchange exchange) {
		String header = ClientRequest.of(exchange).getHeaders().getFirst(HttpHeaders.ACCEPT_LANGUAGE);
		if (!StringUtils.hasText(header)) {
			return Locale.ENGLISH;
		}
		Locale cached = this.localesByHeader.get(header);
		if (cached != null) {
			return cached;
		}
		Locale chosen = negotiate(header);
		if (this.localesByHeader.size() < MAX_CACHED_HEADERS) {
			this.localesByHeader.put(header, chosen);
		}
		return chosen;
	}

	private Locale negotiate(String header) {
		List<Locale.LanguageRange> ranges;
		try {
			ranges = Locale.LanguageRange.parse(header);
		}
		catch (IllegalArgumentException ex) {
			return Locale.ENGLISH;
		}
		for (Locale.LanguageRange range : ranges) {
			if (range.getWeight() <= 0) {
				continue;
			}
			if ("*".equals(range.getRange())) {
				return Locale.ENGLISH;
			}
			Locale match = match(Locale.forLanguageTag(range.getRange()));
			if (match != null) {
				return match;
			}
		}
		return Locale.ENGLISH;
	}

	private @Nullable Locale match(Locale requested) {
		for (Locale language : this.languages) {
			if (language.toLanguageTag().equalsIgnoreCase(requested.toLanguageTag())) {
				return language;
			}
		}
		if ("zh".equals(requested.getLanguage())) {
			boolean traditional = "Hant".equals(requested.getScript())
					|| List.of("TW", "HK", "MO").contains(requested.getCountry());
			Locale chinese = traditional ? Locale.TAIWAN : Locale.CHINA;
			if (this.languages.contains(chinese)) {
				return chinese;
			}
		}
		Locale sameLanguage = null;
		for (Locale language : this.languages) {
			if (language.getLanguage().equals(requested.getLanguage())) {
				if (language.getCountry().isEmpty()) {
					return language;
				}
				sameLanguage = (sameLanguage != null) ? sameLanguage : language;
			}
		}
		return sameLanguage;
	}

	/**
	 * Return the short summary of an error type.
	 * @param type the error type
	 * @param locale the language
	 * @return the title
	 */
	public String title(ErrorType type, Locale locale) {
		return this.messageSource.getMessage(PREFIX + type.token() + ".title", null, locale);
	}

	/**
	 * Return the plain-language explanation of an error type.
	 * @param type the error type
	 * @param locale the language
	 * @return the explanation
	 */
	public String detail(ErrorType type, Locale locale) {
		return this.messageSource.getMessage(PREFIX + type.token() + ".detail", null, locale);
	}

	/**
	 * Return a text by its key without the {@value #PREFIX} prefix.
	 * @param key the key, for example {@code page.reload}
	 * @param locale the language
	 * @param args arguments for {@code {0}} placeholders
	 * @return the text
	 */
	public String text(String key, Locale locale, Object... args) {
		return this.messageSource.getMessage(PREFIX + key, args, locale);
	}

	/**
	 * Return these texts as a message source, for a template engine: the application's
	 * messages first, then the bundle.
	 * @return the message source
	 */
	public MessageSource messageSource() {
		return this.messageSource;
	}

	/**
	 * A text from the application's message source, unless it has none (or answers with
	 * the key itself, as it does when told to use codes as default messages).
	 */
	private @Nullable String fromApplication(String code, Object @Nullable [] args, Locale locale) {
		if (this.application == null) {
			return null;
		}
		String message = this.application.getMessage(code, args, null, locale);
		return (message != null && !message.equals(code)) ? message : null;
	}

	/**
	 * The application's messages, then the bundle.
	 */
	private final class Texts implements MessageSource {

		@Override
		public @Nullable String getMessage(String code, Object @Nullable [] args, @Nullable String defaultMessage,
				Locale locale) {
			String message = fromApplication(code, args, locale);
			return (message != null) ? message
					: ErrorMessages.this.bundle.getMessage(code, args, defaultMessage, locale);
		}

		@Override
		public String getMessage(String code, Object @Nullable [] args, Locale locale) throws NoSuchMessageException {
			String message = fromApplication(code, args, locale);
			return (message != null) ? message : ErrorMessages.this.bundle.getMessage(code, args, locale);
		}

		@Override
		public String getMessage(MessageSourceResolvable resolvable, Locale locale) throws NoSuchMessageException {
			String[] codes = resolvable.getCodes();
			if (codes != null) {
				for (String code : codes) {
					String message = fromApplication(code, resolvable.getArguments(), locale);
					if (message != null) {
						return message;
					}
				}
			}
			return ErrorMessages.this.bundle.getMessage(resolvable, locale);
		}

	}

}
