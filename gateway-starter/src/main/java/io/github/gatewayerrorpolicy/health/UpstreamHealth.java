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

package io.github.gatewayerrorpolicy.health;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnStateTransitionEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The health of every upstream the gateway's HTTP client calls, tracked passively from
 * the outcomes of real requests. Each upstream has a Resilience4j {@link CircuitBreaker}:
 * a count-based window of {@code consecutive-failures} calls with a failure threshold of
 * 100 % opens it exactly when that many counted failures came in a row; while it is open
 * the upstream is ejected; the first request after the ejection time is the one probe of
 * its half-open state; a probe that fails opens it again for the doubled time.
 * <p>
 * Resilience4j keeps the moment an open breaker lets a probe through to itself, so this
 * class keeps its own copy, computed by the same function at the same transition, to
 * answer with a truthful {@code Retry-After}. Upstreams are held in a Caffeine cache
 * bounded by {@code max-tracked-upstreams}, and forgotten after {@link #IDLE_EXPIRY}
 * without a request.
 */
public class UpstreamHealth implements MeterBinder {

	/**
	 * How long an upstream that no request went to is kept.
	 */
	public static final Duration IDLE_EXPIRY = Duration.ofMinutes(10);

	private static final Logger logger = LoggerFactory.getLogger(UpstreamHealth.class);

	private static final Throwable COUNTED_FAILURE = new CountedFailure();

	private final Cache<Key, TrackedUpstream> upstreams;

	private volatile @Nullable MeterRegistry registry;

	/**
	 * Create the health of upstreams.
	 * @param maxTrackedUpstreams the most upstreams tracked at once
	 */
	public UpstreamHealth(int maxTrackedUpstreams) {
		this.upstreams = Caffeine.newBuilder()
			.maximumSize(maxTrackedUpstreams)
			.expireAfterAccess(IDLE_EXPIRY)
			.executor(Runnable::run)
			.build();
	}

	/**
	 * Admit a request to an upstream, or refuse it while the upstream is ejected.
	 * @param routeId the route of the request
	 * @param policy the route's health settings
	 * @param address the upstream
	 * @return the admission: refused, or permitted with a way to report its outcome
	 */
	public Admission admit(String routeId, HealthPolicy policy, UpstreamAddress address) {
		if (!policy.enabled()) {
			return Admission.UNTRACKED;
		}
		TrackedUpstream upstream = this.upstreams.get(new Key(address, policy), TrackedUpstream::new);
		return upstream.admit(routeId);
	}

	/**
	 * Whether a load balancer should leave an upstream out of its choice: it is ejected
	 * and not yet due for a probe, or its probe is under way. An upstream whose ejection
	 * time is over is chosen again, so that a request can probe it.
	 * @param policy the route's health settings
	 * @param address the upstream
	 * @return whether it is ejected for now
	 */
	public boolean isLeftOut(HealthPolicy policy, UpstreamAddress address) {
		TrackedUpstream upstream = policy.enabled() ? this.upstreams.getIfPresent(new Key(address, policy)) : null;
		return upstream != null && upstream.isLeftOut();
	}

	/**
	 * Return every tracked upstream that is or was ejected, most recently ejected first.
	 * @return their states
	 */
	public List<UpstreamState> ejectedUpstreams() {
		List<UpstreamState> states = new ArrayList<>();
		for (TrackedUpstream upstream : this.upstreams.asMap().values()) {
			if (upstream.ejections.get() > 0) {
				states.add(upstream.state());
			}
		}
		states.sort(Comparator.comparing(UpstreamState::lastEjected).reversed());
		return states;
	}

	/**
	 * Return how many upstreams are tracked now.
	 * @return at most {@code max-tracked-upstreams}
	 */
	public long trackedUpstreams() {
		this.upstreams.cleanUp();
		return this.upstreams.estimatedSize();
	}

	private long ejectedNow() {
		return this.upstreams.asMap().values().stream().filter(TrackedUpstream::isEjected).count();
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		this.registry = registry;
		Gauge.builder("gateway.upstream.ejected", this, UpstreamHealth::ejectedNow)
			.description("Upstreams ejected after repeated failures, not called until a probe")
			.baseUnit("upstreams")
			.register(registry);
	}

	private void countEjection(String routeId, String cause) {
		MeterRegistry registry = this.registry;
		if (registry != null) {
			Counter.builder("gateway.upstream.ejections")
				.description("Upstreams ejected after repeated failures")
				.tag("route", routeId)
				.tag("error", cause)
				.register(registry)
				.increment();
		}
	}

	private record Key(UpstreamAddress address, HealthPolicy policy) {

	}

	/**
	 * What the endpoint shows of an upstream.
	 *
	 * @param route the route whose request last went to it
	 * @param upstream its address, {@code host:port}
	 * @param scheme its scheme
	 * @param state {@code ejected}, {@code probing} or {@code healthy}
	 * @param consecutiveFailures counted failures since its last success
	 * @param ejections how often it was ejected since it was tracked
	 * @param cause the failure that last ejected it
	 * @param lastEjected when it was last ejected
	 * @param triedAgainAt when it will be tried again, while it is ejected
	 */
	public record UpstreamState(String route, String upstream, String scheme, String state, int consecutiveFailures,
			long ejections, @Nullable String cause, Instant lastEjected, @Nullable Instant triedAgainAt) {

	}

	/**
	 * A request's admission to its upstream. A permitted request reports its outcome
	 * exactly once: {@link #succeeded()}, {@link #failed(String)} or, when it ended
	 * without one (the client went away), {@link #released()}.
	 */
	public static final class Admission {

		/**
		 * The admission of a request whose upstream is not tracked.
		 */
		public static final Admission UNTRACKED = new Admission(null, 0);

		private final @Nullable TrackedUpstream upstream;

		private final long retryAfterSeconds;

		private final AtomicBoolean reported = new AtomicBoolean();

		Admission(@Nullable TrackedUpstream upstream, long retryAfterSeconds) {
			this.upstream = upstream;
			this.retryAfterSeconds = retryAfterSeconds;
		}

		/**
		 * Whether the request must not be sent.
		 * @return whether the upstream is ejected
		 */
		public boolean isRefused() {
			return this.retryAfterSeconds > 0;
		}

		/**
		 * Return the seconds until a refused request's upstream will be tried again.
		 * @return at least 1 if refused, else 0
		 */
		public long retryAfterSeconds() {
			return this.retryAfterSeconds;
		}

		/**
		 * The upstream answered, with a response that is not a counted failure.
		 */
		public void succeeded() {
			if (this.upstream != null && this.reported.compareAndSet(false, true)) {
				this.upstream.succeeded();
			}
		}

		/**
		 * The request failed in a way that counts against the upstream.
		 * @param cause the error type, or the upstream's status, as logged
		 */
		public void failed(String cause) {
			if (this.upstream != null && this.reported.compareAndSet(false, true)) {
				this.upstream.failed(cause);
			}
		}

		/**
		 * The request ended without an outcome that says anything of the upstream.
		 */
		public void released() {
			if (this.upstream != null && this.reported.compareAndSet(false, true)) {
				this.upstream.breaker.releasePermission();
			}
		}

	}

	private final class TrackedUpstream {

		final UpstreamAddress address;

		final HealthPolicy policy;

		final CircuitBreaker breaker;

		final AtomicInteger consecutiveFailures = new AtomicInteger();

		final AtomicLong ejections = new AtomicLong();

		volatile String routeId = "";

		volatile @Nullable String lastCause;

		volatile @Nullable String ejectionCause;

		volatile int ejectionsInARow;

		/**
		 * When the breaker lets a probe through, on {@link System#nanoTime()}.
		 */
		volatile long triedAgainAt;

		volatile Instant lastEjected = Instant.EPOCH;

		TrackedUpstream(Key key) {
			this.address = key.address();
			this.policy = key.policy();
			HealthPolicy policy = key.policy();
			CircuitBreakerConfig config = CircuitBreakerConfig.custom()
				.slidingWindowType(SlidingWindowType.COUNT_BASED)
				.slidingWindowSize(policy.consecutiveFailures())
				.minimumNumberOfCalls(policy.consecutiveFailures())
				.failureRateThreshold(100)
				.slowCallRateThreshold(100)
				.permittedNumberOfCallsInHalfOpenState(1)
				.waitIntervalFunctionInOpenState((attempt) -> policy.ejectionTime(attempt).toMillis())
				.automaticTransitionFromOpenToHalfOpenEnabled(false)
				.writableStackTraceEnabled(false)
				.build();
			this.breaker = CircuitBreaker.of(key.address().toString(), config);
			this.breaker.getEventPublisher().onStateTransition(this::onStateTransition);
		}

		Admission admit(String routeId) {
			this.routeId = routeId;
			long now = System.nanoTime();
			long waiting = this.triedAgainAt - now;
			if (isOpen() && waiting > 0) {
				return new Admission(null, seconds(waiting));
			}
			if (!this.breaker.tryAcquirePermission()) {
				return new Admission(null, seconds(this.triedAgainAt - System.nanoTime()));
			}
			return new Admission(this, 0);
		}

		private boolean isOpen() {
			return this.breaker.getState() == CircuitBreaker.State.OPEN;
		}

		boolean isLeftOut() {
			CircuitBreaker.State state = this.breaker.getState();
			return state == CircuitBreaker.State.HALF_OPEN
					|| (state == CircuitBreaker.State.OPEN && this.triedAgainAt - System.nanoTime() > 0);
		}

		boolean isEjected() {
			CircuitBreaker.State state = this.breaker.getState();
			return state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.HALF_OPEN;
		}

		void succeeded() {
			this.consecutiveFailures.set(0);
			this.breaker.onSuccess(0, TimeUnit.NANOSECONDS);
		}

		void failed(String cause) {
			this.lastCause = cause;
			this.consecutiveFailures.incrementAndGet();
			this.breaker.onError(0, TimeUnit.NANOSECONDS, COUNTED_FAILURE);
		}

		private void onStateTransition(CircuitBreakerOnStateTransitionEvent event) {
			CircuitBreaker.State to = event.getStateTransition().getToState();
			if (to == CircuitBreaker.State.OPEN) {
				int inARow = ++this.ejectionsInARow;
				Duration time = this.policy.ejectionTime(inARow);
				this.triedAgainAt = System.nanoTime() + time.toNanos();
				this.lastEjected = Instant.now();
				this.ejections.incrementAndGet();
				String cause = (this.lastCause != null) ? this.lastCause : "unknown";
				this.ejectionCause = cause;
				logger.warn("Upstream ejected: route={} upstream={} error={} failures={} for={}s ejections-in-a-row={}",
						this.routeId, this.address, cause, this.consecutiveFailures.get(), time.toMillis() / 1000.0,
						inARow);
				countEjection(this.routeId, cause);
			}
			else if (to == CircuitBreaker.State.CLOSED) {
				int after = this.ejectionsInARow;
				this.ejectionsInARow = 0;
				logger.info("Upstream restored: route={} upstream={} after {} ejection(s) in a row", this.routeId,
						this.address, after);
			}
		}

		UpstreamState state() {
			CircuitBreaker.State state = this.breaker.getState();
			long waiting = this.triedAgainAt - System.nanoTime();
			String name = switch (state) {
				case OPEN -> (waiting > 0) ? "ejected" : "probing";
				case HALF_OPEN -> "probing";
				default -> "healthy";
			};
			Instant triedAgainAt = (state == CircuitBreaker.State.OPEN && waiting > 0)
					? Instant.now().plusNanos(waiting) : null;
			return new UpstreamState(this.routeId, this.address.toString(), this.address.scheme(), name,
					this.consecutiveFailures.get(), this.ejections.get(), this.ejectionCause, this.lastEjected,
					triedAgainAt);
		}

	}

	/**
	 * Seconds for a {@code Retry-After}: rounded up, at least 1.
	 */
	static long seconds(long nanos) {
		return Math.max(1, (nanos + 999_999_999) / 1_000_000_000);
	}

	/**
	 * What the breaker records for a counted failure; it never leaves this class.
	 */
	private static final class CountedFailure extends RuntimeException {

		CountedFailure() {
			super("counted upstream failure", null, false, false);
		}

	}

}
