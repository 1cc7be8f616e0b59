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

package io.github.gatewayerrorpolicy.observe;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.handler.TracingObservationHandler.TracingContext;
import org.jspecify.annotations.Nullable;

import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.util.StringUtils;
import org.springframework.web.server.ServerWebExchange;

/**
 * Finds the trace id through Micrometer Tracing: the span its tracing handler keeps on
 * the observation of the server request.
 */
public class TracingTraceIdResolver implements TraceIdResolver {

	@Override
	public @Nullable String traceId(ServerWebExchange exchange) {
		ServerRequestObservationContext context = ServerRequestObservationContext.findCurrent(exchange.getAttributes())
			.orElse(null);
		TracingContext tracing = (context != null) ? context.get(TracingContext.class) : null;
		Span span = (tracing != null) ? tracing.getSpan() : null;
		String traceId = (span != null) ? span.context().traceId() : null;
		return StringUtils.hasLength(traceId) ? traceId : null;
	}

}
