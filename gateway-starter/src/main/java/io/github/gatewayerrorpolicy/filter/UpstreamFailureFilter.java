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
package io.github.gatewayerrorpolicy.filter;

import java.net.URI;

import io.github.gatewayerrorpolicy.classify.UpstreamFailure;
import io.github.gatewayerrorpolicy.classify.UpstreamPhase;
import io.github.gatewayerrorpolicy.web.ProxyStatus;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.NettyRoutingFilter;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;

/**
 * Wraps the gateway's HTTP routing filter and records the errors the upstream call raises
 * while the response head is awaited on the exchange for
 * {@link io.github.gatewayerrorpolicy.web.UpstreamErrorWebExceptionHandler}. The error
 * itself travels on unchanged, so retry and circuit-breaker filters still see what the
 * HTTP client raised.
 * <p>
 * When the upstream answers with a 5xx status, the response is passed through and a
 * {@code Proxy-Status} member with {@code received-status} is appended.
 */
public class UpstreamFailureFilter implements GlobalFilter, Ordered {

	/**
	 * Order of this filter: immediately before {@link NettyRoutingFilter}.
	 */
	public static final int ORDER = NettyRoutingFilter.ORDER - 1;

	private final ProxyStatus proxyStatus;

	public UpstreamFailureFilter(ProxyStatus proxyStatus) {
		this.proxyStatus = proxyStatus;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		if (!isRoutedOverHttp(exchange)) {
			return chain.filter(exchange);
		}
		return chain.filter(exchange)
			.doOnSuccess((done) -> markServerError(exchange))
			.doOnError((error) -> recordIfRaisedByUpstreamCall(exchange, error));
	}

	/**
	 * Filters without an order share the routing filter's precedence and may run inside
	 * this one, before or after it. An error is the upstream call's only if routing had
	 * started and no response head had arrived.
	 */
	private static void recordIfRaisedByUpstreamCall(ServerWebExchange exchange, Throwable error) {
		if (ServerWebExchangeUtils.isAlreadyRouted(exchange)
				&& exchange.getAttribute(ServerWebExchangeUtils.CLIENT_RESPONSE_ATTR) == null) {
			UpstreamFailure.record(exchange, error, UpstreamPhase.BEFORE_RESPONSE);
		}
	}

	private void markServerError(ServerWebExchange exchange) {
		ServerHttpResponse response = exchange.getResponse();
		HttpStatusCode status = response.getStatusCode();
		if (status != null && status.is5xxServerError()
				&& exchange.getAttribute(ServerWebExchangeUtils.CLIENT_RESPONSE_ATTR) != null) {
			response.getHeaders().add(ProxyStatus.HEADER, this.proxyStatus.receivedStatus(status.value()));
		}
	}

	private static boolean isRoutedOverHttp(ServerWebExchange exchange) {
		if (ServerWebExchangeUtils.isAlreadyRouted(exchange)) {
			return false;
		}
		URI url = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
		String scheme = (url != null) ? url.getScheme() : null;
		return "http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme);
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

}
