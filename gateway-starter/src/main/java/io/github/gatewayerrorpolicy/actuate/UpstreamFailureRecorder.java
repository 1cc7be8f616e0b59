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

package io.github.gatewayerrorpolicy.actuate;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

import io.github.gatewayerrorpolicy.observe.UpstreamFailureEvent;
import io.github.gatewayerrorpolicy.observe.UpstreamFailureListener;
import io.github.gatewayerrorpolicy.policy.PerRouteState;
import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;

/**
 * Keeps what the {@link GatewayErrorsEndpoint} shows: totals per route, error type and
 * outcome, and the most recent failures in a ring buffer of fixed size. Memory is bounded
 * whatever the load: the totals by the number of routes, error types and outcomes, the
 * buffer by its size. Only the fields of {@link RecentFailure} are kept: nothing from the
 * request beyond its method and id, and no exception.
 */
public class UpstreamFailureRecorder implements UpstreamFailureListener, PerRouteState {

	private static final String NO_ROUTE = "none";

	private final Map<TotalKey, LongAdder> totals = new ConcurrentHashMap<>();

	private final AtomicReferenceArray<Recorded> recent;

	private final AtomicLong recorded = new AtomicLong();

	/**
	 * Create a recorder.
	 * @param capacity how many recent failures to keep
	 */
	public UpstreamFailureRecorder(int capacity) {
		Assert.isTrue(capacity >= 0, "'capacity' must not be negative");
		this.recent = new AtomicReferenceArray<>(capacity);
	}

	@Override
	public void onUpstreamFailure(UpstreamFailureEvent event, ServerWebExchange exchange) {
		String route = (event.routeId() != null) ? event.routeId() : NO_ROUTE;
		String error = (event.type() != null) ? event.type().token() : "none";
		this.totals.computeIfAbsent(new TotalKey(route, error, event.outcome().tag()), (key) -> new LongAdder())
			.increment();
		long sequence = this.recorded.getAndIncrement();
		if (this.recent.length() > 0) {
			store(sequence, new RecentFailure(event.time(), route, event.method(), error, event.status(),
					event.outcome().tag(), event.requestId(), event.traceId(), event.attempts(), event.protocol()));
		}
	}

	/**
	 * Put a failure in its slot of the ring buffer, unless a newer one is there already:
	 * two threads whose failures share a slot may store them in either order.
	 * @param sequence the number of the failure, counting from 0
	 * @param failure the failure
	 */
	void store(long sequence, RecentFailure failure) {
		int slot = (int) (sequence % this.recent.length());
		Recorded mine = new Recorded(sequence, failure);
		Recorded current = this.recent.get(slot);
		while (current == null || current.sequence() < sequence) {
			if (this.recent.compareAndSet(slot, current, mine)) {
				return;
			}
			current = this.recent.get(slot);
		}
	}

	@Override
	public void retainRoutes(Set<String> routeIds) {
		this.totals.keySet().removeIf((key) -> !NO_ROUTE.equals(key.route()) && !routeIds.contains(key.route()));
	}

	/**
	 * Return the totals, by route, error type and outcome.
	 * @return the totals, sorted
	 */
	public List<Total> totals() {
		List<Total> totals = new ArrayList<>();
		this.totals
			.forEach((key, count) -> totals.add(new Total(key.route(), key.error(), key.outcome(), count.sum())));
		totals.sort(Comparator.comparing(Total::route).thenComparing(Total::error).thenComparing(Total::outcome));
		return totals;
	}

	/**
	 * Return the most recent failures, newest first.
	 * @return at most the capacity of failures
	 */
	public List<RecentFailure> recent() {
		List<Recorded> recorded = new ArrayList<>(this.recent.length());
		for (int i = 0; i < this.recent.length(); i++) {
			Recorded failure = this.recent.get(i);
			if (failure != null) {
				recorded.add(failure);
			}
		}
		recorded.sort(Comparator.comparingLong(Recorded::sequence).reversed());
		return recorded.stream().map(Recorded::failure).toList();
	}

	/**
	 * Return how many failures were recorded since start-up.
	 * @return the count
	 */
	public long count() {
		return this.recorded.get();
	}

	private record TotalKey(String route, String error, String outcome) {

	}

	private record Recorded(long sequence, RecentFailure failure) {

	}

	/**
	 * How many failures of one kind a route had.
	 *
	 * @param route the route id, or {@code none}
	 * @param error the RFC 9209 error type, or {@code none} for an upstream 5xx response
	 * @param outcome what the gateway did
	 * @param count how many times
	 */
	public record Total(String route, String error, String outcome, long count) {

	}

	/**
	 * One recent failure.
	 *
	 * @param time when it was answered
	 * @param route the route id, or {@code none}
	 * @param method the request method
	 * @param error the RFC 9209 error type, or {@code none}
	 * @param status the status the client got
	 * @param outcome what the gateway did
	 * @param requestId the id of the request
	 * @param traceId the trace id, where tracing is on
	 * @param attempts how many attempts were made
	 * @param protocol how the client was answered: {@code http}, {@code grpc} or
	 * {@code websocket}
	 */
	public record RecentFailure(Instant time, String route, String method, String error, int status, String outcome,
			String requestId, @Nullable String traceId, int attempts, String protocol) {

	}

}
