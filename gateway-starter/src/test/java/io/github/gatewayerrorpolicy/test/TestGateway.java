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

package io.github.gatewayerrorpolicy.test;

import io.github.gatewayerrorpolicy.upstreams.LoopbackDns;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsServerAddresses;
import reactor.core.publisher.Mono;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.cloud.gateway.config.HttpClientCustomizer;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * A gateway for tests: routes come from properties, names resolve through
 * {@link LoopbackDns}, and a request with the header {@value #FAIL_HEADER} fails in a
 * filter, for tests of errors that are not upstream failures.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
public class TestGateway {

	/**
	 * A request with this header ({@code before} or {@code after}) fails in a filter.
	 */
	public static final String FAIL_HEADER = "X-Test-Fail";

	/**
	 * The DNS server all tests resolve names with.
	 */
	public static final LoopbackDns DNS = LoopbackDns.start();

	/**
	 * Add a route for {@code /<id>/**} to the given URI.
	 * @param registry the registry of a {@code @DynamicPropertySource}
	 * @param index the index of the route
	 * @param id the id of the route, and the first segment of its path
	 * @param uri the upstream
	 * @param metadata the route's metadata, such as {@code response-timeout}
	 */
	public static void route(DynamicPropertyRegistry registry, int index, String id, String uri,
			Map<String, String> metadata) {
		String prefix = "spring.cloud.gateway.server.webflux.routes[" + index + "].";
		registry.add(prefix + "id", () -> id);
		registry.add(prefix + "uri", () -> uri);
		registry.add(prefix + "predicates[0]", () -> "Path=/" + id + "/**");
		metadata.forEach((key, value) -> registry.add(prefix + "metadata." + key, () -> value));
	}

	@Bean
	HttpClientCustomizer loopbackDnsCustomizer() {
		DnsServerAddresses servers = DnsServerAddresses.singleton(DNS.address());
		return (client) -> client.resolver((spec) -> spec.queryTimeout(Duration.ofMillis(200))
			.searchDomains(List.of())
			.dnsAddressResolverGroupProvider((builder) -> new DnsAddressResolverGroup(
					builder.nameServerProvider((hostname) -> servers.stream()))));
	}

	@Bean
	GlobalFilter failingFilter() {
		return (exchange, chain) -> exchange.getRequest().getHeaders().containsHeader(FAIL_HEADER)
				? Mono.error(new IllegalStateException("failed before routing")) : chain.filter(exchange);
	}

}
