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
import java.time.ZonedDateTime;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

import io.github.gatewayerrorpolicy.classify.ErrorType;
import io.github.gatewayerrorpolicy.client.ConnectionReuse;
import io.github.gatewayerrorpolicy.health.HealthPolicy;
import io.github.gatewayerrorpolicy.health.UpstreamAddress;
import io.github.gatewayerrorpolicy.health.UpstreamHealth;
import io.github.gatewayerrorpolicy.retry.RetryListener.Result;
import org.jspecify.annotations.Nullable;

import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.cloud.gateway.support.TimeoutException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;

/**
 * The attempts of one request, kept in the exchange's attributes while
 * {@link RetryFilter} routes it: how many were made, which upstreams were tried, and
 * whether another may be made.
 */
public final class RetryAttempts {

	/**
	 * The exchange attribute that holds the attempts of a request.
	 */
	public static final String ATTRIBUTE = RetryAttempts.class.getName();

	/**
	 * The exchange attribute that holds the upstreams, a {@code Set} of
	 * {@link UpstreamAddress}, already tried by a request; the load balancer chooses
	 * among the others where there are others.
	 */
	public static final String TRIED_ATTRIBUTE = RetryAttempts.class.getName() + ".tried";

	/**
	 * The error types an attempt can fail with before its request was written: connecting
	 * and the TLS handshake. Any other means that a connection carried the request.
	 */
	private static final Set<ErrorType> BEFORE_SENDING = Set.of(ErrorType.CONNECTION_REFUSED,
			ErrorType.CONNECTION_TIMEOUT, ErrorType.DNS_ERROR, ErrorType.DNS_TIMEOUT,
			ErrorType.DESTINATION_IP_UNROUTABLE, ErrorType.TLS_PROTOCOL_ERROR, ErrorType.TLS_CERTIFICATE_ERROR,
			ErrorType.CONNECTION_LIMIT_REACHED);

	private final RetryPolicy policy;

	private final HealthPolicy health;

	private final @Nullable String routeId;

	private final URI url;

	private final boolean loadBalanced;

	private final boolean idempotent;

	private final @Nullable ReplayableRequest request;

	private final RetryBudget.Route budget;

	private final UpstreamHealth upstreams;

	private final List<RetryListener> listeners;

	private final long startNanos;

	private final @Nullable Duration responseTimeout;

	private final boolean clientReportsSending;

	private int attempt;

	private @Nullable ConnectionReuse call;

	private @Nullable AtomicBoolean place;

	private boolean everSent;

	private @Nullable String cause;

	private final AtomicBoolean reserved = new AtomicBoolean();

	RetryAttempts(RetryPolicy policy, HealthPolicy health, @Nullable String routeId, URI url, boolean loadBalanced,
			boolean idempotent, @Nullable ReplayableRequest request, RetryBudget.Route budget, UpstreamHealth upstreams,
			List<RetryListener> listeners, @Nullable Duration responseTimeout, boolean clientReportsSending) {
		this.policy = policy;
		this.health = health;
		this.routeId = routeId;
		this.url = url;
		this.loadBalanced = loadBalanced;
		this.idempotent = idempotent;
		this.request = request;
		this.budget = budget;
		this.upstreams = upstreams;
		this.listeners = listeners;
		this.startNanos = System.nanoTime();
		this.responseTimeout = responseTimeout;
		this.clientReportsSending = clientReportsSending;
	}

	/**
	 * Return how many attempts a request made: 1 unless it was retried.
	 * @param exchange the exchange
	 * @return the number of attempts
	 */
	public static int attempts(ServerWebExchange exchange) {
		RetryAttempts attempts = exchange.getAttribute(ATTRIBUTE);
		return (attempts != null) ? Math.max(1, attempts.attempt) : 1;
	}

	/**
	 * Decide whether an upstream response with this status is answered by a retry, and
	 * take a place in the budget for it if so. The caller then releases the upstream
	 * connection and fails the attempt with the {@link StatusRetry} returned.
	 * @param exchange the exchange
	 * @param status the upstream status
	 * @param headers the upstream response's headers, for its {@code Retry-After}
	 * @return the retry to signal, or {@code null} to pass the response on
	 */
	public static @Nullable StatusRetry retryStatus(ServerWebExchange exchange, int status, HttpHeaders headers) {
		RetryAttempts attempts = exchange.getAttribute(ATTRIBUTE);
		if (attempts == null || !attempts.policy.statuses().contains(status)) {
			return null;
		}
		// the retry that led here, if any, failed too
		attempts.failed();
		String cause = "status_" + status;
		Duration asked = delay(headers);
		if (!attempts.idempotent || (asked == null && headers.containsHeader(HttpHeaders.RETRY_AFTER))) {
			attempts.notify(cause, Result.NOT_RETRYABLE);
			return null;
		}
		if (attempts.place != null) {
			// this attempt is over: its place is free for the next
			attempts.retryEnded(attempts.place);
		}
		Duration delay = attempts.decide(cause, true, false, asked);
		return (delay != null) ? new StatusRetry(delay) : null;
	}

