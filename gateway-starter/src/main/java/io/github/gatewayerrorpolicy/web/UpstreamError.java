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

import java.time.Instant;
import java.util.Locale;

import io.github.gatewayerrorpolicy.classify.ErrorType;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;

/**
 * What the gateway tells a client about an upstream failure: the model every
 * {@link UpstreamErrorRenderer} renders. It holds nothing internal: no exception, no
 * upstream address.
 *
 * @param type the RFC 9209 error type
 * @param status the status of the response
 * @param title a short summary of the error type, in the client's language
 * @param detail a plain-language explanation, in the client's language
 * @param path the raw path of the request
 * @param requestId the id of the request, as the gateway logs it
 * @param routeId the id of the gateway route, if one matched
 * @param timestamp when the gateway answered
 * @param locale the locale the texts are in
 */
public record UpstreamError(ErrorType type, HttpStatus status, String title, String detail, String path,
		String requestId, @Nullable String routeId, Instant timestamp, Locale locale) {

}
