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

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;

/**
 * Keeps upstream addresses and exception class names out of the meters that Spring Cloud
 * Gateway itself records, and so out of {@code /actuator/prometheus} and
 * {@code /actuator/metrics}. Its request metric is tagged with each route's URI, and its
 * HTTP client observation with the URI and the class of the exception the upstream call
 * raised.
 * <p>
 * On meters that carry a gateway route id, the URI tags are removed and an {@code error}
 * or {@code exception} tag other than {@code none} becomes {@value #FAILED}; the error
 * type is in {@code gateway.upstream.failures}.
 */
public class GatewayMeterSanitizer implements MeterFilter {

	/**
	 * The value that replaces an exception class name.
	 */
	public static final String FAILED = "upstream_failure";

	private static final Set<String> ROUTE_ID_TAGS = Set.of("routeId", "spring.cloud.gateway.route.id");

	private static final Set<String> ADDRESS_TAGS = Set.of("routeUri", "spring.cloud.gateway.route.uri", "http.uri");

	private static final Set<String> EXCEPTION_TAGS = Set.of("error", "exception");

	@Override
	public Meter.Id map(Meter.Id id) {
		List<Tag> tags = id.getTags();
		if (tags.stream().noneMatch((tag) -> ROUTE_ID_TAGS.contains(tag.getKey()))) {
			return id;
		}
		List<Tag> sanitized = new ArrayList<>(tags.size());
		boolean changed = false;
		for (Tag tag : tags) {
			if (ADDRESS_TAGS.contains(tag.getKey())) {
				changed = true;
			}
			else if (EXCEPTION_TAGS.contains(tag.getKey()) && !"none".equals(tag.getValue())
					&& !FAILED.equals(tag.getValue())) {
				sanitized.add(Tag.of(tag.getKey(), FAILED));
				changed = true;
			}
			else {
				sanitized.add(tag);
			}
		}
		return changed ? id.replaceTags(sanitized) : id;
	}

}
