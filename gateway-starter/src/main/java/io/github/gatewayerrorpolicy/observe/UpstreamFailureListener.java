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

import org.springframework.web.server.ServerWebExchange;

/**
 * Learns of every failed upstream exchange: the log line, metrics, the Actuator endpoint
 * and the current observation are listeners. Declare a bean of this type to add your own;
 * it is called on the request's thread, so it must not block.
 */
@FunctionalInterface
public interface UpstreamFailureListener {

	/**
	 * Called once per failed upstream exchange, before the gateway's answer is written.
	 * @param event the failure
	 * @param exchange the current exchange
	 */
	void onUpstreamFailure(UpstreamFailureEvent event, ServerWebExchange exchange);

}
