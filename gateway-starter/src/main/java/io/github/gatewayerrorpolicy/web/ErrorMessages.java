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

import java.util.Locale;

import io.github.gatewayerrorpolicy.classify.ErrorType;

import org.springframework.context.MessageSource;
import org.springframework.context.support.ResourceBundleMessageSource;

/**
 * The texts the gateway shows for upstream failures, from the bundle
 * {@code io/github/gatewayerrorpolicy/web/messages}.
 */
public class ErrorMessages {

	/**
	 * Base name of the bundle.
	 */
	public static final String BASENAME = "io/github/gatewayerrorpolicy/web/messages";

	private final MessageSource messageSource;

	public ErrorMessages() {
		ResourceBundleMessageSource bundle = new ResourceBundleMessageSource();
		bundle.setBasename(BASENAME);
		bundle.setDefaultEncoding("UTF-8");
		bundle.setFallbackToSystemLocale(false);
		bundle.setDefaultLocale(Locale.ENGLISH);
		this.messageSource = bundle;
	}

	/**
	 * Return the short summary of an error type.
	 * @param type the error type
	 * @param locale the locale
	 * @return the title
	 */
	public String title(ErrorType type, Locale locale) {
		return this.messageSource.getMessage(type.token() + ".title", null, locale);
	}

	/**
	 * Return the plain-language explanation of an error type.
	 * @param type the error type
	 * @param locale the locale
	 * @return the explanation
	 */
	public String detail(ErrorType type, Locale locale) {
		return this.messageSource.getMessage(type.token() + ".detail", null, locale);
	}

	/**
	 * Return the message source behind these texts, for templates.
	 * @return the message source
	 */
	public MessageSource getMessageSource() {
		return this.messageSource;
	}

}
