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

import java.util.List;

import io.github.gatewayerrorpolicy.observe.UpstreamFailureEvent;
import io.github.gatewayerrorpolicy.observe.UpstreamFailureListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import org.springframework.web.server.ServerWebExchange;

/**
 * Counts failed upstream exchanges in {@value #FAILURES}, and times how long their
 * clients waited in {@value #DURATION}, with the tags of every
 * {@link UpstreamFailureTagsProvider}.
 */
public class UpstreamFailureMetrics implements UpstreamFailureListener {

	/**
	 * The counter of failed upstream exchanges.
	 */
	public static final String FAILURES = "gateway.upstream.failures";

	/**
	 * The timer of how long clients waited before the gateway answered or aborted.
	 */
	public static final String DURATION = "gateway.upstream.failure.duration";

	private final List<UpstreamFailureTagsProvider> tagsProviders;

	private final Meter.MeterProvider<Counter> failures;

	private final Meter.MeterProvider<Timer> duration;

	public UpstreamFailureMetrics(MeterRegistry registry, List<? extends UpstreamFailureTagsProvider> tagsProviders) {
		this.tagsProviders = List.copyOf(tagsProviders);
		this.failures = Counter.builder(FAILURES)
			.description("Failed upstream exchanges, by route, RFC 9209 error type, status and outcome")
			.withRegistry(registry);
		this.duration = Timer.builder(DURATION)
			.description("How long clients waited before the gateway answered or aborted a failed upstream exchange")
			.withRegistry(registry);
	}

	@Override
	public void onUpstreamFailure(UpstreamFailureEvent event, ServerWebExchange exchange) {
		Tags tags = Tags.empty();
		for (UpstreamFailureTagsProvider provider : this.tagsProviders) {
			tags = tags.and(provider.tags(event, exchange));
		}
		this.failures.withTags(tags).increment();
		this.duration.withTags(tags).record(event.waited());
	}

}
