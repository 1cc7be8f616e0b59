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

import java.net.URI;
import java.util.List;
import java.util.Map;

import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsServerAddressStreamProvider;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.resolver.dns.DnsServerAddresses;

import org.springframework.cloud.client.discovery.simple.InstanceProperties;
import org.springframework.cloud.client.discovery.simple.reactive.SimpleReactiveDiscoveryClient;
import org.springframework.cloud.client.discovery.simple.reactive.SimpleReactiveDiscoveryProperties;
import org.springframework.cloud.gateway.config.HttpClientCustomizer;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The {@code /demo/...} routes, each to an upstream that fails in one way.
 */
@Configuration(proxyBeanMethods = false)
class DemoRoutesConfiguration {

	/**
	 * Names in the {@code .invalid} domain, which RFC 6761 reserves as never resolving.
	 */
	static final String INVALID_DOMAIN = ".invalid";

	/**
	 * The load-balanced service behind {@code /demo/lb}.
	 */
	static final String DEMO_SHOP = "demo-shop";

	@Bean(destroyMethod = "close")
	DemoUpstreams demoUpstreams() {
		return new DemoUpstreams();
	}

	@Bean
	RouteLocator demoRoutes(RouteLocatorBuilder builder, DemoUpstreams upstreams) {
		return builder.routes()
			.route("ok", (route) -> route.path("/demo/ok/**").uri(upstreams.ok.url()))
			.route("refused", (route) -> route.path("/demo/refused/**").uri(upstreams.refused.url()))
			.route("connect-timeout",
					(route) -> route.path("/demo/connect-timeout/**")
						.metadata("connect-timeout", 1000)
						.uri("http://127.0.0.1:" + upstreams.connectTimeout.port()))
			.route("slow",
					(route) -> route.path("/demo/slow/**").metadata("response-timeout", 2000).uri(upstreams.slow.url()))
			.route("close", (route) -> route.path("/demo/close/**").uri(upstreams.close.url()))
			.route("reset", (route) -> route.path("/demo/reset/**").uri(upstreams.reset.url()))
			.route("garbage", (route) -> route.path("/demo/garbage/**").uri(upstreams.garbage.url()))
			.route("big-headers", (route) -> route.path("/demo/big-headers/**").uri(upstreams.bigHeaders.url()))
			.route("cl-te", (route) -> route.path("/demo/cl-te/**").uri(upstreams.clTe.url()))
			.route("dns", (route) -> route.path("/demo/dns/**").uri("http://demo-upstream" + INVALID_DOMAIN))
			.route("tls", (route) -> route.path("/demo/tls/**").uri("https://127.0.0.1:" + upstreams.plainHttp.port()))
			.route("upstream-503", (route) -> route.path("/demo/upstream-503/**").uri(upstreams.unavailable.url()))
			.route("midbody", (route) -> route.path("/demo/midbody/**").uri(upstreams.midBody.url()))
			.route("lb", (route) -> route.path("/demo/lb/**").uri("lb://" + DEMO_SHOP))
			.route("flaky-catalog", (route) -> route.path("/demo/flaky-catalog/**").uri(upstreams.flakyCatalog.url()))
			.route("ws-echo",
					(route) -> route.path("/demo/ws-echo/**").uri("ws://127.0.0.1:" + upstreams.wsEcho.port()))
			.route("ws-refused",
					(route) -> route.path("/demo/ws-refused/**").uri("ws://127.0.0.1:" + upstreams.refused.port()))
			.route("ws-forbidden",
					(route) -> route.path("/demo/ws-forbidden/**")
						.uri("ws://127.0.0.1:" + upstreams.wsForbidden.port()))
			.build();
	}

	/**
	 * The instances of {@code demo-shop}, for Spring Cloud LoadBalancer, with Spring
	 * Cloud's simple discovery client: registered here rather than under
	 * {@code spring.cloud.discovery.client.simple.instances} in {@code application.yml},
	 * because the operating system chooses their ports at start-up.
	 * @param upstreams the demo upstreams
	 * @return a discovery client that knows {@code demo-shop}
	 */
	@Bean
	SimpleReactiveDiscoveryClient demoShopDiscoveryClient(DemoUpstreams upstreams) {
		SimpleReactiveDiscoveryProperties properties = new SimpleReactiveDiscoveryProperties();
		properties.setInstances(Map.of(DEMO_SHOP, List.of(instance(upstreams.shopA.port()),
				instance(upstreams.shopDown.port()), instance(upstreams.shopB.port()))));
		properties.afterPropertiesSet();
		return new SimpleReactiveDiscoveryClient(properties);
	}

	private static InstanceProperties instance(int port) {
		InstanceProperties instance = new InstanceProperties();
		instance.setUri(URI.create("http://127.0.0.1:" + port));
		return instance;
	}

	/**
	 * Resolves {@code .invalid} names with the demo's loopback DNS server, which answers
	 * NXDOMAIN as RFC 6761 asks, so that {@code /demo/dns} behaves the same on any
	 * machine, online or not; every other name resolves as usual.
	 * @param upstreams the demo upstreams
	 * @return the customizer of the gateway's HTTP client
	 */
	@Bean
	HttpClientCustomizer demoDnsCustomizer(DemoUpstreams upstreams) {
		DnsServerAddresses demoDns = DnsServerAddresses.singleton(upstreams.dns.address());
		DnsServerAddressStreamProvider platform = DnsServerAddressStreamProviders.platformDefault();
		DnsServerAddressStreamProvider nameServers = (
				hostname) -> hostname.endsWith(INVALID_DOMAIN) || hostname.endsWith(INVALID_DOMAIN + ".")
						? demoDns.stream() : platform.nameServerAddressStream(hostname);
		return (client) -> client.resolver((spec) -> spec.dnsAddressResolverGroupProvider(
				(resolver) -> new DnsAddressResolverGroup(resolver.nameServerProvider(nameServers))));
	}

}
