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
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import io.github.gatewayerrorpolicy.classify.ErrorType;
import io.github.gatewayerrorpolicy.classify.UpstreamEjectedException;
import io.github.gatewayerrorpolicy.classify.UpstreamFailure;
import io.github.gatewayerrorpolicy.classify.UpstreamFailureClassifier;
import io.github.gatewayerrorpolicy.classify.UpstreamPhase;
import io.github.gatewayerrorpolicy.health.HealthPolicy;
import io.github.gatewayerrorpolicy.health.UpstreamHealth;
import io.github.gatewayerrorpolicy.health.UpstreamHealth.Admission;
import io.github.gatewayerrorpolicy.observe.NativeRequests;
import io.github.gatewayerrorpolicy.observe.UpstreamFailureEvents;
import io.github.gatewayerrorpolicy.policy.ErrorPolicy;
import io.github.gatewayerrorpolicy.policy.ErrorPolicyResolver;
import io.github.gatewayerrorpolicy.policy.GatewayHeaders;
import io.github.gatewayerrorpolicy.policy.LaterAnswer;
import io.github.gatewayerrorpolicy.retry.RetryAttempts;
import io.github.gatewayerrorpolicy.retry.RetryAttempts.StatusRetry;
import io.github.gatewayerrorpolicy.stale.StaleResponses;
import io.github.gatewayerrorpolicy.web.ErrorResponseWriter;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.NettyRoutingFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;

/**
 * Wraps the gateway's HTTP routing filter. It records on the exchange the errors the
 * upstream call raises while the response head is awaited, for
 * {@link io.github.gatewayerrorpolicy.web.UpstreamErrorWebExceptionHandler}; the error
 * itself travels on unchanged, so retry and circuit-breaker filters still see what the
 * HTTP client raised.
 * <p>
 * When the upstream answers with a status that the route retries, and
 * {@link RetryAttempts} decides that it is, the upstream response is discarded and the
 * attempt fails with {@link StatusRetry} for
 * {@link io.github.gatewayerrorpolicy.retry.RetryFilter} to retry. When the upstream
 * answers with 500, 502, 503 or 504 and a kept response may answer the request
 * ({@link StaleResponses}), or with a 5xx the route's policy masks, the upstream body is
 * drained (so that the pooled connection stays usable) and
 * {@link UpstreamResponseBodyFilter} writes that answer once the route's filters are
 * done; any other 5xx is passed through with a {@code Proxy-Status} member carrying
 * {@code received-status} appended ({@link UpstreamErrorResponses}).
 * <p>
 * Before routing, it asks {@link UpstreamHealth} whether the request's upstream is
 * ejected: if so, the request is not sent and fails with an
 * {@link UpstreamEjectedException}, which the route's filters see as they see a refused
 * connection, and which the exception handler answers with 503 and the seconds left as
 * {@code Retry-After}; if not, the outcome is reported back.
 */
public class UpstreamFailureFilter implements GlobalFilter, Ordered {

	/**
	 * Order of this filter: immediately before {@link NettyRoutingFilter}.
	 */
	public static final int ORDER = NettyRoutingFilter.ORDER - 1;

	/**
	 * The most of a masked upstream body that is read to keep its connection; past this,
	 * or after {@link #DRAIN_TIMEOUT}, the connection is closed instead.
	 */
	static final long DRAIN_LIMIT = 1024 * 1024;

	static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(5);

	private final ErrorPolicyResolver policies;

	private final UpstreamFailureClassifier classifier;

	private final UpstreamHealth health;

	private final StaleResponses stale;

	private final UpstreamErrorResponses upstreamErrors;

	/**
	 * Create the filter.
	 * @param policies the policy of each route
	 * @param events where failures are published
	 * @param classifier the classifier of upstream failures
	 * @param health the health of upstreams
	 * @param stale the kept responses an upstream's error response may be replaced with
	 * @param writer the writer of the gateway's answers
	 */
	public UpstreamFailureFilter(ErrorPolicyResolver policies, UpstreamFailureEvents events,
			UpstreamFailureClassifier classifier, UpstreamHealth health, StaleResponses stale,
			ErrorResponseWriter writer) {
		this.policies = policies;
		this.classifier = classifier;
		this.health = health;
		this.stale = stale;
		this.upstreamErrors = new UpstreamErrorResponses(events, writer);
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		URI url = routedOverHttp(exchange);
		if (url == null) {
			return chain.filter(exchange);
		}
		Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
		ErrorPolicy policy = this.policies.resolve(route);
		GatewayHeaders.remember(exchange);
		// an answer decided for an earlier attempt (retried by Spring Cloud Gateway's
		// Retry filter, say) is not this attempt's
		LaterAnswer.remove(exchange);
		StaleResponses.noteCredentials(exchange, policy);
		Admission admission = (route != null && policy.isEnabled())
				? this.health.admit(route.getId(), policy.health(), url, exchange.getAttributes())
				: Admission.UNTRACKED;
		if (admission.isRefused()) {
			// not sent; answered by the exception handler unless a route's filter (a
			// circuit breaker's fallback) answers it first
			UpstreamEjectedException ejected = new UpstreamEjectedException(admission.retryAfterSeconds());
			UpstreamFailure.record(exchange, ejected, UpstreamPhase.BEFORE_RESPONSE);
			return Mono.error(ejected);
		}
		try {
			ServerHttpRequest guarded = RequestBodyDecoding.guard(exchange.getRequest());
			ServerWebExchange routed = (guarded != exchange.getRequest()) ? exchange.mutate().request(guarded).build()
					: exchange;
			Mono<Void> routing = withAttemptTimeout(chain.filter(routed), routed)
				.doOnError((error) -> recordIfRaisedByUpstreamCall(routed, error))
				.then(Mono.defer(() -> onResponseHead(routed, policy, admission)));
			return (admission == Admission.UNTRACKED) ? routing
					: routing.doOnError((error) -> onError(routed, policy.health(), admission, error))
						.doOnCancel(admission::released);
		}
		catch (RuntimeException ex) {
			admission.released();
			throw ex;
		}
	}

