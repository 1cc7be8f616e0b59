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

import io.micrometer.common.KeyValue;

import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.web.server.ServerWebExchange;

/**
 * Records the failure on the observation of the server request, as the high-cardinality
 * key values {@code gateway.upstream.error} and {@code gateway.upstream.outcome}: tracing
 * shows them as span attributes, and no metric gets a new tag. The upstream's exception
 * is not set as the observation's error, since Spring would show its class name in the
 * {@code http.server.requests} metric.
 */
public class ObservationUpstreamFailureListener implements UpstreamFailureListener {

	/**
	 * Key of the error type.
	 */
	public static final String ERROR_KEY = "gateway.upstream.error";

	/**
	 * Key of the outcome.
	 */
	public static final String OUTCOME_KEY = "gateway.upstream.outcome";

	@Override
	public void onUpstreamFailure(UpstreamFailureEvent event, ServerWebExchange exchange) {
		ServerRequestObservationContext.findCurrent(exchange.getAttributes()).ifPresent((context) -> {
			context.addHighCardinalityKeyValue(KeyValue.of(OUTCOME_KEY, event.outcome().tag()));
			if (event.type() != null) {
				context.addHighCardinalityKeyValue(KeyValue.of(ERROR_KEY, event.type().token()));
			}
		});
	}

}
