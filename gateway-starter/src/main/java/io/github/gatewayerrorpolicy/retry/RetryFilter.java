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
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import io.github.gatewayerrorpolicy.classify.ErrorType;
import io.github.gatewayerrorpolicy.classify.UpstreamFailure;
import io.github.gatewayerrorpolicy.classify.UpstreamFailureClassifier;
import io.github.gatewayerrorpolicy.client.ConnectionReuse;
import io.github.gatewayerrorpolicy.health.UpstreamHealth;
import io.github.gatewayerrorpolicy.policy.ErrorPolicy;
import io.github.gatewayerrorpolicy.policy.ErrorPolicyResolver;
import io.github.gatewayerrorpolicy.policy.ResponseTimeouts;
import io.github.gatewayerrorpolicy.retry.RetryAttempts.StatusRetry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.OrderedGatewayFilter;
import org.springframework.cloud.gateway.filter.ReactiveLoadBalancerClientFilter;
import org.springframework.cloud.gateway.filter.factory.RetryGatewayFilterFactory;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

/**
 * Sends a failed upstream call again when that cannot do harm. Ordered just before the
 * load balancer, so that a retry on an {@code lb:} route is a new choice, of an instance
 * not tried yet where there is one; the rest of the chain (the load balancer, the
 * policy's routing filter, the HTTP routing filter) runs again for each attempt.
 * <p>
 * An attempt that never sent the request (the connection was refused or timed out, DNS or
 * the TLS handshake failed) is retried whatever the method. One that may have reached the
 * upstream is retried only for an idempotent method (RFC 9110 §9.2.2) or a request with
 * an {@code Idempotency-Key}, and only when its body can be sent again: a body of a known
 * length up to {@code max-body-size} is read ahead and kept; any other body is the
 * client's, which can be sent once. Nothing is retried once the upstream's response head
 * has arrived, except a status the route lists, which is retried before any of it is
 * passed on. Retries in flight are bounded by the route's {@link RetryBudget}, and the
 * attempts together never outlast the route's response timeout.
 * <p>
 * A route with Spring Cloud Gateway's own {@code Retry} filter is left to it.
 */
public class RetryFilter implements GlobalFilter, Ordered {

	/**
	 * Order of this filter: immediately before the load balancer's.
	 */
	public static final int ORDER = ReactiveLoadBalancerClientFilter.LOAD_BALANCER_CLIENT_FILTER_ORDER - 1;

	/**
	 * The request header that makes a request safe to send again, as the IETF httpapi
	 * draft defines it.
	 */
	public static final String IDEMPOTENCY_KEY = "Idempotency-Key";

	private static final Set<HttpMethod> IDEMPOTENT_METHODS = Set.of(HttpMethod.GET, HttpMethod.HEAD,
			HttpMethod.OPTIONS, HttpMethod.TRACE, HttpMethod.PUT, HttpMethod.DELETE);

	private static final Log logger = LogFactory.getLog(RetryFilter.class);

	private static final byte[] NO_BODY = new byte[0];

	private final ErrorPolicyResolver policies;

	private final UpstreamFailureClassifier classifier;

	private final UpstreamHealth health;

	private final RetryBudget budget;

	private final List<RetryListener> listeners;

	private final Supplier<@Nullable Duration> responseTimeout;

	private final boolean clientReportsSending;

