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

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.github.gatewayerrorpolicy.actuate.UpstreamFailureRecorder.RecentFailure;
import io.github.gatewayerrorpolicy.actuate.UpstreamFailureRecorder.Total;
import io.github.gatewayerrorpolicy.classify.ErrorType;
import io.github.gatewayerrorpolicy.observe.Outcome;
import io.github.gatewayerrorpolicy.observe.UpstreamFailureEvent;
import org.junit.jupiter.api.Test;

import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link UpstreamFailureRecorder}.
 */
class UpstreamFailureRecorderTests {

	private final MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/"));

	@Test
	void staysBoundedUnderAHundredThousandFailures() {
		UpstreamFailureRecorder recorder = new UpstreamFailureRecorder(100);
		Instant start = Instant.parse("2026-11-23T00:00:00Z");
		for (int i = 0; i < 100_000; i++) {
			recorder.onUpstreamFailure(
					event(start.plusMillis(i), "route-" + (i % 3),
							(i % 2 == 0) ? ErrorType.CONNECTION_REFUSED : ErrorType.HTTP_RESPONSE_TIMEOUT, i),
					this.exchange);
		}
		assertThat(recorder.count()).isEqualTo(100_000);
		assertThat(recorder.recent()).hasSize(100);
		assertThat(recorder.recent().get(0).requestId()).isEqualTo("req-99999");
		assertThat(recorder.recent().get(99).requestId()).isEqualTo("req-99900");
		assertThat(recorder.totals()).hasSize(6);
		assertThat(recorder.totals().stream().mapToLong(Total::count).sum()).isEqualTo(100_000);
		assertThat(recorder.totals().get(0)).isEqualTo(new Total("route-0", "connection_refused", "responded", 16_667));
	}

	@Test
	void concurrentWritersLoseNothingAndKeepTheBound() throws InterruptedException {
		UpstreamFailureRecorder recorder = new UpstreamFailureRecorder(50);
		ExecutorService writers = Executors.newFixedThreadPool(4);
		Instant now = Instant.now();
		for (int writer = 0; writer < 4; writer++) {
			int offset = writer * 25_000;
			writers.execute(() -> {
				for (int i = 0; i < 25_000; i++) {
					recorder.onUpstreamFailure(event(now, "orders", ErrorType.CONNECTION_REFUSED, offset + i),
							this.exchange);
				}
			});
		}
		writers.shutdown();
		assertThat(writers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
		assertThat(recorder.count()).isEqualTo(100_000);
		assertThat(recorder.totals()).singleElement().extracting(Total::count).isEqualTo(100_000L);
		assertThat(recorder.recent()).hasSize(50);
	}

	@Test
	void keepsNothingButTheSafeFields() {
		UpstreamFailureRecorder recorder = new UpstreamFailureRecorder(1);
		recorder.onUpstreamFailure(new UpstreamFailureEvent(Instant.EPOCH, null, "POST", null, 503,
				Outcome.PASSED_THROUGH, "req-1", null, Duration.ZERO, 1, new IllegalStateException("secret")),
				this.exchange);
		assertThat(recorder.recent()).containsExactly(new RecentFailure(Instant.EPOCH, "none", "POST", "none", 503,
				"passed-through", "req-1", null, 1, "http"));
		assertThat(new UpstreamFailureRecorder(0).recent()).isEmpty();
	}

	@Test
	void anOlderFailureNeverReplacesANewerOneInItsSlot() {
		UpstreamFailureRecorder recorder = new UpstreamFailureRecorder(2);
		RecentFailure older = new RecentFailure(Instant.EPOCH, "orders", "GET", "connection_refused", 502, "responded",
				"req-older", null, 1, "http");
		RecentFailure newer = new RecentFailure(Instant.EPOCH, "orders", "GET", "connection_refused", 502, "responded",
				"req-newer", null, 1, "http");
		RecentFailure other = new RecentFailure(Instant.EPOCH, "orders", "GET", "connection_refused", 502, "responded",
				"req-other", null, 1, "http");
		recorder.store(3, newer);
		recorder.store(1, older);
		recorder.store(2, other);
		assertThat(recorder.recent()).containsExactly(newer, other);
	}

	@Test
	void totalsOfRoutesThatWentAwayAreDropped() {
		UpstreamFailureRecorder recorder = new UpstreamFailureRecorder(10);
		recorder.onUpstreamFailure(event(Instant.EPOCH, "kept", ErrorType.CONNECTION_REFUSED, 1), this.exchange);
		recorder.onUpstreamFailure(event(Instant.EPOCH, "removed", ErrorType.CONNECTION_REFUSED, 2), this.exchange);
		recorder.onUpstreamFailure(new UpstreamFailureEvent(Instant.EPOCH, null, "GET",
				ErrorType.DESTINATION_UNAVAILABLE, 503, Outcome.RESPONDED, "req-3", null, Duration.ZERO, 1, null),
				this.exchange);
		recorder.retainRoutes(Set.of("kept"));
		assertThat(recorder.totals()).extracting(Total::route).containsExactly("kept", "none");
		assertThat(recorder.recent()).as("recent failures stay, bounded by the buffer").hasSize(3);
		assertThat(recorder.count()).isEqualTo(3);
	}

	private static UpstreamFailureEvent event(Instant time, String route, ErrorType type, int id) {
		return new UpstreamFailureEvent(time, route, "GET", type, type.defaultStatus().value(), Outcome.RESPONDED,
				"req-" + id, null, Duration.ofMillis(3), 1, null);
	}

}
