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

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.github.gatewayerrorpolicy.test.GatewayClient;
import io.github.gatewayerrorpolicy.test.TestGateway;
import io.github.gatewayerrorpolicy.upstreams.ScriptedUpstream.Script;
import io.github.gatewayerrorpolicy.upstreams.ScriptedUpstream;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An upstream that fails after the gateway has begun to send its response: the client
 * must see an aborted transfer, never a response that ends cleanly.
 */
@SpringBootTest(classes = TestGateway.class, webEnvironment = WebEnvironment.RANDOM_PORT)
@ExtendWith(OutputCaptureExtension.class)
class CommittedResponseFailureTests {

	static final String FIRST_PART = "first part";

	static final Semaphore FAIL_NOW = new Semaphore(0);

	static final ScriptedUpstream OK = ScriptedUpstream.start(ScriptedUpstream.answering(ScriptedUpstream.ok("hello")));

	static final ScriptedUpstream LENGTH_THEN_CLOSE = ScriptedUpstream.start(failingAfter(
			"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n" + FIRST_PART, false));

	static final ScriptedUpstream LENGTH_THEN_RESET = ScriptedUpstream.start(failingAfter(
			"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n" + FIRST_PART, true));

	static final ScriptedUpstream CHUNKED_THEN_CLOSE = ScriptedUpstream
		.start(failingAfter("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\na\r\n"
				+ FIRST_PART + "\r\n", false));

	/**
	 * Sends the head and the first part and closes at once: the gateway reads the part
	 * and the end of the connection together.
	 */
	static final ScriptedUpstream LENGTH_AND_CLOSE_AT_ONCE = ScriptedUpstream.start((connection) -> {
		connection.readRequest();
		connection.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n" + FIRST_PART);
	});

