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

import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.netty4.NettyAllocatorMetrics;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * A Spring Cloud Gateway with the error policy, whose {@code /demo/...} routes lead to
 * embedded upstreams that fail in every way the policy handles.
 */
@SpringBootApplication(proxyBeanMethods = false)
public class SampleGatewayApplication {

	/**
	 * The memory of Netty's buffer allocator, which holds the gateway's direct memory, as
	 * {@code netty.allocator.memory.used} and related meters.
	 * @return the meters
	 */
	@Bean
	MeterBinder nettyAllocatorMetrics() {
		return (registry) -> {
			if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider allocator) {
				new NettyAllocatorMetrics(allocator).bindTo(registry);
			}
		};
	}

	public static void main(String[] args) {
		SpringApplication.run(SampleGatewayApplication.class, args);
	}

}
