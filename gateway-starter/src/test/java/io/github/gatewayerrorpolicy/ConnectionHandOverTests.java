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

import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.gatewayerrorpolicy.test.GatewayClient;
import io.github.gatewayerrorpolicy.test.PoolGauges;
import io.github.gatewayerrorpolicy.test.TestGateway;
import io.github.gatewayerrorpolicy.upstreams.ScriptedUpstream;
import io.github.gatewayerrorpolicy.upstreams.SelfSignedTls;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A connection whose response was followed by bytes beyond it is closed before the
 * response is passed on, so it is never handed to a request waiting for the pool, not
 * even on the same event loop in the same moment.
 */
@SpringBootTest(classes = TestGateway.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.application.name=test-gateway",
				"spring.cloud.gateway.server.webflux.httpclient.pool.type=fixed",
				"spring.cloud.gateway.server.webflux.httpclient.pool.max-connections=1",
				"spring.cloud.gateway.server.webflux.httpclient.pool.acquire-timeout=10000",
				"spring.cloud.gateway.server.webflux.httpclient.pool.metrics=true",
				"spring.cloud.gateway.server.webflux.httpclient.ssl.use-insecure-trust-manager=true" })
class ConnectionHandOverTests {

	static final HandOver PLAIN = new HandOver(false);

	static final HandOver TLS = new HandOver(true);

	@Autowired
	MeterRegistry registry;

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		TestGateway.route(registry, 0, "plain", PLAIN.upstream.url(), Map.of());
		TestGateway.route(registry, 1, "tls", TLS.upstream.url(), Map.of());
	}

	@Test
	void waitingRequestNeverGetsTheClosedConnection(@LocalServerPort int port) throws Exception {
		waitingRequestNeverGetsTheClosedConnection(port, "plain", PLAIN);
	}

	/**
	 * A TLS connection closes only once its close_notify is written; until then it is
	 * still active, so marking it as not reusable is what keeps it out of the pool.
	 */
	@Test
	void waitingRequestNeverGetsTheClosedTlsConnection(@LocalServerPort int port) throws Exception {
		waitingRequestNeverGetsTheClosedConnection(port, "tls", TLS);
	}

	private void waitingRequestNeverGetsTheClosedConnection(int port, String route, HandOver handOver)
			throws Exception {
		GatewayClient gateway = new GatewayClient(port);
		CompletableFuture<HttpResponse<String>> first = CompletableFuture
			.supplyAsync(() -> send(gateway, "GET", "/" + route + "/first"));
		assertThat(handOver.firstRead.await(10, TimeUnit.SECONDS)).isTrue();
		CompletableFuture<HttpResponse<String>> waiting = CompletableFuture
			.supplyAsync(() -> send(gateway, "POST", "/" + route + "/waiting"));
		await().atMost(Duration.ofSeconds(10))
			.until(() -> PoolGauges.value(this.registry, "reactor.netty.connection.provider.pending.connections",
					handOver.upstream.port()) == 1);

		handOver.answerFirst.release();
		assertThat(first.get(10, TimeUnit.SECONDS).body()).isEqualTo("ok");
		HttpResponse<String> served = waiting.get(10, TimeUnit.SECONDS);
		assertThat(served.statusCode()).isEqualTo(200);
		assertThat(served.body()).isEqualTo("clean");
		assertThat(handOver.cleanRequests).hasValue(1);
		assertThat(handOver.requestsAfterTheExtraBytes).hasValue(0);
		assertThat(handOver.upstream.connections()).isEqualTo(2);
	}

	@AfterAll
	static void forgetPoolGauges() {
		PoolGauges.forget(PLAIN.upstream.port(), TLS.upstream.port());
	}

	private static HttpResponse<String> send(GatewayClient gateway, String method, String path) {
		try {
			return gateway.send(method, path, BodyPublishers.ofString("x"));
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * An upstream whose first connection answers its first request, when told to, with
	 * bytes beyond the response, and counts any request that still arrives on it; every
	 * other connection answers cleanly.
	 */
	static final class HandOver {

		final CountDownLatch firstRead = new CountDownLatch(1);

		final Semaphore answerFirst = new Semaphore(0);

		final AtomicInteger requestsAfterTheExtraBytes = new AtomicInteger();

		final AtomicInteger cleanRequests = new AtomicInteger();

		final ScriptedUpstream upstream;

		HandOver(boolean tls) {
			ScriptedUpstream.Script script = (connection) -> {
				if (connection.index() == 1) {
					connection.readRequest();
					this.firstRead.countDown();
					this.answerFirst.tryAcquire(10, TimeUnit.SECONDS);
					connection.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA");
					while (connection.readRequest() != null) {
						this.requestsAfterTheExtraBytes.incrementAndGet();
					}
					return;
				}
				while (connection.readRequest() != null) {
					this.cleanRequests.incrementAndGet();
					connection.write(ScriptedUpstream.ok("clean"));
				}
			};
			this.upstream = tls ? ScriptedUpstream.startTls(script, SelfSignedTls.serverContext())
					: ScriptedUpstream.start(script);
		}

	}

}
