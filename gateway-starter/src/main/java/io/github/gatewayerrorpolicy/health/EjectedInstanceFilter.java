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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
		return this.delegate.get().map((instances) -> withoutEjected(instances, policy, null));
	}

	@Override
	public Flux<List<ServiceInstance>> get(Request request) {
		Map<String, Object> attributes = attributes(request);
		Route route = (attributes != null
				&& attributes.get(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR) instanceof Route found) ? found : null;
		HealthPolicy policy = this.policies.resolve(route).health();
		return this.delegate.get(request).map((instances) -> withoutEjected(instances, policy, attributes));
	}

	/**
	 * Return the exchange's attributes, which Spring Cloud Gateway hands to the load
	 * balancer's request as they are.
	 * @param request the load balancer's request
	 * @return the attributes, or {@code null} if the request did not come from the
	 * gateway
	 */
	public static @Nullable Map<String, Object> attributes(Request<?> request) {
		return (request.getContext() instanceof RequestDataContext context && context.getClientRequest() != null)
				? context.getClientRequest().getAttributes() : null;
	}

	/**
	 * The instances without those ejected, within the cap; ejected instances kept because
	 * of the cap are named in the exchange's attributes, so that they are called.
	 */
	List<ServiceInstance> withoutEjected(List<ServiceInstance> instances, HealthPolicy policy,
			@Nullable Map<String, Object> attributes) {
		if (!policy.enabled() || instances.size() < 2 || !this.health.isAnyEjected()) {
			return instances;
		}
		// a weighted supplier lists an instance once per unit of weight: count upstreams
		List<UpstreamAddress> addresses = new ArrayList<>(instances.size());
		Set<UpstreamAddress> upstreams = new LinkedHashSet<>();
		List<UpstreamAddress> ejected = new ArrayList<>();
		for (ServiceInstance instance : instances) {
			UpstreamAddress address = address(instance);
			addresses.add(address);
			if (upstreams.add(address) && this.health.isLeftOut(policy, address)) {
				ejected.add(address);
			}
		}
		if (ejected.isEmpty() || ejected.size() == upstreams.size()) {
			// all ejected: the gateway answers 503 with the time left, whichever is
			// chosen
			return instances;
		}
		int mayLeaveOut = (policy.maxEjectedPercent() == 0) ? 0
				: Math.max(1, upstreams.size() * policy.maxEjectedPercent() / 100);
		Set<UpstreamAddress> leftOut = Set.copyOf(ejected.subList(0, Math.min(mayLeaveOut, ejected.size())));
		if (attributes != null && leftOut.size() < ejected.size()) {
			attributes.put(UpstreamHealth.KEPT_BEYOND_CAP_ATTRIBUTE,
					Set.copyOf(ejected.subList(leftOut.size(), ejected.size())));
		}
		List<ServiceInstance> chosen = new ArrayList<>(instances.size());
		for (int i = 0; i < instances.size(); i++) {
			if (!leftOut.contains(addresses.get(i))) {
				chosen.add(instances.get(i));
			}
		}
		return chosen;
	}

	/**
	 * Return the address of an instance, as the HTTP client calls it.
	 * @param instance the instance
	 * @return its address
	 */
	public static UpstreamAddress address(ServiceInstance instance) {
		return UpstreamAddress.of(instance.isSecure() ? "https" : "http", instance.getHost(), instance.getPort());
	}

}
