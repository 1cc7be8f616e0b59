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

import java.net.URI;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.github.gatewayerrorpolicy.health.UpstreamAddress;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.DefaultRequest;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RequestData;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.util.LinkedMultiValueMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A retry's choice leaves out the instances the request already tried, as the exchange's
 * attributes name them, unless that leaves none.
 */
class UntriedInstanceFilterTests {

	static final ServiceInstance A = new DefaultServiceInstance("a", "shop", "127.0.0.1", 8081, false);

	static final ServiceInstance B = new DefaultServiceInstance("b", "shop", "127.0.0.1", 8082, false);

	static final ServiceInstance C = new DefaultServiceInstance("c", "shop", "127.0.0.1", 8083, false);

	final UntriedInstanceFilter filter = new UntriedInstanceFilter(supplier());

	@Test
	void theInstancesTriedAreLeftOut() {
		assertThat(choice(tried(8081))).containsExactly(B, C);
		assertThat(choice(tried(8081, 8083))).containsExactly(B);
	}

	@Test
	void whenEveryInstanceWasTriedTheChoiceIsAmongAll() {
		assertThat(choice(tried(8081, 8082, 8083))).containsExactly(A, B, C);
	}

	@Test
	void aFirstAttemptChoosesAmongAll() {
		assertThat(choice(new HashMap<>())).containsExactly(A, B, C);
	}

	private List<ServiceInstance> choice(Map<String, Object> attributes) {
		Request<RequestDataContext> request = new DefaultRequest<>(
				new RequestDataContext(new RequestData(HttpMethod.GET, URI.create("http://shop/items"),
						new HttpHeaders(), new LinkedMultiValueMap<>(), attributes)));
		return this.filter.get(request).blockFirst();
	}

	private static Map<String, Object> tried(int... ports) {
		Set<UpstreamAddress> tried = new LinkedHashSet<>();
		for (int port : ports) {
			tried.add(UpstreamAddress.of("http", "127.0.0.1", port));
		}
		Map<String, Object> attributes = new HashMap<>();
		attributes.put(RetryAttempts.TRIED_ATTRIBUTE, tried);
		return attributes;
	}

	private static ServiceInstanceListSupplier supplier() {
		return new ServiceInstanceListSupplier() {

			@Override
			public String getServiceId() {
				return "shop";
			}

			@Override
			public Flux<List<ServiceInstance>> get() {
				return Flux.just(List.of(A, B, C));
			}

		};
	}

}
