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

package io.github.gatewayerrorpolicy;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import io.github.gatewayerrorpolicy.test.ErrorPathAssertions;
import io.github.gatewayerrorpolicy.test.GatewayClient;
import io.github.gatewayerrorpolicy.test.TestGateway;
import io.github.gatewayerrorpolicy.upstreams.ScriptedUpstream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A slow upstream holds every connection of a fixed pool: the next request waits at most
 * the pool's acquire timeout, then gets 503 {@code connection_limit_reached}, while other
 * upstreams, with pools of their own, go on answering.
 */
@SpringBootTest(classes = TestGateway.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.application.name=test-gateway",
				"spring.cloud.gateway.server.webflux.httpclient.pool.type=fixed",
				"spring.cloud.gateway.server.webflux.httpclient.pool.max-connections=1",
				"spring.cloud.gateway.server.webflux.httpclient.pool.acquire-timeout=200" })
class PoolExhaustionTests {

	static final Semaphore ANSWER = new Semaphore(0);

	static final ScriptedUpstream OK = ScriptedUpstream.start(ScriptedUpstream.answering(ScriptedUpstream.ok("hello")));

	static final ScriptedUpstream SLOW = ScriptedUpstream.start((connection) -> {
		while (connection.readRequest() != null) {
			ANSWER.tryAcquire(10, TimeUnit.SECONDS);
			connection.write(ScriptedUpstream.ok("slow"));
		}
	});

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		TestGateway.route(registry, 0, "ok", OK.url(), Map.of());
		TestGateway.route(registry, 1, "slow", SLOW.url(), Map.of());
	}

	@Test
	void requestBeyondTheFullPoolIsRefusedAfterTheAcquireTimeout(@LocalServerPort int port) throws Exception {
		GatewayClient gateway = new GatewayClient(port);
		int before = SLOW.connections();
		CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> get(gateway, "/slow/1"));
		await().atMost(Duration.ofSeconds(10)).until(() -> SLOW.connections() == before + 1);

		long start = System.nanoTime();
		HttpResponse<String> second = gateway.get("/slow/2", "application/problem+json");
		Duration waited = Duration.ofNanos(System.nanoTime() - start);
		assertThat(second.statusCode()).isEqualTo(503);
		assertThat(second.headers().allValues("Proxy-Status"))
			.containsExactly("test-gateway; error=connection_limit_reached");
		assertThat(waited).as("waited about the acquire timeout, not for the slow upstream")
			.isBetween(Duration.ofMillis(200), Duration.ofSeconds(5));
		ErrorPathAssertions.assertNothingLeaks(second, SLOW.port(), OK.port());

		HttpResponse<String> other = gateway.get("/ok/a", null);
		assertThat(other.statusCode()).as("another upstream has a pool of its own").isEqualTo(200);

		ANSWER.release();
		assertThat(first.get(10, TimeUnit.SECONDS).body()).isEqualTo("slow");
		ANSWER.release();
		HttpResponse<String> again = gateway.get("/slow/3", null);
		assertThat(again.statusCode()).isEqualTo(200);
		assertThat(SLOW.connections()).as("the one pooled connection served every request").isEqualTo(before + 1);
	}

	/**
	 * The same pool, with a long acquire timeout and at most one request waiting: a
	 * request beyond it is refused at once.
	 */
	@Nested
	@SpringBootTest(classes = TestGateway.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { "spring.application.name=test-gateway",
					"spring.cloud.gateway.server.webflux.httpclient.pool.type=fixed",
					"spring.cloud.gateway.server.webflux.httpclient.pool.max-connections=1",
					"spring.cloud.gateway.server.webflux.httpclient.pool.acquire-timeout=20000",
					"gateway.error-policy.pool.max-pending=1" })
	class BoundedQueue {

		@Test
		@SuppressWarnings("unchecked")
		void requestBeyondTheWaitingLimitIsRefusedAtOnce(@LocalServerPort int port) throws Exception {
			GatewayClient gateway = new GatewayClient(port);
			int before = SLOW.connections();
			CompletableFuture<HttpResponse<String>> first = CompletableFuture
				.supplyAsync(() -> get(gateway, "/slow/1"));
			await().atMost(Duration.ofSeconds(10)).until(() -> SLOW.connections() == before + 1);

			long start = System.nanoTime();
			CompletableFuture<HttpResponse<String>> second = CompletableFuture
				.supplyAsync(() -> get(gateway, "/slow/2"));
			CompletableFuture<HttpResponse<String>> third = CompletableFuture
				.supplyAsync(() -> get(gateway, "/slow/3"));
			HttpResponse<String> refused = (HttpResponse<String>) CompletableFuture.anyOf(second, third)
				.get(10, TimeUnit.SECONDS);
			Duration waited = Duration.ofNanos(System.nanoTime() - start);
			assertThat(refused.statusCode()).as("one of the two may wait, the other is refused").isEqualTo(503);
			assertThat(refused.headers().allValues("Proxy-Status"))
				.containsExactly("test-gateway; error=connection_limit_reached");
			assertThat(waited).as("refused at once, not after the 20 s acquire timeout")
				.isLessThan(Duration.ofSeconds(5));
			ErrorPathAssertions.assertNothingLeaks(refused, SLOW.port(), OK.port());

			ANSWER.release(2);
			assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
			CompletableFuture<HttpResponse<String>> waiting = (refused == second.getNow(null)) ? third : second;
			assertThat(waiting.get(10, TimeUnit.SECONDS).body()).as("the waiting request was served").isEqualTo("slow");
		}

	}

	private static HttpResponse<String> get(GatewayClient gateway, String path) {
		try {
			return gateway.get(path, null);
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

}
