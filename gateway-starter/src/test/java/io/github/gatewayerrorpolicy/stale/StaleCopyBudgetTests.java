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

package io.github.gatewayerrorpolicy.stale;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.github.gatewayerrorpolicy.test.GatewayClient;
import io.github.gatewayerrorpolicy.test.TestGateway;
import io.github.gatewayerrorpolicy.upstreams.ScriptedUpstream;
import io.micrometer.core.instrument.MeterRegistry;
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
 * The copies of bodies being kept are held within one budget, {@code max-total-size}: a
 * body that does not fit is passed to its client whole and not kept, and every copy gives
 * its bytes back however its body ends (kept, dropped, or cancelled by a client that went
 * away).
 */
@SpringBootTest(classes = TestGateway.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "gateway.error-policy.retry.enabled=false", "gateway.error-policy.health.enabled=false",
				"gateway.error-policy.stale-if-error.max-total-size=" + StaleCopyBudgetTests.BUDGET + "B" })
class StaleCopyBudgetTests {

	static final int BUDGET = 48 * 1024;

	/**
	 * The length of each body: two fit in the budget, a third does not.
	 */
	static final int SIZE = 20_000;

	static final int FIRST_PART = 1_000;

	static final Map<String, CountDownLatch> HELD = new ConcurrentHashMap<>();

	static final Set<String> DOWN = ConcurrentHashMap.newKeySet();

	/**
	 * Answers a path with a kept-for-stale body of {@link #SIZE} bytes, its first part at
	 * once and the rest when the path's latch, if any, is opened; a path that is down is
	 * closed without an answer.
	 */
	static final ScriptedUpstream UPSTREAM = ScriptedUpstream.start((connection) -> {
		String request;
		while ((request = connection.readRequest()) != null) {
			String path = request.split(" ")[1];
			if (DOWN.contains(path)) {
				return;
			}
			String body = body(path);
			connection.write("HTTP/1.1 200 OK\r\nCache-Control: max-age=0, stale-if-error=60\r\nContent-Length: " + SIZE
					+ "\r\n\r\n" + body.substring(0, FIRST_PART));
			CountDownLatch held = HELD.get(path);
			if (held != null) {
				// longer than the test waits for anything: a body ends only when the test
				// says
				held.await(30, TimeUnit.SECONDS);
			}
			connection.write(body.substring(FIRST_PART));
		}
	});

	@LocalServerPort
	int port;

	@Autowired
	StaleResponses stale;

	@Autowired
	MeterRegistry registry;

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		TestGateway.route(registry, 0, "origin", UPSTREAM.url(), Map.of());
	}

	@Test
	void aBodyThatDoesNotFitTheBudgetIsPassedWholeAndNotKept() throws Exception {
		HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
		double skippedBefore = skippedForNoRoom();
		CountDownLatch held = new CountDownLatch(1);
		for (String path : new String[] { "/origin/a", "/origin/b", "/origin/c" }) {
			HELD.put(path, held);
		}
		// the gateway copies each body from its first bytes: a, then b, then c, at once
		HttpResponse<InputStream> a = client.send(request("/origin/a"), HttpResponse.BodyHandlers.ofInputStream());
		HttpResponse<InputStream> b = client.send(request("/origin/b"), HttpResponse.BodyHandlers.ofInputStream());
		HttpResponse<InputStream> c = client.send(request("/origin/c"), HttpResponse.BodyHandlers.ofInputStream());
		assertThat(this.stale.copyBudgetLeft()).as("a and b hold their bodies' lengths; c holds nothing")
			.isEqualTo(BUDGET - 2L * SIZE);
		held.countDown();
		for (HttpResponse<InputStream> response : List.of(a, b, c)) {
			assertThat(response.statusCode()).isEqualTo(200);
			try (InputStream body = response.body()) {
				assertThat(new String(body.readAllBytes(), StandardCharsets.ISO_8859_1))
					.as("every client gets its whole body")
					.isEqualTo(body(response.request().uri().getPath()));
			}
		}
		// given back as each body ends, beside its last bytes to the client
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			assertThat(this.stale.copyBudgetLeft()).as("all given back").isEqualTo(BUDGET);
			assertThat(skippedForNoRoom() - skippedBefore).as("c, not kept, is counted").isEqualTo(1);
		});

		GatewayClient gateway = new GatewayClient(this.port);
		DOWN.add("/origin/a");
		DOWN.add("/origin/c");
		HttpResponse<String> stale = gateway.get("/origin/a", "*/*");
		assertThat(stale.statusCode()).isEqualTo(200);
		assertThat(stale.body()).isEqualTo(body("/origin/a"));
		assertThat(stale.headers().firstValue("Cache-Status"))
			.hasValueSatisfying((value) -> assertThat(value).contains("fwd=stale"));
		assertThat(gateway.get("/origin/c", "*/*").statusCode()).as("c was not kept").isEqualTo(502);
	}

	@Test
	void aClientThatGoesAwayGivesItsCopyBack() throws Exception {
		CountDownLatch held = new CountDownLatch(1);
		HELD.put("/origin/gone", held);
		try (Socket socket = new Socket("127.0.0.1", this.port)) {
			OutputStream out = socket.getOutputStream();
			out.write(("GET /origin/gone HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
			out.flush();
			InputStream in = socket.getInputStream();
			byte[] some = new byte[512];
			assertThat(in.read(some)).as("the answer has begun").isPositive();
			assertThat(this.stale.copyBudgetLeft()).isEqualTo(BUDGET - SIZE);
		}
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(this.stale.copyBudgetLeft()).as("given back on cancel").isEqualTo(BUDGET));
		held.countDown();
		DOWN.add("/origin/gone");
		assertThat(new GatewayClient(this.port).get("/origin/gone", "*/*").statusCode())
			.as("a body cut short is not kept")
			.isEqualTo(502);
	}

	private HttpRequest request(String path) {
		return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
			.timeout(Duration.ofSeconds(10))
			.build();
	}

	private double skippedForNoRoom() {
		return this.registry.get("gateway.upstream.stale.skipped").tag("reason", "no-room").functionCounter().count();
	}

	private static String body(String path) {
		StringBuilder body = new StringBuilder(SIZE);
		while (body.length() < SIZE) {
			body.append(path).append(' ');
		}
		return body.substring(0, SIZE);
	}

}