	/**
	 * Count an error of the upstream call against the upstream if it is of a counted
	 * type; any other error says nothing of the upstream, and neither does one that came
	 * of the client going away (a request body cut off, for instance).
	 */
	private void onError(ServerWebExchange exchange, HealthPolicy health, Admission admission, Throwable error) {
		UpstreamFailure failure = UpstreamFailure.of(exchange, error);
		ErrorType type = (failure != null) ? this.classifier.classify(failure) : null;
		admission.failed(health, type, NativeRequests.isClientGone(exchange.getRequest()));
	}

	/**
	 * Bound the wait for the response head by what the request's retries allow this
	 * attempt, if less than the route's response timeout: the routing filter's call is
	 * cancelled and the attempt fails as the routing filter's own timeout does, so that
	 * the load balancer and upstream health learn of it as of any failure.
	 */
	private static Mono<Void> withAttemptTimeout(Mono<Void> routing, ServerWebExchange exchange) {
		Duration limit = RetryAttempts.attemptTimeout(exchange);
		return (limit != null) ? routing.timeout(limit, Mono.defer(() -> Mono.error(RetryAttempts.timeout(limit))))
				: routing;
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

	private Mono<Void> onResponseHead(ServerWebExchange exchange, ErrorPolicy policy, Admission admission) {
		ServerHttpResponse response = exchange.getResponse();
		HttpStatusCode status = response.getStatusCode();
		Connection connection = exchange.getAttribute(ServerWebExchangeUtils.CLIENT_RESPONSE_CONN_ATTR);
		if (status != null) {
			admission.answered(policy.health(), status.value());
		}
		else {
			admission.succeeded();
		}
		StatusRetry retry = (status != null && connection != null)
				? RetryAttempts.retryStatus(exchange, status.value(), response.getHeaders()) : null;
		if (retry != null) {
			discardUpstreamBody(exchange, connection);
			return Mono.error(retry);
		}
		if (status == null || !status.is5xxServerError() || connection == null || !policy.isEnabled()) {
			return Mono.empty();
		}
		if (!StaleResponses.REPLACED_STATUSES.contains(status.value())) {
			return onUpstreamError(exchange, policy, status, connection);
		}
		return this.stale.find(exchange, policy).map((kept) -> {
			// the kept response is written once the route's filters are done
			discardUpstreamBody(exchange, connection);
			LaterAnswer.put(exchange, (answered) -> this.stale.serve(answered, policy, kept, null, status.value()));
			return Boolean.TRUE;
		})
			.defaultIfEmpty(Boolean.FALSE)
			.flatMap((served) -> served ? Mono.empty()
					: Mono.defer(() -> onUpstreamError(exchange, policy, status, connection)));
	}

	/**
	 * The upstream answered with a 5xx that no kept response replaces: pass it on with
	 * {@code received-status}, or mask it.
	 */
	private Mono<Void> onUpstreamError(ServerWebExchange exchange, ErrorPolicy policy, HttpStatusCode status,
			Connection connection) {
		if (this.upstreamErrors.masked(exchange, policy, status.value(), exchange.getResponse().getHeaders())) {
			discardUpstreamBody(exchange, connection);
		}
		return Mono.empty();
	}

	/**
	 * Leave Spring Cloud Gateway's {@code NettyWriteResponseFilter} no upstream body to
	 * write, and drain it so that its connection can go back to the pool.
	 */
	private static void discardUpstreamBody(ServerWebExchange exchange, Connection connection) {
		exchange.getAttributes().remove(ServerWebExchangeUtils.CLIENT_RESPONSE_CONN_ATTR);
		drain(connection).subscribe();
	}

	/**
	 * Read and discard the upstream body, so that Reactor Netty can return the connection
	 * to the pool; close it instead if the body is too long or too slow. It runs on its
	 * own, beside the answer, which does not wait for it.
	 */
	private static Mono<Void> drain(Connection connection) {
		AtomicLong read = new AtomicLong();
		return connection.inbound()
			.receive()
			.takeUntil((buffer) -> read.addAndGet(buffer.readableBytes()) > DRAIN_LIMIT)
			.then(Mono.<Void>fromRunnable(() -> {
				if (read.get() > DRAIN_LIMIT) {
					connection.dispose();
				}
			}))
			.timeout(DRAIN_TIMEOUT)
			.doOnCancel(connection::dispose)
			.onErrorResume((error) -> Mono.fromRunnable(connection::dispose));
	}

	/**
	 * The URL the HTTP routing filter will call, or {@code null} if it will not route
	 * this request.
	 */
	private static @Nullable URI routedOverHttp(ServerWebExchange exchange) {
		if (ServerWebExchangeUtils.isAlreadyRouted(exchange)) {
			return null;
		}
		URI url = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
		String scheme = (url != null) ? url.getScheme() : null;
		return ("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme)) ? url : null;
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

}
