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

import org.jspecify.annotations.Nullable;

/**
 * Makes a value safe to put in a log line: control characters such as CR and LF, which
 * could forge extra lines, are replaced.
 */
final class LogSanitizer {

	private LogSanitizer() {
	}

	static String clean(@Nullable String value) {
		if (value == null) {
			return "-";
		}
		for (int i = 0; i < value.length(); i++) {
			if (Character.isISOControl(value.charAt(i))) {
				return replaceControls(value);
			}
		}
		return value;
	}

	private static String replaceControls(String value) {
		StringBuilder clean = new StringBuilder(value.length());
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			clean.append(Character.isISOControl(c) ? '_' : c);
		}
		return clean.toString();
	}

}
