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
package io.github.gatewayerrorpolicy.policy;

import java.util.EnumMap;
import java.util.Map;
import java.util.regex.Pattern;

import io.github.gatewayerrorpolicy.classify.ErrorType;

import org.springframework.util.Assert;

/**
 * Formats members of the RFC 9209 {@code Proxy-Status} header for one named intermediary.
 * Every value is built once, when the instance is created.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9209">RFC 9209</a>
 */
public final class ProxyStatus {

	/**
	 * The name of the header.
	 */
	public static final String HEADER = "Proxy-Status";

	private static final Pattern SF_TOKEN = Pattern.compile("[A-Za-z*][A-Za-z0-9:/!#$%&'*+\\-.^_`|~]*");

	private final String name;

	private final Map<ErrorType, String> errors = new EnumMap<>(ErrorType.class);

	private final String[] receivedStatuses = new String[100];

	/**
	 * Create an instance for the intermediary with the given name.
	 * @param name the name of this intermediary, written as an RFC 8941 token where it is
	 * one, else as a string
	 */
	public ProxyStatus(String name) {
		Assert.hasText(name, "'name' must not be empty");
		this.name = serialize(name);
		for (ErrorType type : ErrorType.values()) {
			this.errors.put(type, this.name + "; error=" + type.token());
		}
		for (int i = 0; i < this.receivedStatuses.length; i++) {
			this.receivedStatuses[i] = this.name + "; received-status=" + (500 + i);
		}
	}

	/**
	 * Return the name of this intermediary as the header writes it.
	 * @return the name, a token or a quoted string
	 */
	public String name() {
		return this.name;
	}

	/**
	 * Return the header value for a response this intermediary generated.
	 * @param type the error type
	 * @return for example {@code gateway; error=connection_refused}
	 */
	public String error(ErrorType type) {
		return this.errors.get(type);
	}

	/**
	 * Return the header value for a response this intermediary generated, with an RFC
	 * 9209 {@code details} parameter.
	 * @param type the error type
	 * @param details what to say about the failure; characters a header cannot carry are
	 * replaced
	 * @return for example {@code gateway; error=connection_refused; details="..."}
	 */
	public String error(ErrorType type, String details) {
		return this.errors.get(type) + "; details=" + serializeString(details);
	}

	/**
	 * Return the header value for an upstream response passed through.
	 * @param status the status the upstream answered
	 * @return for example {@code gateway; received-status=503}
	 */
	public String receivedStatus(int status) {
		if (status >= 500 && status < 600) {
			return this.receivedStatuses[status - 500];
		}
		return this.name + "; received-status=" + status;
	}

	static String serialize(String name) {
		return SF_TOKEN.matcher(name).matches() ? name : serializeString(name);
	}

	/**
	 * Write an RFC 8941 string: quoted, with quotes and backslashes escaped and anything
	 * but printable ASCII replaced by {@code ?}.
	 */
	private static String serializeString(String value) {
		StringBuilder quoted = new StringBuilder(value.length() + 2).append('"');
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (c == '"' || c == '\\') {
				quoted.append('\\').append(c);
			}
			else if (c >= 0x20 && c < 0x7f) {
				quoted.append(c);
			}
			else {
				quoted.append('?');
			}
		}
		return quoted.append('"').toString();
	}

}
