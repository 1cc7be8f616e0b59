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

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports an {@link InvalidErrorPolicyException} at start-up: the setting, its value and
 * what it may be instead.
 */
class ErrorPolicyFailureAnalyzer extends AbstractFailureAnalyzer<InvalidErrorPolicyException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, InvalidErrorPolicyException cause) {
		String description = String.format(
				"The gateway error policy is not configured correctly:%n%n"
						+ "    Property: %s%n    Value: \"%s\"%n    Reason: expected %s",
				cause.getProperty(), cause.getValue(), cause.getExpected());
		String action = String.format("Change '%s' to %s.", cause.getProperty(), cause.getExpected());
		return new FailureAnalysis(description, action, cause);
	}

}
