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

package io.github.gatewayerrorpolicy.retry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.github.gatewayerrorpolicy.health.EjectedInstanceFilter;
import reactor.core.publisher.Flux;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.loadbalancer.core.DelegatingServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;

/**
 * Leaves the instances a request already tried out of the load balancer's choice for its
 * retry, as Spring Cloud's {@code RetryAwareServiceInstanceListSupplier} does for its own
 * clients (Spring Cloud Gateway never tells it which instance was tried). When every
 * instance was tried, the choice is among all of them.
 */
public class UntriedInstanceFilter extends DelegatingServiceInstanceListSupplier {

	/**
	 * Filter the instances of a supplier.
	 * @param delegate the supplier whose instances are filtered
	 */
	public UntriedInstanceFilter(ServiceInstanceListSupplier delegate) {
		super(delegate);
	}

	@Override
	public Flux<List<ServiceInstance>> get() {
		return this.delegate.get();
	}

	@Override
	public Flux<List<ServiceInstance>> get(Request request) {
		Map<String, Object> attributes = EjectedInstanceFilter.attributes(request);
		Object tried = (attributes != null) ? attributes.get(RetryAttempts.TRIED_ATTRIBUTE) : null;
		if (!(tried instanceof Set<?> addresses) || addresses.isEmpty()) {
			return this.delegate.get(request);
		}
		return this.delegate.get(request).map((instances) -> untried(instances, addresses));
	}

	private static List<ServiceInstance> untried(List<ServiceInstance> instances, Set<?> tried) {
		List<ServiceInstance> untried = new ArrayList<>(instances.size());
		for (ServiceInstance instance : instances) {
			if (!tried.contains(EjectedInstanceFilter.address(instance))) {
				untried.add(instance);
			}
		}
		return untried.isEmpty() ? instances : untried;
	}

}
