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
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import io.github.gatewayerrorpolicy.classify.ErrorType;
import io.github.gatewayerrorpolicy.health.HealthPolicy;
import io.github.gatewayerrorpolicy.health.UpstreamAddress;
import io.github.gatewayerrorpolicy.health.UpstreamHealth;
import io.github.gatewayerrorpolicy.retry.RetryListener.Result;
import org.jspecify.annotations.Nullable;

import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
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

	private final RetryPolicy policy;

	private final HealthPolicy health;

	private final @Nullable String routeId;

	private final URI url;

	private final boolean loadBalanced;

	private final boolean idempotent;

	private final ReplayableRequest request;

	private final RetryBudget.Route budget;

	private final UpstreamHealth upstreams;

	private final List<RetryListener> listeners;

	private final long startNanos;

	private final @Nullable Duration responseTimeout;

	private int attempt;

	private @Nullable String cause;

	RetryAttempts(RetryPolicy policy, HealthPolicy health, @Nullable String routeId, URI url, boolean loadBalanced,
			boolean idempotent, ReplayableRequest request, RetryBudget.Route budget, UpstreamHealth upstreams,
			List<RetryListener> listeners, @Nullable Duration responseTimeout) {
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
	 * connection and fails the attempt with {@link StatusRetry}.
	 * @param exchange the exchange
	 * @param status the upstream status
	 * @param retryAfter the upstream's {@code Retry-After}, if any
	 * @return the retry to signal, or {@code null} to pass the response on
	 */
	public static @Nullable StatusRetry retryStatus(ServerWebExchange exchange, int status,
			@Nullable String retryAfter) {
		RetryAttempts attempts = exchange.getAttribute(ATTRIBUTE);
		if (attempts == null || !attempts.policy.statuses().contains(status)) {
			return null;
		}
		String cause = "status_" + status;
		if (!attempts.idempotent) {
			attempts.notify(cause, Result.NOT_RETRYABLE);
			return null;
		}
		Duration asked = delay(retryAfter);
		if (asked == null && retryAfter != null) {
			attempts.notify(cause, Result.NOT_RETRYABLE);
			return null;
		}
		Duration delay = attempts.decide(cause, null, false, asked);
		return (delay != null) ? new StatusRetry(delay) : null;
	}

	/**
	 * An attempt begins.
	 */
	void begin() {
		this.attempt++;
		this.request.newAttempt();
	}

	int attempt() {
		return this.attempt;
	}

	ReplayableRequest request() {
		return this.request;
	}

	URI url() {
		return this.url;
	}

	/**
	 * How long the current attempt may wait for a response head beyond what the route's
	 * response timeout allows it: the per-try timeout, and for a retry, never past the
	 * response timeout counted from the first attempt.
	 */
	@Nullable Duration attemptTimeout() {
		Duration limit = this.policy.perTryTimeout();
		if (this.attempt > 1 && this.responseTimeout != null) {
			Duration left = timeLeft();
			limit = (limit == null || left.compareTo(limit) < 0) ? left : limit;
		}
		return limit;
	}

	private Duration timeLeft() {
		Duration elapsed = Duration.ofNanos(System.nanoTime() - this.startNanos);
		return (this.responseTimeout != null) ? this.responseTimeout.minus(elapsed) : Duration.ofDays(1);
	}

	/**
	 * The current attempt ended with an answer from the upstream that is passed on.
	 * @param status its status
	 */
	void answered(int status) {
		if (this.attempt > 1 && this.cause != null) {
			notify(this.cause, this.policy.statuses().contains(status) ? Result.FAILED : Result.SUCCEEDED);
		}
	}

	/**
	 * The current attempt failed, however it ends: a retry that was made counts as
	 * failed.
	 */
	void failed() {
		if (this.attempt > 1 && this.cause != null) {
			notify(this.cause, Result.FAILED);
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
		boolean sent = this.request.sentInAttempt();
		if ((sent && !this.idempotent) || (type == ErrorType.CONNECTION_LIMIT_REACHED && !this.loadBalanced)) {
			notify(cause, Result.NOT_RETRYABLE);
			return null;
		}
		// a request lost on a connection the upstream had just closed goes again at once
		boolean stale = reused && type == ErrorType.CONNECTION_TERMINATED;
		return decide(cause, type, stale, null);
	}

	private @Nullable Duration decide(String cause, @Nullable ErrorType type, boolean atOnce,
			@Nullable Duration asked) {
		if (this.attempt >= this.policy.maxAttempts()) {
			return null;
		}
		if (!this.request.replayable() || isCurrentUpstreamLeftOut()) {
			notify(cause, Result.NOT_RETRYABLE);
			return null;
		}
		Duration delay = atOnce ? Duration.ZERO : jitter(this.policy.backoffBound(this.attempt));
		if (asked != null) {
			Duration limit = (this.responseTimeout != null) ? timeLeft() : this.policy.maxBackoff();
			if (asked.compareTo(limit) > 0) {
				notify(cause, Result.NOT_RETRYABLE);
				return null;
			}
			delay = (asked.compareTo(delay) > 0) ? asked : delay;
		}
		if (this.responseTimeout != null && timeLeft().compareTo(delay) <= 0) {
			notify(cause, Result.NOT_RETRYABLE);
			return null;
		}
		if (!this.budget.tryStartRetry(this.policy.budgetPercent(), this.policy.budgetMinConcurrency())) {
			notify(cause, Result.BUDGET_EXHAUSTED);
			return null;
		}
		this.cause = cause;
		return delay;
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

	/**
	 * A retry ended: its place in the budget is free again.
	 */
	void retryEnded() {
		this.budget.retryEnded();
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
	 * The wait an upstream's {@code Retry-After} asks for: delta-seconds or an HTTP date.
	 */
	static @Nullable Duration delay(@Nullable String retryAfter) {
		if (retryAfter == null) {
			return null;
		}
		String value = retryAfter.trim();
		if (!value.isEmpty() && value.length() <= 9 && value.chars().allMatch((c) -> c >= '0' && c <= '9')) {
			return Duration.ofSeconds(Long.parseLong(value));
		}
		try {
			Duration until = Duration.between(ZonedDateTime.now(),
					ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME));
			return until.isNegative() ? Duration.ZERO : until;
		}
		catch (DateTimeParseException ex) {
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
