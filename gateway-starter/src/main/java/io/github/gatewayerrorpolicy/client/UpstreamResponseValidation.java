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

import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;

import org.springframework.cloud.gateway.config.HttpClientCustomizer;

/**
 * Rejects upstream responses that Netty's decoder lets through but that are not valid
 * HTTP, before the gateway copies anything from them.
 * <p>
 * The check runs in the HTTP client as the response head arrives; a rejected response
 * fails the upstream call with an {@link InvalidUpstreamResponseException}, and Reactor
 * Netty closes that connection instead of returning it to the pool. Checked so far: the
 * status code must lie in 100..599 (RFC 9110, section 15); Netty accepts any number.
 */
public class UpstreamResponseValidation implements HttpClientCustomizer {

	@Override
	public HttpClient customize(HttpClient httpClient) {
		return httpClient.doOnResponse(UpstreamResponseValidation::validate);
	}

	static void validate(HttpClientResponse response, Connection connection) {
		int status = response.status().code();
		if (status < 100 || status > 599) {
			throw new InvalidUpstreamResponseException("Status code outside 100..599");
		}
	}

}