	/**
	 * Create the filter.
	 * @param policies the policy of each route
	 * @param classifier the classifier of upstream failures
	 * @param health the health of upstreams
	 * @param budget the retry budget of each route
	 * @param listeners what learns of each retry
	 * @param responseTimeout the gateway's response timeout, where a route sets none
	 * @param clientReportsSending whether the gateway's HTTP client marks
	 * {@link ConnectionReuse} when it sends a request (the starter's customizer is on it)
	 */
	public RetryFilter(ErrorPolicyResolver policies, UpstreamFailureClassifier classifier, UpstreamHealth health,
			RetryBudget budget, List<? extends RetryListener> listeners, Supplier<@Nullable Duration> responseTimeout,
			boolean clientReportsSending) {
		this.policies = policies;
		this.classifier = classifier;
		this.health = health;
		this.budget = budget;
		this.listeners = List.copyOf(listeners);
		this.responseTimeout = responseTimeout;
		this.clientReportsSending = clientReportsSending;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
		URI url = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
		if (route == null || url == null || ServerWebExchangeUtils.isAlreadyRouted(exchange)
				|| !isHttp(url, exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_SCHEME_PREFIX_ATTR))
				|| "websocket".equalsIgnoreCase(exchange.getRequest().getHeaders().getUpgrade())) {
			return chain.filter(exchange);
		}
		ErrorPolicy policy = this.policies.resolve(route);
		RetryPolicy retry = policy.retry();
		if (!retries(policy, route)) {
			return chain.filter(exchange);
		}
		ServerHttpRequest request = exchange.getRequest();
		boolean idempotent = IDEMPOTENT_METHODS.contains(request.getMethod())
				|| request.getHeaders().containsHeader(IDEMPOTENCY_KEY);
		if (isBodiless(request)) {
			// nothing to keep: the request as it is can be sent again; where the HTTP
			// client does not report sending, asking for the body tells instead
			if (this.clientReportsSending) {
				return start(exchange, chain, route, policy, url, idempotent, null);
			}
			ReplayableRequest replayable = new ReplayableRequest(request, NO_BODY);
			return start(exchange.mutate().request(replayable).build(), chain, route, policy, url, idempotent,
					replayable);
		}
		Mono<byte[]> kept = keepsBody(request, idempotent, retry) ? readAhead(request, retry) : Mono.empty();
		return kept.map((body) -> new ReplayableRequest(request, body))
			.switchIfEmpty(Mono.fromSupplier(() -> new ReplayableRequest(request, null)))
			.flatMap((replayable) -> start(exchange.mutate().request(replayable).build(), chain, route, policy, url,
					idempotent, replayable));
	}

	/**
	 * Route a request that may be retried.
	 * @param replayable the request with its body, or {@code null} for a request without
	 * one
	 */
	private Mono<Void> start(ServerWebExchange exchange, GatewayFilterChain chain, Route route, ErrorPolicy policy,
			URI url, boolean idempotent, @Nullable ReplayableRequest replayable) {
		// counted once its body is read: a slow upload is not yet a request upstream
		RetryBudget.Route counts = this.budget.requestStarted(route.getId());
		boolean loadBalanced = "lb".equalsIgnoreCase(url.getScheme())
				|| "lb".equalsIgnoreCase(exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_SCHEME_PREFIX_ATTR));
		RetryAttempts attempts = new RetryAttempts(policy.retry(), policy.health(), route.getId(), url, loadBalanced,
				idempotent, replayable, counts, this.health, this.listeners, responseTimeout(route),
				this.clientReportsSending);
		exchange.getAttributes().put(RetryAttempts.ATTRIBUTE, attempts);
		// most often there is nothing to keep: no copy then
		HttpHeaders response = exchange.getResponse().getHeaders();
		HttpHeaders before = response.isEmpty() ? null : HttpHeaders.copyOf(response);
		return attempt(exchange, chain, attempts, before, null).doFinally((signal) -> counts.requestEnded());
	}

	/**
	 * Make one attempt, and another if it fails in a way that may be retried.
	 * @param place the place in the budget this attempt holds if it is a retry, given
	 * back when it ends (or when the request ends while it waits to begin)
	 */
	private Mono<Void> attempt(ServerWebExchange exchange, GatewayFilterChain chain, RetryAttempts attempts,
			@Nullable HttpHeaders before, @Nullable AtomicBoolean place) {
		ConnectionReuse call = new ConnectionReuse();
		attempts.begin(call, place);
		return chain.filter(exchange).contextWrite(call.context()).then(Mono.<Void>fromRunnable(() -> {
			ended(attempts, place);
			HttpStatusCode status = exchange.getResponse().getStatusCode();
			attempts.answered((status != null) ? status.value() : 0);
		})).onErrorResume((error) -> {
			ended(attempts, place);
			Duration delay;
			if (error instanceof StatusRetry retry) {
				delay = retry.delay();
			}
			else {
				attempts.failed();
				delay = retryError(exchange, attempts, error, call.reused());
			}
			if (delay == null) {
				return Mono.error(error);
			}
			attempts.rememberTried(exchange);
			if (logger.isDebugEnabled()) {
				logger.debug("Retrying request " + exchange.getRequest().getId() + " (attempt "
						+ (attempts.attempt() + 1) + ") in " + delay.toMillis() + " ms after " + error);
			}
			AtomicBoolean next = attempts.takeReserved();
			Mono<Void> retried = Mono.defer(() -> {
				prepare(exchange, attempts, before);
				return attempt(exchange, chain, attempts, before, next);
			});
			return (delay.isZero() ? retried : Mono.delay(delay).then(retried))
				.doFinally((signal) -> attempts.retryEnded(next));
		}).doFinally((signal) -> attempts.releaseReserved());
	}

	private static void ended(RetryAttempts attempts, @Nullable AtomicBoolean place) {
		if (place != null) {
			attempts.retryEnded(place);
		}
	}

	/**
	 * Decide on an error of an attempt: only an upstream call's failure before any of its
	 * response was passed on can be retried.
	 */
	private @Nullable Duration retryError(ServerWebExchange exchange, RetryAttempts attempts, Throwable error,
			boolean reused) {
		if (exchange.getResponse().isCommitted()
				|| exchange.getAttribute(ServerWebExchangeUtils.CLIENT_RESPONSE_ATTR) != null) {
			return null;
		}
		UpstreamFailure failure = UpstreamFailure.of(exchange, error);
		ErrorType type = (failure != null) ? this.classifier.classify(failure) : null;
		return (type != null) ? attempts.retryError(type, reused) : null;
	}

	/**
	 * Undo what the failed attempt left on the exchange, as Spring Cloud Gateway's own
	 * retry does, and give the load balancer the route's URL to choose from again.
	 */
	private static void prepare(ServerWebExchange exchange, RetryAttempts attempts, @Nullable HttpHeaders before) {
		ServerWebExchangeUtils.reset(exchange);
		// the response as it was before the first attempt: no header of the failed one
		exchange.getResponse().getHeaders().clear();
		if (before != null) {
			exchange.getResponse().getHeaders().putAll(before);
		}
		exchange.getResponse().setStatusCode(null);
		exchange.getAttributes().remove(ServerWebExchangeUtils.ORIGINAL_RESPONSE_CONTENT_TYPE_ATTR);
		exchange.getAttributes().remove(UpstreamFailure.ATTRIBUTE);
		exchange.getAttributes().remove(ServerWebExchangeUtils.GATEWAY_LOADBALANCER_RESPONSE_ATTR);
		exchange.getAttributes().remove(UpstreamHealth.KEPT_BEYOND_CAP_ATTRIBUTE);
		exchange.getAttributes().put(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR, attempts.url());
	}

	/**
	 * Whether a body is read ahead and kept: it could be sent again after reaching the
	 * upstream, and its length is known and small enough.
	 */
	private static boolean keepsBody(ServerHttpRequest request, boolean idempotent, RetryPolicy retry) {
		HttpHeaders headers = request.getHeaders();
		long length = headers.getContentLength();
		return idempotent && length > 0 && length <= retry.maxBodySize()
				&& !headers.containsHeader(HttpHeaders.TRANSFER_ENCODING);
	}

	/**
	 * Whether a request has no body: neither a {@code Content-Length} above zero nor a
	 * {@code Transfer-Encoding} (RFC 9112 §6.3). Netty gives an HTTP/2 request with a
	 * body and no length a {@code Transfer-Encoding: chunked}, so the same holds there.
	 */
	private static boolean isBodiless(ServerHttpRequest request) {
		HttpHeaders headers = request.getHeaders();
		return headers.getContentLength() <= 0 && !headers.containsHeader(HttpHeaders.TRANSFER_ENCODING);
	}

	private static Mono<byte[]> readAhead(ServerHttpRequest request, RetryPolicy retry) {
		return DataBufferUtils.join(request.getBody(), (int) retry.maxBodySize()).map((buffer) -> {
			try {
				byte[] bytes = new byte[buffer.readableByteCount()];
				buffer.read(bytes);
				return bytes;
			}
			finally {
				DataBufferUtils.release(buffer);
			}
		});
	}

	private @Nullable Duration responseTimeout(Route route) {
		return ResponseTimeouts.of(route, this.responseTimeout.get());
	}

	/**
	 * Return whether the policy retries a route's requests: the policy and its retries
	 * are on, more than one attempt is allowed, and the route does not retry by itself.
	 * @param policy the route's policy
	 * @param route the route
	 * @return whether failed requests of the route may be sent again
	 */
	public static boolean retries(ErrorPolicy policy, Route route) {
		return policy.isEnabled() && policy.retry().retries() && !hasOwnRetry(route);
	}

	/**
	 * Return whether a route has Spring Cloud Gateway's own {@code Retry} filter, which
	 * the policy leaves the route to: retries of retries would multiply attempts.
	 * @param route the route
	 * @return whether the route retries by itself
	 */
	public static boolean hasOwnRetry(Route route) {
		for (GatewayFilter filter : route.getFilters()) {
			GatewayFilter delegate = (filter instanceof OrderedGatewayFilter ordered) ? ordered.getDelegate() : filter;
			// an anonymous class of the factory, or a lambda in it (the Java DSL's
			// retry(Repeat, Retry)): either's name starts with the factory's
			if (delegate.getClass().getName().startsWith(RetryGatewayFilterFactory.class.getName())) {
				return true;
			}
		}
		return false;
	}

	private static boolean isHttp(URI url, @Nullable String schemePrefix) {
		String scheme = url.getScheme();
		if ("lb".equalsIgnoreCase(scheme)) {
			return true;
		}
		boolean http = "http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme);
		return http && (schemePrefix == null || "lb".equalsIgnoreCase(schemePrefix));
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

}
