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

import java.util.Set;

/**
 * Something that keeps state per route, such as a cache of resolved policies, a log limit
 * or totals. When the gateway's routes are refreshed, it is told which routes remain, so
 * that what it keeps for routes that went away can go too.
 */
@FunctionalInterface
public interface PerRouteState {

	/**
	 * Forget what is kept for routes other than the given ones.
	 * @param routeIds the ids of the routes the gateway has now
	 */
	void retainRoutes(Set<String> routeIds);

}
