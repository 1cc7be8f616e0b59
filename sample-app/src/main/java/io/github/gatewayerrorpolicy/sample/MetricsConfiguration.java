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

package io.github.gatewayerrorpolicy.sample;

import io.micrometer.core.instrument.config.MeterFilter;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Metrics of the sample. Spring Cloud Gateway tags its request metrics with each route's
 * URI, which is an upstream address; these tags are dropped so that
 * {@code /actuator/prometheus} does not publish it.
 */
@Configuration(proxyBeanMethods = false)
class MetricsConfiguration {

	@Bean
	MeterFilter dropUpstreamAddresses() {
		return MeterFilter.ignoreTags("routeUri", "spring.cloud.gateway.route.uri");
	}

}
