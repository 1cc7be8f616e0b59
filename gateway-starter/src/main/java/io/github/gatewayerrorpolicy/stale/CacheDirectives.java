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

package io.github.gatewayerrorpolicy.stale;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * The directives of {@code Cache-Control} header fields (RFC 9111 §5.2): names
 * case-insensitive, values as tokens or quoted strings, several fields and lists joined.
 */
final class CacheDirectives {

	private static final CacheDirectives NONE = new CacheDirectives(Map.of());

	private static final long MAX_DELTA_SECONDS = 1L << 31;

	private final Map<String, String> directives;

	private CacheDirectives(Map<String, String> directives) {
		this.directives = directives;
	}

	static CacheDirectives parse(List<String> fields) {
		if (fields.isEmpty()) {
			return NONE;
		}
		Map<String, String> directives = new HashMap<>();
		for (String field : fields) {
			int i = 0;
			int length = field.length();
			while (i < length) {
				while (i < length && (field.charAt(i) == ',' || field.charAt(i) == ' ' || field.charAt(i) == '\t')) {
					i++;
				}
				int nameStart = i;
				while (i < length && field.charAt(i) != '=' && field.charAt(i) != ',') {
					i++;
				}
				String name = field.substring(nameStart, i).trim().toLowerCase(Locale.ROOT);
				String value = "";
				if (i < length && field.charAt(i) == '=') {
					i++;
					if (i < length && field.charAt(i) == '"') {
						int end = field.indexOf('"', i + 1);
						end = (end < 0) ? length : end;
						value = field.substring(i + 1, end);
						i = end + 1;
					}
					else {
						int valueStart = i;
						while (i < length && field.charAt(i) != ',') {
							i++;
						}
						value = field.substring(valueStart, i).trim();
					}
				}
				if (!name.isEmpty()) {
					directives.putIfAbsent(name, value);
				}
			}
		}
		return new CacheDirectives(directives);
	}

	boolean has(String name) {
		return this.directives.containsKey(name);
	}

	/**
	 * The value of a delta-seconds directive: {@code null} if absent or not a number.
	 */
	@Nullable Long seconds(String name) {
		String value = this.directives.get(name);
		return (value != null) ? deltaSeconds(value) : null;
	}

	/**
	 * A delta-seconds value (RFC 9111 §1.2.2): {@code null} if not digits; one greater
	 * than 2^31 is taken as 2^31.
	 */
	static @Nullable Long deltaSeconds(String value) {
		if (value.isEmpty()) {
			return null;
		}
		for (int i = 0; i < value.length(); i++) {
			if (value.charAt(i) < '0' || value.charAt(i) > '9') {
				return null;
			}
		}
		if (value.length() > 10) {
			return MAX_DELTA_SECONDS;
		}
		return Math.min(Long.parseLong(value), MAX_DELTA_SECONDS);
	}

}
