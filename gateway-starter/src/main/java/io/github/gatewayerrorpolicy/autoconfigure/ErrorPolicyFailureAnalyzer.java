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

import java.util.function.UnaryOperator;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Reports an {@link InvalidErrorPolicyException} at start-up: the setting, its value and
 * what it may be instead. A setting under {@code gateway.error-policy} that Spring Boot
 * could not bind (an unknown error type as a key, a media type or URL that does not
 * parse) is reported the same way, ahead of Spring Boot's own analysis of binding errors.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
class ErrorPolicyFailureAnalyzer extends AbstractFailureAnalyzer<Exception> {

	@Override
	protected @Nullable FailureAnalysis analyze(Throwable rootFailure, Exception cause) {
		InvalidErrorPolicyException invalid = findCause(rootFailure, InvalidErrorPolicyException.class);
		if (invalid == null) {
			BindException bind = findCause(rootFailure, BindException.class);
			if (bind == null || !bind.getName().toString().startsWith(GatewayErrorPolicyProperties.PREFIX + ".")) {
				return null;
			}
			invalid = InvalidErrorPolicyException.from(bind, UnaryOperator.identity());
		}
		String description = String.format(
				"The gateway error policy is not configured correctly:%n%n"
						+ "    Property: %s%n    Value: \"%s\"%n    Reason: expected %s",
				invalid.getProperty(), invalid.getValue(), invalid.getExpected());
		String action = String.format("Change '%s' to %s.", invalid.getProperty(), invalid.getExpected());
		return new FailureAnalysis(description, action, invalid);
	}

}
