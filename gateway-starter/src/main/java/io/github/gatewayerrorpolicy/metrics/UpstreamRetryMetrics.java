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

import io.github.gatewayerrorpolicy.retry.RetryListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import org.jspecify.annotations.Nullable;

/**
 * Counts retries in {@value #RETRIES}, by route, the error that called for the retry, and
 * what became of it: {@code succeeded}, {@code failed}, {@code budget-exhausted} or
 * {@code not-retryable}.
 */
public class UpstreamRetryMetrics implements RetryListener {

	/**
	 * The counter of retries.
	 */
	public static final String RETRIES = "gateway.upstream.retries";

	private final Meter.MeterProvider<Counter> retries;

	public UpstreamRetryMetrics(MeterRegistry registry) {
		this.retries = Counter.builder(RETRIES)
			.description("Retries of failed upstream calls, by route, the error retried and what became of them")
			.withRegistry(registry);
	}

	@Override
	public void onRetry(@Nullable String routeId, String cause, Result result) {
		this.retries
			.withTags(Tags.of("route", (routeId != null) ? routeId : "none", "error", cause, "result", result.tag()))
			.increment();
	}

}
