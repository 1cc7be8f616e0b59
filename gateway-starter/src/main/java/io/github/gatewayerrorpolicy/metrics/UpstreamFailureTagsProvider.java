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
 * Contributes tags to the {@code gateway.upstream.failures} counter and the
 * {@code gateway.upstream.failure.duration} timer. The tags of every provider bean are
 * combined. Keep values to small, bounded sets: never a raw URI, header or id.
 */
@FunctionalInterface
public interface UpstreamFailureTagsProvider {

	/**
	 * Return the tags for a failure.
	 * @param event the failure
	 * @param exchange the current exchange
	 * @return the tags
	 */
	Tags tags(UpstreamFailureEvent event, ServerWebExchange exchange);

}
