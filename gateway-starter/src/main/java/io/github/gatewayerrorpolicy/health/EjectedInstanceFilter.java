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

package io.github.gatewayerrorpolicy.health;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.github.gatewayerrorpolicy.policy.ErrorPolicyResolver;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.cloud.loadbalancer.core.DelegatingServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;

/**
 * Leaves ejected instances out of the instances Spring Cloud LoadBalancer chooses from,
 * so that traffic moves to the healthy ones without an error a client would see. At most
 * {@code max-ejected-percent} of a service's instances are left out (at least one when
 * the percentage allows any), and never all of them: when every instance is ejected, the
 * choice falls on one, and the request gets the gateway's 503 with its
 * {@code Retry-After}. An instance whose ejection time is over is offered again, so that
 * a request can probe it.
 */
public class EjectedInstanceFilter extends DelegatingServiceInstanceListSupplier {

	private final UpstreamHealth health;

	private final ErrorPolicyResolver policies;

	/**
	 * Filter the instances of a supplier.
	 * @param delegate the supplier whose instances are filtered
	 * @param health the health of upstreams
	 * @param policies the policy of each route
	 */
	public EjectedInstanceFilter(ServiceInstanceListSupplier delegate, UpstreamHealth health,
			ErrorPolicyResolver policies) {
		super(delegate);
		this.health = health;
		this.policies = policies;
	}

	@Override
	public Flux<List<ServiceInstance>> get() {
		HealthPolicy policy = this.policies.resolve(null).health();
		return this.delegate.get().map((instances) -> withoutEjected(instances, policy));
	}

	@Override
	public Flux<List<ServiceInstance>> get(Request request) {
		HealthPolicy policy = this.policies.resolve(route(request)).health();
		return this.delegate.get(request).map((instances) -> withoutEjected(instances, policy));
	}

	private static @Nullable Route route(Request<?> request) {
		if (request.getContext() instanceof RequestDataContext context && context.getClientRequest() != null) {
			Map<String, Object> attributes = context.getClientRequest().getAttributes();
			if (attributes != null
					&& attributes.get(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR) instanceof Route route) {
				return route;
			}
		}
		return null;
	}

	List<ServiceInstance> withoutEjected(List<ServiceInstance> instances, HealthPolicy policy) {
		if (!policy.enabled() || instances.size() < 2 || policy.maxEjectedPercent() == 0) {
			return instances;
		}
		int mayLeaveOut = Math.min(Math.max(1, instances.size() * policy.maxEjectedPercent() / 100),
				instances.size() - 1);
		List<ServiceInstance> chosen = null;
		for (int i = 0; i < instances.size(); i++) {
			ServiceInstance instance = instances.get(i);
			if (mayLeaveOut > 0 && this.health.isLeftOut(policy, address(instance))) {
				if (chosen == null) {
					chosen = new ArrayList<>(instances.subList(0, i));
				}
				mayLeaveOut--;
			}
			else if (chosen != null) {
				chosen.add(instance);
			}
		}
		return (chosen != null) ? chosen : instances;
	}

	private static UpstreamAddress address(ServiceInstance instance) {
		return UpstreamAddress.of(instance.isSecure() ? "https" : "http", instance.getHost(), instance.getPort());
	}

}
