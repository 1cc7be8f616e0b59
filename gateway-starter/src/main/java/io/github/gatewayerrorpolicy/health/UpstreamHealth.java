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

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnStateTransitionEvent;
import io.github.resilience4j.core.IntervalFunction;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.github.gatewayerrorpolicy.observe.UpstreamFailureLog.LogSanitizer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.github.gatewayerrorpolicy.classify.ErrorType;
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
 * Resilience4j keeps the moment an open breaker lets a probe through to itself; the
 * function that computes its wait ({@code waitIntervalFunctionInOpenState}) also keeps a
 * copy here, before the open state is published, to answer with a truthful
 * {@code Retry-After}. Each admission carries the generation of the breaker's state it
 * was admitted in, and a report from an earlier generation is dropped: a request admitted
 * before an ejection can neither release nor decide the probe of a later half-open state.
 * A probe that has not ended within {@code max-ejection-time} counts as failed. Upstreams
 * are held in a Caffeine cache bounded by {@code max-tracked-upstreams}, and forgotten
 * after {@link #IDLE_EXPIRY} without a request.
 */
public class UpstreamHealth implements MeterBinder {

	/**
	 * How long an upstream that no request went to is kept.
	 */
	public static final Duration IDLE_EXPIRY = Duration.ofMinutes(10);

	/**
	 * The exchange attribute naming the ejected upstreams the load balancer kept in its
	 * choice because of {@code max-ejected-percent}.
	 */
	public static final String KEPT_BEYOND_CAP_ATTRIBUTE = UpstreamHealth.class.getName() + ".keptBeyondCap";

	private static final Logger logger = LoggerFactory.getLogger(UpstreamHealth.class);

	private static final Throwable COUNTED_FAILURE = new CountedFailure();

	private final Cache<Key, TrackedUpstream> upstreams;

	/**
	 * Tracked upstreams whose breaker is not closed: ejected or being probed.
	 */
	private final AtomicInteger ejected = new AtomicInteger();

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
			.<Key, TrackedUpstream>removalListener((key, upstream, cause) -> forget(upstream, cause))
			.build();
	}

	/**
	 * Admit a request to an upstream, or refuse it while the upstream is ejected.
	 * @param routeId the route of the request
	 * @param policy the route's health settings
	 * @param address the upstream
	 * @param beyondCap whether the load balancer chose the upstream although it is
	 * ejected, because leaving it out too would exceed {@code max-ejected-percent}: it is
	 * then called as if it were healthy
	 * @return the admission: refused, or permitted with a way to report its outcome
	 */
	public Admission admit(String routeId, HealthPolicy policy, UpstreamAddress address, boolean beyondCap) {
		if (!policy.enabled()) {
			return Admission.UNTRACKED;
		}
		TrackedUpstream upstream = this.upstreams.get(new Key(address, policy), TrackedUpstream::new);
		return upstream.admit(routeId, beyondCap);
	}

	/**
	 * Admit a request to the upstream of a URL, or refuse it while that upstream is
	 * ejected.
	 * @param routeId the route of the request
	 * @param policy the route's health settings
	 * @param url the URL the request goes to
	 * @param attributes the exchange's attributes, which say whether the load balancer
	 * kept the upstream beyond {@code max-ejected-percent}
	 * @return the admission; untracked for a URL without a host
	 */
	public Admission admit(String routeId, HealthPolicy policy, URI url, Map<String, Object> attributes) {
		UpstreamAddress address = UpstreamAddress.of(url);
		return (address != null) ? admit(routeId, policy, address, isKeptBeyondCap(attributes, address))
				: Admission.UNTRACKED;
	}

	/**
	 * Whether the load balancer chose an ejected upstream because leaving it out too
	 * would have left out more than {@code max-ejected-percent} of the service.
	 * @param attributes the exchange's attributes
	 * @param address the upstream chosen
	 * @return whether it is to be called as if it were healthy
	 */
	public static boolean isKeptBeyondCap(Map<String, Object> attributes, UpstreamAddress address) {
		return attributes.get(KEPT_BEYOND_CAP_ATTRIBUTE) instanceof Set<?> kept && kept.contains(address);
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
		if (!isAnyEjected() || !policy.enabled()) {
			return false;
		}
		// a load balancer's look does not keep an upstream from expiring; requests do
		TrackedUpstream upstream = this.upstreams.policy().getIfPresentQuietly(new Key(address, policy));
		return upstream != null && upstream.isLeftOut();
	}

	/**
	 * Whether any tracked upstream is ejected or being probed.
	 * @return whether a load balancer has anything to leave out
	 */
	public boolean isAnyEjected() {
		return this.ejected.get() > 0;
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

	@Override
	public void bindTo(MeterRegistry registry) {
		this.registry = registry;
		Gauge.builder("gateway.upstream.ejected", this.ejected, AtomicInteger::get)
			.description("Upstreams ejected after repeated failures, not called until a probe")
			.register(registry);
	}

	private void forget(@Nullable TrackedUpstream upstream, RemovalCause cause) {
		if (upstream != null) {
			// an upstream forgotten while ejected no longer counts, whatever happens to
			// requests still in flight to it
			upstream.forgotten = true;
			if (upstream.breaker.getState() != CircuitBreaker.State.CLOSED) {
				this.ejected.decrementAndGet();
			}
		}
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

	/**
	 * Seconds for a {@code Retry-After}: rounded up, at least 1.
	 */
	static long seconds(long nanos) {
		return Math.max(1, (nanos + 999_999_999) / 1_000_000_000);
	}

	/**
	 * The key of a tracked upstream: its address and the settings it is tracked under.
	 * The policy of a route is the same object from request to request, so equality is
	 * usually decided by identity.
	 */
	private static final class Key {

		final UpstreamAddress address;

		final HealthPolicy policy;

		private final int hash;

		Key(UpstreamAddress address, HealthPolicy policy) {
			this.address = address;
			this.policy = policy;
			this.hash = 31 * address.hashCode() + policy.hashCode();
		}

		@Override
		public boolean equals(Object other) {
			return other instanceof Key key && this.hash == key.hash && this.address.equals(key.address)
					&& (this.policy == key.policy || this.policy.equals(key.policy));
		}

		@Override
		public int hashCode() {
			return this.hash;
		}

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
		public static final Admission UNTRACKED = new Admission(null, 0, 0, false);

		private final @Nullable TrackedUpstream upstream;

		private final long retryAfterSeconds;

		private final long generation;

		private final boolean beyondCap;

		private final AtomicBoolean reported = new AtomicBoolean();

		Admission(@Nullable TrackedUpstream upstream, long retryAfterSeconds, long generation, boolean beyondCap) {
			this.upstream = upstream;
			this.retryAfterSeconds = retryAfterSeconds;
			this.generation = generation;
			this.beyondCap = beyondCap;
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
				this.upstream.succeeded(this);
			}
		}

		/**
		 * The request failed in a way that counts against the upstream.
		 * @param cause the error type, or the upstream's status, as logged
		 */
		public void failed(String cause) {
			if (this.upstream != null && this.reported.compareAndSet(false, true)) {
				this.upstream.failed(this, cause);
			}
		}

		/**
		 * The upstream answered with a status: a failure if the policy counts that
		 * status, otherwise a success.
		 * @param policy the route's health settings
		 * @param status the upstream's status
		 */
		public void answered(HealthPolicy policy, int status) {
			if (policy.failureStatuses().contains(status)) {
				failed("status_" + status);
			}
			else {
				succeeded();
			}
		}

		/**
		 * The request failed: it counts against the upstream if it failed with an error
		 * of a type the policy counts, and not because its client went away; otherwise it
		 * says nothing of the upstream.
		 * @param policy the route's health settings
		 * @param type the error's type, or {@code null} if it is not an upstream failure
		 * @param clientGone whether the client had gone away
		 */
		public void failed(HealthPolicy policy, @Nullable ErrorType type, boolean clientGone) {
			if (type != null && policy.failureTypes().contains(type) && !clientGone) {
				failed(type.token());
			}
			else {
				released();
			}
		}

		/**
		 * The request ended without an outcome that says anything of the upstream.
		 */
		public void released() {
			if (this.upstream != null && this.reported.compareAndSet(false, true)) {
				this.upstream.released(this);
			}
		}

	}

	private final class TrackedUpstream {

		final UpstreamAddress address;

		final HealthPolicy policy;

		final CircuitBreaker breaker;

		final AtomicInteger consecutiveFailures = new AtomicInteger();

		final AtomicLong ejections = new AtomicLong();

		/**
		 * Counts the breaker's transitions: an admission reports only into the state it
		 * was admitted in.
		 */
		final AtomicLong generation = new AtomicLong();

		volatile String routeId = "";

		volatile @Nullable String lastCause;

		volatile @Nullable String ejectionCause;

		volatile int ejectionsInARow;

		/**
		 * When the breaker lets a probe through, on {@link System#nanoTime()}: set by the
		 * breaker's wait function, before the open state is visible.
		 */
		volatile long triedAgainAt;

		/**
		 * When the probe under way was let through, on {@link System#nanoTime()}; 0 when
		 * none is: the next request is the probe.
		 */
		final AtomicLong probeSince = new AtomicLong();

		volatile boolean forgotten;

		volatile Instant lastEjected = Instant.EPOCH;

		TrackedUpstream(Key key) {
			this.address = key.address;
			this.policy = key.policy;
			IntervalFunction ejectionTime = key.policy.ejectionTimes();
			CircuitBreakerConfig config = CircuitBreakerConfig.custom()
				.slidingWindowType(SlidingWindowType.COUNT_BASED)
				.slidingWindowSize(key.policy.consecutiveFailures())
				.minimumNumberOfCalls(key.policy.consecutiveFailures())
				.failureRateThreshold(100)
				.permittedNumberOfCallsInHalfOpenState(1)
				.waitIntervalFunctionInOpenState((attempt) -> {
					long millis = ejectionTime.apply(attempt);
					this.ejectionsInARow = attempt;
					this.triedAgainAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
					return millis;
				})
				.build();
			this.breaker = CircuitBreaker.of(key.address.toString(), config);
			this.breaker.getEventPublisher().onStateTransition(this::onStateTransition);
		}

		Admission admit(String routeId, boolean beyondCap) {
			if (!routeId.equals(this.routeId)) {
				this.routeId = routeId;
			}
			CircuitBreaker.State state = this.breaker.getState();
			if (state == CircuitBreaker.State.CLOSED) {
				return new Admission(this, 0, this.generation.get(), false);
			}
			long now = System.nanoTime();
			long probe = this.probeSince.get();
			if (state == CircuitBreaker.State.HALF_OPEN && probe != 0
					&& now - probe > this.policy.maxEjectionTime().toNanos()
					&& this.probeSince.compareAndSet(probe, 0)) {
				// the probe has not ended: it counts as failed
				this.breaker.transitionToOpenState();
			}
			if (beyondCap) {
				return new Admission(this, 0, this.generation.get(), true);
			}
			if (this.breaker.getState() == CircuitBreaker.State.OPEN && this.triedAgainAt - now > 0) {
				return new Admission(null, seconds(this.triedAgainAt - now), 0, false);
			}
			if (!this.breaker.tryAcquirePermission()) {
				return new Admission(null, seconds(this.triedAgainAt - System.nanoTime()), 0, false);
			}
			if (this.breaker.getState() == CircuitBreaker.State.HALF_OPEN) {
				this.probeSince.set(now);
			}
			return new Admission(this, 0, this.generation.get(), false);
		}

		/**
		 * Ejected and not yet due for a probe, or with a probe under way that is not
		 * overdue.
		 */
		boolean isLeftOut() {
			CircuitBreaker.State state = this.breaker.getState();
			long now = System.nanoTime();
			long probe = this.probeSince.get();
			return (state == CircuitBreaker.State.OPEN && this.triedAgainAt - now > 0)
					|| (state == CircuitBreaker.State.HALF_OPEN && probe != 0
							&& now - probe <= this.policy.maxEjectionTime().toNanos());
		}

		void succeeded(Admission admission) {
			if (admission.beyondCap) {
				// an answer from an ejected upstream the load balancer had to keep: it is
				// back
				this.consecutiveFailures.set(0);
				if (this.breaker.getState() != CircuitBreaker.State.CLOSED) {
					this.breaker.transitionToClosedState();
				}
				return;
			}
			if (admission.generation != this.generation.get()) {
				return;
			}
			if (this.consecutiveFailures.get() != 0 || this.breaker.getState() != CircuitBreaker.State.CLOSED) {
				// a run of successes after the last recorded one leaves the window as it
				// is,
				// and with a 100 % threshold changes nothing
				this.consecutiveFailures.set(0);
				this.breaker.onSuccess(0, TimeUnit.NANOSECONDS);
			}
		}

		void failed(Admission admission, String cause) {
			if (admission.beyondCap || admission.generation != this.generation.get()) {
				return;
			}
			this.lastCause = cause;
			this.consecutiveFailures.incrementAndGet();
			this.breaker.onError(0, TimeUnit.NANOSECONDS, COUNTED_FAILURE);
		}

		void released(Admission admission) {
			if (!admission.beyondCap && admission.generation == this.generation.get()) {
				// a probe that ended without an outcome: the next request probes
				this.probeSince.set(0);
				this.breaker.releasePermission();
			}
		}

		private void onStateTransition(CircuitBreakerOnStateTransitionEvent event) {
			CircuitBreaker.State from = event.getStateTransition().getFromState();
			CircuitBreaker.State to = event.getStateTransition().getToState();
			this.generation.incrementAndGet();
			if (from == CircuitBreaker.State.HALF_OPEN) {
				this.probeSince.set(0);
			}
			if (!this.forgotten && from == CircuitBreaker.State.CLOSED) {
				UpstreamHealth.this.ejected.incrementAndGet();
			}
			else if (!this.forgotten && to == CircuitBreaker.State.CLOSED) {
				UpstreamHealth.this.ejected.decrementAndGet();
			}
			if (to == CircuitBreaker.State.OPEN) {
				this.lastEjected = Instant.now();
				this.ejections.incrementAndGet();
				String cause = (this.lastCause != null) ? this.lastCause : "unknown";
				this.ejectionCause = cause;
				long millis = TimeUnit.NANOSECONDS.toMillis(Math.max(0, this.triedAgainAt - System.nanoTime()));
				logger.warn("Upstream ejected: route={} upstream={} error={} failures={} for={}s ejections-in-a-row={}",
						LogSanitizer.clean(this.routeId), this.address, cause, this.consecutiveFailures.get(),
						Math.round(millis / 100.0) / 10.0, this.ejectionsInARow);
				countEjection(this.routeId, cause);
			}
			else if (to == CircuitBreaker.State.CLOSED) {
				int after = this.ejectionsInARow;
				this.ejectionsInARow = 0;
				this.consecutiveFailures.set(0);
				logger.info("Upstream restored: route={} upstream={} after {} ejection(s) in a row",
						LogSanitizer.clean(this.routeId), this.address, after);
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
	 * What the breaker records for a counted failure; it never leaves this class.
	 */
	private static final class CountedFailure extends RuntimeException {

		CountedFailure() {
			super("counted upstream failure", null, false, false);
		}

	}

}
