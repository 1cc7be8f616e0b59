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

package io.github.gatewayerrorpolicy.stale;

import java.time.Duration;

/**
 * When a route keeps its responses and serves them stale on error.
 *
 * @param enabled whether the route keeps and serves responses at all
 * @param maxStale how long after it stops being fresh a response is kept and served
 * without the upstream's say-so; zero keeps only what the upstream's
 * {@code stale-if-error} allows
 * @param maxEntrySize the largest body kept, in bytes
 */
public record StalePolicy(boolean enabled, Duration maxStale, long maxEntrySize) {

	/**
	 * The defaults: on, only where the upstream allows it, bodies up to 1 MB.
	 */
	public static final StalePolicy DEFAULT = new StalePolicy(true, Duration.ZERO, 1024 * 1024);

}
