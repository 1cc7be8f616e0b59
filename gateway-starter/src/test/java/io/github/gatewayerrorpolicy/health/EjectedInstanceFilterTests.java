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

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cap on instances left out counts instances, not the entries of a weighted list, in
 * which an instance appears once per unit of weight.
 */
class EjectedInstanceFilterTests {

	final UpstreamHealth health = new UpstreamHealth(10);

	final HealthPolicy policy = HealthPolicy.DEFAULT;

	@Test
	void theCapCountsInstancesNotEntriesOfAWeightedList() {
		ServiceInstance a = instance("a", 8081);
		ServiceInstance b = instance("b", 8082);
		ServiceInstance c = instance("c", 8083);
		eject(8081);
		eject(8082);
		EjectedInstanceFilter filter = new EjectedInstanceFilter(supplier(), this.health, (route) -> null);
		Map<String, Object> attributes = new HashMap<>();
		// three instances, c with a weight of 2: 50 % of three leaves one out, not two
		List<ServiceInstance> chosen = filter.withoutEjected(List.of(a, b, c, c), this.policy, attributes);
		assertThat(chosen).containsExactly(b, c, c);
		assertThat(UpstreamHealth.isKeptBeyondCap(attributes, new UpstreamAddress("http", "127.0.0.1", 8082))).isTrue();
	}

	private void eject(int port) {
		UpstreamAddress address = new UpstreamAddress("http", "127.0.0.1", port);
		for (int i = 0; i < this.policy.consecutiveFailures(); i++) {
			this.health.admit("shop", this.policy, address, false).failed("connection_refused");
		}
		assertThat(this.health.isLeftOut(this.policy, address)).isTrue();
	}

	private static ServiceInstance instance(String id, int port) {
		return new DefaultServiceInstance(id, "shop", "127.0.0.1", port, false);
	}

	private static ServiceInstanceListSupplier supplier() {
		return new ServiceInstanceListSupplier() {

			@Override
			public String getServiceId() {
				return "shop";
			}

			@Override
			public Flux<List<ServiceInstance>> get() {
				return Flux.just(List.of());
			}

		};
	}

}
