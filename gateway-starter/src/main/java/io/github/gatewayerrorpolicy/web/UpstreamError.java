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
import io.github.gatewayerrorpolicy.policy.ErrorPolicy;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;

/**
 * What the gateway tells a client about an upstream failure: the model every
 * {@link UpstreamErrorRenderer} renders. It holds nothing internal: no exception, no
 * upstream address.
 *
 * @param status the status of the response
 * @param type the RFC 9209 error type, or {@code null} when an upstream error response is
 * masked
 * @param receivedStatus the status the upstream answered with, when it is masked
 * @param title a short summary, in the client's language
 * @param detail a plain-language explanation, in the client's language
 * @param details technical details, only where the policy exposes them
 * @param path the raw (percent-encoded) path of the request
 * @param requestId the id of the request, as the gateway logs it
 * @param traceId the id of the current trace, where tracing is on
 * @param routeId the id of the gateway route, if one matched
 * @param timestamp when the gateway answered
 * @param retryAfterSeconds the {@code Retry-After} sent, in seconds, if any
 * @param locale the language of the texts
 * @param page the page settings of the policy
 */
public record UpstreamError(HttpStatus status, @Nullable ErrorType type, @Nullable Integer receivedStatus, String title,
		String detail, @Nullable String details, String path, String requestId, @Nullable String traceId,
		@Nullable String routeId, Instant timestamp, @Nullable Long retryAfterSeconds, Locale locale,
		ErrorPolicy.Page page) {

}
