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

import java.net.URI;
import java.time.Duration;
import java.util.function.UnaryOperator;

import io.github.gatewayerrorpolicy.classify.ErrorType;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.core.convert.ConversionFailedException;
import org.springframework.http.MediaType;

/**
 * A setting of the gateway error policy, global or on a route, has a value that is not
 * allowed. {@link ErrorPolicyFailureAnalyzer} reports it at start-up.
 */
public class InvalidErrorPolicyException extends IllegalStateException {

	private final String property;

	private final @Nullable Object value;

	private final String expected;

	/**
	 * Create an exception.
	 * @param property the full name of the setting
	 * @param value the value it has
	 * @param expected what it may have instead, e.g. {@code a 5xx status}
	 */
	public InvalidErrorPolicyException(String property, @Nullable Object value, String expected) {
		super("Invalid value '" + value + "' for '" + property + "': expected " + expected);
		this.property = property;
		this.value = value;
		this.expected = expected;
	}

	public String getProperty() {
		return this.property;
	}

	public @Nullable Object getValue() {
		return this.value;
	}

	public String getExpected() {
		return this.expected;
	}

	/**
	 * Describe what Spring Boot's binder could not bind, in the same terms.
	 * @param ex what the binder raised
	 * @param propertyName the name the setting is known by, from the one it was bound as
	 * @return the exception to report
	 */
	static InvalidErrorPolicyException from(BindException ex, UnaryOperator<String> propertyName) {
		if (ex.getCause() instanceof UnboundConfigurationPropertiesException unbound) {
			ConfigurationProperty property = unbound.getUnboundProperties().iterator().next();
			return new InvalidErrorPolicyException(propertyName.apply(property.getName().toString()),
					property.getValue(), "a known setting, as documented for gateway.error-policy");
		}
		ConfigurationProperty property = ex.getProperty();
		ConversionFailedException conversion = findConversionFailure(ex);
		String name = (property != null) ? property.getName().toString() : ex.getName().toString();
		Object value = (property != null) ? property.getValue() : (conversion != null) ? conversion.getValue() : null;
		Class<?> type = (conversion != null) ? conversion.getTargetType().getType()
				: ex.getTarget().getType().resolve();
		if (property == null && conversion != null && type == ErrorType.class) {
			name = name + "." + value;
		}
		return new InvalidErrorPolicyException(propertyName.apply(name), value, describe(type));
	}

	private static @Nullable ConversionFailedException findConversionFailure(Throwable ex) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (cause instanceof ConversionFailedException conversion) {
				return conversion;
			}
		}
		return null;
	}

	private static String describe(@Nullable Class<?> type) {
		if (type == Integer.class || type == int.class) {
			return "a number such as 503";
		}
		if (type == Duration.class) {
			return "a duration such as 30s";
		}
		if (type == Boolean.class || type == boolean.class) {
			return "true or false";
		}
		if (type == ErrorType.class) {
			return "an error type: one of " + ErrorPolicyFactory.ERROR_TYPES;
		}
		if (type == MediaType.class) {
			return "a media type the gateway can write, such as text/html";
		}
		if (type == URI.class) {
			return "an absolute URL such as https://status.example.com";
		}
		return "a value of type " + ((type != null) ? type.getSimpleName() : "unknown");
	}

}
