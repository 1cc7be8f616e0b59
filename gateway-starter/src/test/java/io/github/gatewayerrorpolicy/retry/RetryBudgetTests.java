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
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.gatewayerrorpolicy.test.TestGateway;
import io.github.gatewayerrorpolicy.upstreams.ScriptedUpstream;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The retry budget under a total outage: every upstream attempt fails, and 32 clients
 * keep sending. With the default budget (20 % of the requests in flight, at least 3)
 * retries add at most a quarter to the load on the upstream; without a budget every
 * request would be sent twice. Upstream health is off, so that the upstream is never
 * ejected and every request reaches it.
 */
@SpringBootTest(classes = TestGateway.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "gateway.error-policy.health.enabled=false")
class RetryBudgetTests {

	static final int CLIENTS = 32;

	static final ScriptedUpstream DOWN = ScriptedUpstream.start(ScriptedUpstream.closing());

	static final ScriptedUpstream DOWN_UNBOUNDED = ScriptedUpstream.start(ScriptedUpstream.closing());

	@LocalServerPort
	int port;

	@Autowired
	RetryBudget budget;

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		TestGateway.route(registry, 0, "down", DOWN.url(), Map.of());
		TestGateway.route(registry, 1, "unbounded", DOWN_UNBOUNDED.url(), Map.of("error-policy.retry.budget.percent",
				"100", "error-policy.retry.budget.min-concurrency", "1000"));
	}

	@Test
	void retriesAddAtMostAQuarterToTheLoadOfAnUpstreamThatIsDown() throws Exception {
		int requests = load("/down/a", Duration.ofSeconds(10));
		double amplification = (double) DOWN.connections() / requests;
		assertThat(requests).isGreaterThan(1000);
		assertThat(amplification).as("upstream attempts per client request").isBetween(1.0, 1.25);
		assertThat(this.budget.retriesInFlight("down")).as("every place in the budget was given back").isZero();
	}

	@Test
	void withoutABudgetEveryRequestWouldBeSentTwice() throws Exception {
		int requests = load("/unbounded/a", Duration.ofSeconds(3));
		double amplification = (double) DOWN_UNBOUNDED.connections() / requests;
		assertThat(requests).isGreaterThan(300);
		assertThat(amplification).as("upstream attempts per client request").isGreaterThan(1.9);
		assertThat(this.budget.retriesInFlight("unbounded")).isZero();
	}

	/**
	 * Send GET requests from {@link #CLIENTS} clients at once for a while.
	 * @return how many got an answer
	 */
	private int load(String path, Duration duration) throws Exception {
		HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
			.timeout(Duration.ofSeconds(10))
			.build();
		AtomicInteger answered = new AtomicInteger();
		long end = System.nanoTime() + duration.toNanos();
		ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
		try {
			List<Future<?>> running = new ArrayList<>();
			for (int i = 0; i < CLIENTS; i++) {
				running.add(clients.submit(() -> {
					while (System.nanoTime() < end) {
						assertThat(client.send(request, BodyHandlers.discarding()).statusCode()).isEqualTo(502);
						answered.incrementAndGet();
					}
					return null;
				}));
			}
			for (Future<?> future : running) {
				future.get();
			}
		}
		finally {
			clients.shutdownNow();
		}
		return answered.get();
	}

}
