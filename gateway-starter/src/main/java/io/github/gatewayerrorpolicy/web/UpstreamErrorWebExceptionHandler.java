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

package io.github.gatewayerrorpolicy.web;

import io.github.gatewayerrorpolicy.classify.ErrorType;
import io.github.gatewayerrorpolicy.classify.UpstreamEjectedException;
import io.github.gatewayerrorpolicy.classify.UpstreamFailure;
import io.github.gatewayerrorpolicy.classify.UpstreamFailureClassifier;
import io.github.gatewayerrorpolicy.classify.UpstreamPhase;
import io.github.gatewayerrorpolicy.observe.Outcome;
import io.github.gatewayerrorpolicy.observe.UpstreamFailureEvent;
import io.github.gatewayerrorpolicy.observe.UpstreamFailureEvents;
import io.github.gatewayerrorpolicy.policy.ErrorPolicy;
import io.github.gatewayerrorpolicy.policy.ErrorPolicyResolver;
import io.github.gatewayerrorpolicy.policy.GatewayHeaders;
import io.github.gatewayerrorpolicy.stale.StaleResponses;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;

import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.NotFoundException;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import org.springframework.web.server.handler.ExceptionHandlingWebHandler;

/**
 * Answers the failures of upstream calls that the gateway's filters recorded, and the
 * load balancer's "no instance available" for {@code lb:} routes, and passes every other
 * error on to Spring Boot's handling unchanged.
 * <p>
 * Before the response is committed, the failure is classified and answered by the
 * {@link ErrorResponseWriter} as the route's {@link ErrorPolicy} says. After the response
 * is committed, nothing truthful can be added, so the client connection is closed without
 * ending the body cleanly; but a gRPC call, which can end with a status after its
 * messages, ends with the failure's {@code grpc-status} in its trailers. Either way, the
 * {@link UpstreamFailureEvents} learn of it: the log line, metrics, the Actuator endpoint
 * and the current observation. The exception is not left for Spring to record on the
 * server observation, where its class name would become a tag of
 * {@code http.server.requests}; the error type is recorded instead.
 */
public class UpstreamErrorWebExceptionHandler implements WebExceptionHandler, Ordered {

	/**
	 * Order of this handler: before Spring Boot's {@code ErrorWebExceptionHandler} (-1).
	 */
	public static final int ORDER = -2;

	private final UpstreamFailureClassifier classifier;

	private final ErrorPolicyResolver policies;

	private final ErrorResponseWriter writer;

	private final UpstreamFailureEvents events;

	private final StaleResponses stale;

	/**
	 * Create the handler.
	 * @param classifier the classifier of upstream failures
	 * @param policies the policy of each route
	 * @param writer the writer of the gateway's answers
	 * @param events where failures are published
	 * @param stale the kept responses a failure may be answered with
	 */
	public UpstreamErrorWebExceptionHandler(UpstreamFailureClassifier classifier, ErrorPolicyResolver policies,
			ErrorResponseWriter writer, UpstreamFailureEvents events, StaleResponses stale) {
		this.stale = stale;
		this.classifier = classifier;
		this.policies = policies;
		this.writer = writer;
		this.events = events;
	}

	@Override
	public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
		Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
		UpstreamFailure failure = UpstreamFailure.of(exchange, ex);
		if (failure == null && isNoInstanceAvailable(route, ex)) {
			failure = new UpstreamFailure(ex, UpstreamPhase.BEFORE_RESPONSE);
		}
		ErrorPolicy policy = (failure != null) ? this.policies.resolve(route) : null;
		if (failure == null || !policy.isEnabled()) {
			return Mono.error(ex);
		}
		UpstreamEjectedException ejected = (failure.error() instanceof UpstreamEjectedException e) ? e : null;
		ErrorType type = (ejected != null) ? ErrorType.DESTINATION_UNAVAILABLE : this.classifier.classify(failure);
		exchange.getAttributes().remove(ExceptionHandlingWebHandler.HANDLED_WEB_EXCEPTION);
		if (type == ErrorType.HTTP_REQUEST_ERROR) {
			// the server has answered the client's malformed request already; the
			// upstream
			// request was ended in error
			this.events.publish(exchange, type, type.defaultStatus().value(), Outcome.ABORTED, ex);
			return Mono.empty();
		}
		ServerHttpResponse response = exchange.getResponse();
		if (response.isCommitted()) {
			HttpStatusCode sent = response.getStatusCode();
			this.events.publish(exchange, type, (sent != null) ? sent.value() : 0, Outcome.ABORTED, ex);
			if (this.writer.endGrpcCall(exchange, policy, type, failure.phase())) {
				return Mono.empty();
			}
			return abort(response) ? Mono.empty() : Mono.error(ex);
		}
		if (StaleResponses.REPLACED_STATUSES.contains(policy.status(type).value())) {
			UpstreamPhase phase = failure.phase();
			return this.stale.find(exchange, policy)
				.flatMap((kept) -> this.stale.serve(exchange, policy, kept, type, 0).thenReturn(Boolean.TRUE))
				.defaultIfEmpty(Boolean.FALSE)
				.flatMap((served) -> served ? Mono.empty() : answer(exchange, policy, type, phase, ejected, ex));
		}
		return answer(exchange, policy, type, failure.phase(), ejected, ex);
	}

	private Mono<Void> answer(ServerWebExchange exchange, ErrorPolicy policy, ErrorType type, UpstreamPhase phase,
			@Nullable UpstreamEjectedException ejected, Throwable ex) {
		if (ejected != null) {
			// not sent: counted as turned away, not as a failure of the upstream call
			UpstreamFailureEvent event = this.events.publish(exchange, type, policy.status(type).value(),
					Outcome.EJECTED, null);
			return this.writer.writeEjected(exchange, policy, ejected.getRetryAfterSeconds(), event.traceId());
		}
		UpstreamFailureEvent event = this.events.publish(exchange, type, policy.status(type).value(), Outcome.RESPONDED,
				ex);
		return this.writer.writeFailure(exchange, policy, type, phase, event.traceId());
	}

	/**
	 * Whether the load balancer found no instance for an {@code lb:} route: Spring Cloud
	 * Gateway raises a 503 {@link NotFoundException} before any upstream call is made.
	 * With {@code use404} the application asked for a 404, which is left alone.
	 */
	private static boolean isNoInstanceAvailable(@Nullable Route route, Throwable ex) {
		return ex instanceof NotFoundException notFound
				&& notFound.getStatusCode().value() == HttpStatus.SERVICE_UNAVAILABLE.value() && route != null
				&& "lb".equalsIgnoreCase(route.getUri().getScheme());
	}

	/**
	 * Close the client connection so that the client sees a truncated response rather
	 * than a clean end: no terminating chunk, and fewer bytes than the announced
	 * {@code Content-Length}. An HTTP/2 stream is reset. What was written before is
	 * flushed first: a close fails writes still waiting in the channel, and the client
	 * would lose bytes the upstream had sent.
	 */
	private static boolean abort(ServerHttpResponse response) {
		if (GatewayHeaders.nativeResponse(response) instanceof Connection connection) {
			connection.channel().flush().close();
			return true;
		}
		return false;
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

}