	/**
	 * Return how long the current attempt of a request may wait for its response head,
	 * beyond what the route's response timeout allows: the per-try timeout and, for a
	 * retry, never past the response timeout counted from the first attempt.
	 * @param exchange the exchange
	 * @return the limit, or {@code null} for none
	 */
	public static @Nullable Duration attemptTimeout(ServerWebExchange exchange) {
		RetryAttempts attempts = exchange.getAttribute(ATTRIBUTE);
		return (attempts != null) ? attempts.attemptTimeout() : null;
	}

	/**
	 * Return the error of an attempt that outlasted its limit: the one the HTTP routing
	 * filter raises for its response timeout, so that it is classified the same.
	 * @param limit the limit
	 * @return the error
	 */
	public static Throwable timeout(Duration limit) {
		TimeoutException cause = new TimeoutException("Response took longer than timeout: " + limit);
		return new ResponseStatusException(HttpStatus.GATEWAY_TIMEOUT, cause.getMessage(), cause);
	}

	/**
	 * An attempt begins.
	 * @param call what the HTTP client reports of the attempt's call
	 * @param place the place in the budget the attempt holds if it is a retry
	 */
	void begin(ConnectionReuse call, @Nullable AtomicBoolean place) {
		this.attempt++;
		this.call = call;
		this.place = place;
		if (this.request != null) {
			this.request.newAttempt();
		}
	}

	int attempt() {
		return this.attempt;
	}

	URI url() {
		return this.url;
	}

	/**
	 * How long the current attempt may wait for a response head beyond what the route's
	 * response timeout allows it: the per-try timeout, and for a retry, never past the
	 * response timeout counted from the first attempt.
	 */
	private @Nullable Duration attemptTimeout() {
		// the per-try limit only where a response timeout can lead to another attempt
		Duration limit = mayRetryResponseTimeout() ? this.policy.perTryTimeout() : null;
		Duration timeout = this.responseTimeout;
		if (this.attempt > 1 && timeout != null) {
			Duration left = timeLeft(timeout);
			limit = (limit == null || left.compareTo(limit) < 0) ? left : limit;
		}
		return limit;
	}

	private boolean mayRetryResponseTimeout() {
		return this.policy.types().contains(ErrorType.HTTP_RESPONSE_TIMEOUT) && this.idempotent
				&& this.attempt < this.policy.maxAttempts() && (this.request == null || this.request.isKept());
	}

	private Duration timeLeft(Duration timeout) {
		return timeout.minus(Duration.ofNanos(System.nanoTime() - this.startNanos));
	}

	/**
	 * The current attempt ended with an answer from the upstream that is passed on.
	 * @param status its status
	 */
	void answered(int status) {
		if (this.cause != null) {
			notify(this.cause, this.policy.statuses().contains(status) ? Result.FAILED : Result.SUCCEEDED);
			this.cause = null;
		}
	}

	/**
	 * The current attempt failed: the retry it was, if any, counts as failed. Reported
	 * once, before the next retry is decided.
	 */
	void failed() {
		if (this.cause != null) {
			notify(this.cause, Result.FAILED);
			this.cause = null;
		}
	}

	/**
	 * The current attempt failed with an error of this type, before any of the response
	 * was passed on: decide whether another attempt is made, and when.
	 * @param type the error type
	 * @param reused whether the request went out on a pooled connection used before
	 * @return how long to wait before the next attempt, or {@code null} for none
	 */
	@Nullable Duration retryError(ErrorType type, boolean reused) {
		if (!this.policy.types().contains(type)) {
			return null;
		}
		String cause = type.token();
		// an error that only a connection can raise means the request may have been sent,
		// whatever the HTTP client reported
		boolean sent = sentInAttempt() || !BEFORE_SENDING.contains(type);
		if ((sent && !this.idempotent) || (type == ErrorType.CONNECTION_LIMIT_REACHED && !this.loadBalanced)) {
			notify(cause, Result.NOT_RETRYABLE);
			return null;
		}
		// a request lost on a connection the upstream had just closed goes again at once
		boolean stale = reused && type == ErrorType.CONNECTION_TERMINATED;
		return decide(cause, sent, stale, null);
	}

	/**
	 * Whether the current attempt may have sent the request: the HTTP client had a
	 * connection and began to write it. Where the client does not report that (an
	 * application's own), whether anything asked for the body, which the routing filter
	 * does only once it has a connection.
	 */
	private boolean sentInAttempt() {
		if (this.clientReportsSending) {
			return this.call != null && this.call.sent();
		}
		return this.request == null || this.request.askedInAttempt();
	}

