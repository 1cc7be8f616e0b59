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

package io.github.gatewayerrorpolicy.client;

import java.time.Duration;

import org.jspecify.annotations.Nullable;
import reactor.netty.http.client.HttpClient;

import org.springframework.cloud.gateway.config.HttpClientCustomizer;

/**
 * Limits how long the gateway's HTTP client waits between two reads of an upstream
 * response, head and body alike, so that an upstream that stalls mid-body cannot hold a
 * client and a connection forever. Before the head arrives this is a
 * {@code http_response_timeout}; after it, a {@code connection_read_timeout}: 504 if the
 * response had not begun, an aborted transfer if it had.
 */
public class UpstreamReadTimeout implements HttpClientCustomizer {

	private final @Nullable Duration timeout;

	/**
	 * Create a customizer.
	 * @param timeout the longest time between two reads, or {@code null} for none
	 */
	public UpstreamReadTimeout(@Nullable Duration timeout) {
		this.timeout = timeout;
	}

	@Override
	public HttpClient customize(HttpClient httpClient) {
		return (this.timeout != null) ? httpClient.responseTimeout(this.timeout) : httpClient;
	}

}