	static final ScriptedUpstream CHUNKED_THEN_GARBAGE = ScriptedUpstream.start((connection) -> {
		connection.readRequest();
		connection.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\na\r\n"
				+ FIRST_PART + "\r\n");
		FAIL_NOW.tryAcquire(10, TimeUnit.SECONDS);
		connection.write("zz\r\nnot a chunk\r\n0\r\n\r\n");
		connection.awaitClosedByPeer();
	});

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		TestGateway.route(registry, 0, "ok", OK.url(), Map.of());
		TestGateway.route(registry, 1, "length-close", LENGTH_THEN_CLOSE.url(), Map.of());
		TestGateway.route(registry, 2, "length-reset", LENGTH_THEN_RESET.url(), Map.of());
		TestGateway.route(registry, 3, "chunked-close", CHUNKED_THEN_CLOSE.url(), Map.of());
		TestGateway.route(registry, 4, "chunked-garbage", CHUNKED_THEN_GARBAGE.url(), Map.of());
		TestGateway.route(registry, 5, "at-once", LENGTH_AND_CLOSE_AT_ONCE.url(), Map.of());
	}

	static Script failingAfter(String firstBytes, boolean reset) {
		return (connection) -> {
			connection.readRequest();
			connection.write(firstBytes);
			FAIL_NOW.tryAcquire(10, TimeUnit.SECONDS);
			if (reset) {
				connection.reset();
			}
		};
	}

	@Test
	void contentLengthResponseCutOffByCloseIsAborted(CapturedOutput output) throws Exception {
		String received = exchangeUntilAborted("/length-close/a");
		assertThat(received).startsWith("HTTP/1.1 200 OK\r\n").containsIgnoringCase("content-length: 100\r\n");
		assertThat(body(received)).isEqualTo(FIRST_PART);
		assertThat(output)
			.containsPattern("(?m) WARN .* Upstream failure: route=length-close error=http_response_incomplete "
					+ "status=200 outcome=aborted request=[0-9a-f]+-[0-9]+ attempts=1 trace=[0-9a-f]{32}$");
		assertFollowUpSucceeds();
	}

	@Test
	void contentLengthResponseCutOffByResetIsAborted(CapturedOutput output) throws Exception {
		String received = exchangeUntilAborted("/length-reset/a");
		assertThat(body(received)).isEqualTo(FIRST_PART);
		assertThat(output)
			.containsPattern("(?m) WARN .* Upstream failure: route=length-reset error=http_response_incomplete "
					+ "status=200 outcome=aborted request=[0-9a-f]+-[0-9]+ attempts=1 trace=[0-9a-f]{32}$");
		assertFollowUpSucceeds();
	}

	/**
	 * What the gateway received before the failure reaches the client, even when the end
	 * of the connection arrives with it, before the gateway has begun to write the body:
	 * the first buffer must not be overtaken by the error.
	 */
	@RepeatedTest(20)
	void bytesReceivedWithTheEndOfTheConnectionAreStillForwarded() throws Exception {
		String received = new GatewayClient(this.port)
			.exchangeUntilClosed("GET /at-once/a HTTP/1.1\r\nHost: gateway\r\n\r\n");
		assertThat(received).startsWith("HTTP/1.1 200 OK\r\n").containsIgnoringCase("content-length: 100\r\n");
		assertThat(body(received)).isEqualTo(FIRST_PART);
	}

	@Test
	void chunkedResponseCutOffHasNoLastChunk(CapturedOutput output) throws Exception {
		String received = exchangeUntilAborted("/chunked-close/a");
		assertThat(received).containsIgnoringCase("transfer-encoding: chunked\r\n");
		assertThat(body(received)).contains(FIRST_PART).doesNotContain("\r\n0\r\n");
		assertThat(output)
			.containsPattern("(?m) WARN .* Upstream failure: route=chunked-close error=http_response_incomplete "
					+ "status=200 outcome=aborted request=[0-9a-f]+-[0-9]+ attempts=1 trace=[0-9a-f]{32}$");
		assertThat(output).doesNotContain("\tat ").doesNotContain("Error finishing response");
		assertFollowUpSucceeds();
	}

	@Test
	void malformedChunkSizeAfterTheResponseBeganIsAborted(CapturedOutput output) throws Exception {
		String received = exchangeUntilAborted("/chunked-garbage/a");
		assertThat(body(received)).contains(FIRST_PART).doesNotContain("not a chunk").doesNotContain("\r\n0\r\n");
		assertThat(output)
			.containsPattern("(?m) WARN .* Upstream failure: route=chunked-garbage error=http_protocol_error "
					+ "status=200 outcome=aborted request=[0-9a-f]+-[0-9]+ attempts=1 trace=[0-9a-f]{32}$");
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(CHUNKED_THEN_GARBAGE.closedByGateway())
				.isEqualTo(CHUNKED_THEN_GARBAGE.connections()));
		assertFollowUpSucceeds();
	}

	/**
	 * Send a request, wait for the first part of the body, let the upstream fail, then
	 * read until the gateway ends the connection; fail if it keeps it open.
	 */
	private String exchangeUntilAborted(String path) throws IOException {
		AtomicBoolean released = new AtomicBoolean();
		String received = new GatewayClient(this.port)
			.exchangeUntilClosed("GET " + path + " HTTP/1.1\r\nHost: gateway\r\n\r\n", (soFar) -> {
				if (soFar.contains(FIRST_PART) && released.compareAndSet(false, true)) {
					FAIL_NOW.release();
				}
			});
		assertThat(released).as("first part received").isTrue();
		return received;
	}

	private static String body(String response) {
		return response.substring(response.indexOf("\r\n\r\n") + 4);
	}

	private void assertFollowUpSucceeds() throws IOException {
		String response = new GatewayClient(this.port)
			.exchangeUntilClosed("GET /ok/a HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n");
		assertThat(response).startsWith("HTTP/1.1 200 OK").endsWith("\r\n\r\nhello");
	}

}
