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

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.RouteMetadataUtils;

/**
 * A route's response timeout, read as Spring Cloud Gateway's HTTP routing filter reads
 * it.
 */
public final class ResponseTimeouts {

	private ResponseTimeouts() {
	}

	/**
	 * Return the route's response timeout: its {@code response-timeout} metadata (a
	 * negative one for none; one that is not a number is ignored, as the routing filter
	 * ignores it), else the gateway's.
	 * @param route the route
	 * @param gateway the gateway's response timeout, if any
	 * @return the timeout, or {@code null} for none
	 */
	public static @Nullable Duration of(Route route, @Nullable Duration gateway) {
		if (route.getMetadata().containsKey(RouteMetadataUtils.RESPONSE_TIMEOUT_ATTR)) {
			Object value = route.getMetadata().get(RouteMetadataUtils.RESPONSE_TIMEOUT_ATTR);
			try {
				Long millis = (value instanceof Number number) ? Long.valueOf(number.longValue())
						: (value != null) ? Long.valueOf(value.toString()) : null;
				return (millis != null && millis >= 0) ? Duration.ofMillis(millis) : null;
			}
			catch (NumberFormatException ex) {
				// the HTTP routing filter falls back to the gateway's timeout too
			}
		}
		return gateway;
	}

}