	private @Nullable Duration decide(String cause, boolean sent, boolean atOnce, @Nullable Duration asked) {
		this.everSent |= sent;
		if (this.attempt >= this.policy.maxAttempts()) {
			return null;
		}
		// a body not kept was read by the attempt that sent the request, or by a filter
		boolean replayable = this.request == null || this.request.isKept()
				|| (!this.everSent && !this.request.isRead());
		if (!replayable || isCurrentUpstreamLeftOut()) {
			notify(cause, Result.NOT_RETRYABLE);
			return null;
		}
		Duration delay = atOnce ? Duration.ZERO : jitter(this.policy.backoffBound(this.attempt));
		Duration timeout = this.responseTimeout;
		if (asked != null) {
			Duration limit = (timeout != null) ? timeLeft(timeout) : this.policy.maxBackoff();
			if (asked.compareTo(limit) > 0) {
				notify(cause, Result.NOT_RETRYABLE);
				return null;
			}
			delay = (asked.compareTo(delay) > 0) ? asked : delay;
		}
		if (timeout != null && timeLeft(timeout).compareTo(delay) <= 0) {
			notify(cause, Result.NOT_RETRYABLE);
			return null;
		}
		if (!this.budget.tryStartRetry(this.policy.budgetPercent(), this.policy.budgetMinConcurrency())) {
			notify(cause, Result.BUDGET_EXHAUSTED);
			return null;
		}
		// a place left by a signal that went astray is given back first
		releaseReserved();
		this.reserved.set(true);
		this.cause = cause;
		return delay;
	}

	/**
	 * Hand the place in the budget taken by the last decision to the retry it is for.
	 * @return the place: whoever sets it to {@code false} first gives it back
	 */
	AtomicBoolean takeReserved() {
		return new AtomicBoolean(this.reserved.getAndSet(false));
	}

	/**
	 * Give back a place taken by a decision whose retry was never made (the signal of a
	 * status retry went astray, or the request ended first).
	 */
	void releaseReserved() {
		if (this.reserved.getAndSet(false)) {
			this.budget.retryEnded();
		}
	}

	/**
	 * Give back a place handed to a retry, once.
	 * @param place the place
	 */
	void retryEnded(AtomicBoolean place) {
		if (place.compareAndSet(true, false)) {
			this.budget.retryEnded();
		}
	}

	/**
	 * A plain route's upstream that is now out of service is not called again; on a
	 * load-balanced route the next choice leaves it out.
	 */
	private boolean isCurrentUpstreamLeftOut() {
		if (this.loadBalanced) {
			return false;
		}
		UpstreamAddress address = UpstreamAddress.of(this.url);
		return address != null && this.health.enabled() && this.upstreams.isLeftOut(this.health, address);
	}

	/**
	 * Remember the upstream the current attempt called, so that the load balancer chooses
	 * another.
	 * @param exchange the exchange
	 */
	@SuppressWarnings("unchecked")
	void rememberTried(ServerWebExchange exchange) {
		URI called = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
		UpstreamAddress address = (called != null && this.loadBalanced) ? UpstreamAddress.of(called) : null;
		if (address != null) {
			((Set<UpstreamAddress>) exchange.getAttributes()
				.computeIfAbsent(TRIED_ATTRIBUTE, (key) -> new LinkedHashSet<UpstreamAddress>())).add(address);
		}
	}

	private void notify(String cause, Result result) {
		for (RetryListener listener : this.listeners) {
			listener.onRetry(this.routeId, cause, result);
		}
	}

	private static Duration jitter(Duration bound) {
		long nanos = bound.toNanos();
		return (nanos > 0) ? Duration.ofNanos(ThreadLocalRandom.current().nextLong(nanos + 1)) : Duration.ZERO;
	}

	/**
	 * Return the wait an upstream's {@code Retry-After} asks for: delta-seconds, or an
	 * HTTP date in any of the forms of RFC 9110 §5.6.7.
	 * @param headers the upstream response's headers
	 * @return the wait, zero for a date past, or {@code null} if there is no valid one
	 */
	public static @Nullable Duration delay(HttpHeaders headers) {
		String value = headers.getFirst(HttpHeaders.RETRY_AFTER);
		if (value == null) {
			return null;
		}
		String trimmed = value.trim();
		if (!trimmed.isEmpty() && trimmed.length() <= 9 && trimmed.chars().allMatch((c) -> c >= '0' && c <= '9')) {
			return Duration.ofSeconds(Long.parseLong(trimmed));
		}
		try {
			ZonedDateTime date = headers.getFirstZonedDateTime(HttpHeaders.RETRY_AFTER);
			Duration until = (date != null) ? Duration.between(ZonedDateTime.now(), date) : null;
			return (until != null && until.isNegative()) ? Duration.ZERO : until;
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
	}

	/**
	 * Fails an attempt whose upstream response is to be answered by a retry; it never
	 * leaves {@link RetryFilter}.
	 */
	public static final class StatusRetry extends RuntimeException {

		private final transient Duration delay;

		StatusRetry(Duration delay) {
			super("An upstream status to be answered by a retry", null, false, false);
			this.delay = delay;
		}

		Duration delay() {
			return this.delay;
		}

	}

}
