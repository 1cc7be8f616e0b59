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

package io.github.gatewayerrorpolicy.health;

import java.net.URI;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

/**
 * An upstream as its health is tracked: scheme, host and port of the resolved request
 * URL, so that each instance behind a load-balanced route is tracked on its own.
 *
 * @param scheme {@code http} or {@code https}
 * @param host the host name or address, lower case
 * @param port the port, the scheme's default when the URL has none
 */
public record UpstreamAddress(String scheme, String host, int port) {

	/**
	 * The upstream of a resolved request URL.
	 * @param url the URL the gateway's HTTP client calls
	 * @return its upstream, or {@code null} if the URL names no host
	 */
	public static @Nullable UpstreamAddress of(URI url) {
		String scheme = url.getScheme();
		String host = url.getHost();
		return (scheme != null && host != null) ? of(scheme, host, url.getPort()) : null;
	}

	/**
	 * The upstream of a scheme, host and port, as a URL would name it.
	 * @param scheme {@code http} or {@code https}, in any case
	 * @param host the host, in any case
	 * @param port the port, or -1 for the scheme's default
	 * @return the upstream
	 */
	public static UpstreamAddress of(String scheme, String host, int port) {
		String lowerScheme = scheme.toLowerCase(Locale.ROOT);
		int effectivePort = (port >= 0) ? port : "https".equals(lowerScheme) ? 443 : 80;
		// a URL writes an IPv6 address in brackets, a discovery client does not
		String bare = (host.startsWith("[") && host.endsWith("]")) ? host.substring(1, host.length() - 1) : host;
		return new UpstreamAddress(lowerScheme, bare.toLowerCase(Locale.ROOT), effectivePort);
	}

	/**
	 * Return the address as operators read it in logs and in the endpoint.
	 * @return {@code host:port}
	 */
	@Override
	public String toString() {
		return (this.host.indexOf(':') != -1) ? "[" + this.host + "]:" + this.port : this.host + ":" + this.port;
	}

}
