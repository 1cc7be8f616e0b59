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

package io.github.gatewayerrorpolicy.metrics;

import io.github.gatewayerrorpolicy.observe.UpstreamFailureEvent;
import io.micrometer.core.instrument.Tags;

import org.springframework.web.server.ServerWebExchange;

/**
 * The standard tags: {@code route} (the route id, or {@code none}), {@code error} (the
 * RFC 9209 error type, or {@code none} for an upstream 5xx response), {@code status} and
 * {@code outcome}.
 */
public class DefaultUpstreamFailureTagsProvider implements UpstreamFailureTagsProvider {

	@Override
	public Tags tags(UpstreamFailureEvent event, ServerWebExchange exchange) {
		return Tags.of("route", (event.routeId() != null) ? event.routeId() : "none", "error",
				(event.type() != null) ? event.type().token() : "none", "status", Integer.toString(event.status()),
				"outcome", event.outcome().tag());
	}

}
