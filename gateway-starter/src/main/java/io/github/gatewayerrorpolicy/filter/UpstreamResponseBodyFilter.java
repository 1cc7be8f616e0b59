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

import io.github.gatewayerrorpolicy.classify.UpstreamFailure;
import io.github.gatewayerrorpolicy.classify.UpstreamPhase;
import io.github.gatewayerrorpolicy.policy.LaterAnswer;
import io.github.gatewayerrorpolicy.stale.StaleResponses;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.NettyWriteResponseFilter;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.server.ServerWebExchange;

/**
 * Records errors raised while the upstream's response body is read, copies a body that
 * may be served stale later (see {@link StaleResponses}), and writes the answer decided
 * while routing ({@link LaterAnswer}) once the route's filters are done.
 * <p>
 * {@link NettyWriteResponseFilter} copies the upstream body into the response after the
 * rest of the chain has run, so upstream body failures surface there rather than in the
 * routing filter. This filter, ordered just before it, decorates the response so that an
 * error emitted by the body being written is recorded as an upstream failure in the
 * {@link UpstreamPhase#DURING_RESPONSE} phase. Errors of the write itself (a client that
 * went away) are not recorded, nor is anything recorded for a route that did not reach an
 * upstream over HTTP (a {@code forward:} route's local handler, for example). A
 * response-rewriting filter such as {@code ModifyResponseBody} reads the upstream body
 * before it writes; its own errors are then left to Spring Boot.
 */
public class UpstreamResponseBodyFilter implements GlobalFilter, Ordered {

	/**
	 * Order of this filter: immediately before {@link NettyWriteResponseFilter}.
	 */
	public static final int ORDER = NettyWriteResponseFilter.WRITE_RESPONSE_FILTER_ORDER - 1;

	private final StaleResponses stale;

	/**
	 * Create the filter.
	 * @param stale what keeps an upstream's response that may be served stale later
	 */
	public UpstreamResponseBodyFilter(StaleResponses stale) {
		this.stale = stale;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		ServerHttpResponse response = new BodyRecordingResponse(exchange);
		return chain.filter(exchange.mutate().response(response).build())
			.then(Mono.defer(() -> writeLaterAnswer(exchange)));
	}

	/**
	 * Write the answer decided while routing ({@link LaterAnswer}: a masked upstream
	 * error, a kept response served stale, a WebSocket upstream's refusal), after the
	 * route's filters, whose headers it keeps, and instead of Spring Cloud Gateway's copy
	 * of an upstream body.
	 */
	private Mono<Void> writeLaterAnswer(ServerWebExchange exchange) {
		LaterAnswer answer = LaterAnswer.of(exchange);
		// the response may have been written meanwhile (a route filter's, a fallback's)
		return (answer != null && !exchange.getResponse().isCommitted()) ? answer.write(exchange) : Mono.empty();
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	private final class BodyRecordingResponse extends ServerHttpResponseDecorator {

		private final ServerWebExchange exchange;

		BodyRecordingResponse(ServerWebExchange exchange) {
			super(exchange.getResponse());
			this.exchange = exchange;
		}

		@Override
		public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
			body = keeping(body);
			if (body instanceof Mono<? extends DataBuffer> single) {
				// a body in one buffer (the gateway's own answers) stays a Mono, which
				// the
				// server writes with its headers in one message; no buffer can be lost
				return super.writeWith(single.doOnError(this::record));
			}
			return super.writeWith(errorAfterDemand(Flux.from(body).doOnError(this::record)));
		}

		@Override
		public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
			return super.writeAndFlushWith(errorAfterDemand(Flux.from(body).doOnError(this::record)));
		}

		/**
		 * Hold an error back until the writer asks for more than it has received. The
		 * response's {@code ChannelSendOperator} caches the first buffer until the
		 * server's writer subscribes, and an error that arrives meanwhile (an upstream
		 * that sends its first bytes and fails at once) would be passed on before it, and
		 * the buffer released unsent: the client would not get bytes the upstream sent.
		 */
		private static <T> Flux<T> errorAfterDemand(Flux<T> body) {
			return body.materialize().dematerialize();
		}

		/**
		 * The body with a copy kept for stale-if-error, where the response is an
		 * upstream's that may be kept.
		 */
		private Publisher<? extends DataBuffer> keeping(Publisher<? extends DataBuffer> body) {
			HttpStatusCode status = getStatusCode();
			if (status == null
					|| this.exchange.getAttribute(ServerWebExchangeUtils.CLIENT_RESPONSE_CONN_ATTR) == null) {
				return body;
			}
			return UpstreamResponseBodyFilter.this.stale.keeping(this.exchange, status.value(), getHeaders(), body);
		}

		private void record(Throwable error) {
			if (this.exchange.getAttribute(ServerWebExchangeUtils.CLIENT_RESPONSE_CONN_ATTR) != null) {
				UpstreamFailure.record(this.exchange, error, UpstreamPhase.DURING_RESPONSE);
			}
		}

	}

}
