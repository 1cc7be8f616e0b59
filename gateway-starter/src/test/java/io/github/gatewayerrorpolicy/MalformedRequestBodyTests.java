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

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.github.gatewayerrorpolicy.actuate.UpstreamFailureRecorder;
import io.github.gatewayerrorpolicy.actuate.UpstreamFailureRecorder.Total;
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
import static org.awaitility.Awaitility.await;

/**
 * A client request whose chunked body cannot be decoded is answered 400 by the server;
 * the upstream, which already has the head and the first chunk, must never get a complete
 * request it could act on: its connection is closed without the last chunk.
 */
@SpringBootTest(classes = TestGateway.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "management.endpoints.web.exposure.include=gatewayerrors")
class MalformedRequestBodyTests {

	static final CountDownLatch HEAD_RECEIVED = new CountDownLatch(1);

	static final CompletableFuture<String> BODY_RECEIVED = new CompletableFuture<>();

	/**
	 * Reads a request head, then records every byte that follows until the gateway closes
	 * the connection, or until the last chunk arrives.
	 */
	static final ScriptedUpstream RECORDING = ScriptedUpstream.start((connection) -> {
		connection.readHead();
		HEAD_RECEIVED.countDown();
		BODY_RECEIVED.complete(connection.readUntilClosedOr("0\r\n\r\n"));
	});

	@Autowired
	UpstreamFailureRecorder recorder;

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		TestGateway.route(registry, 0, "recording", RECORDING.url(), Map.of());
	}

	@Test
	void upstreamNeverGetsACompleteRequest() throws Exception {
		String response;
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), this.port)) {
			socket.setSoTimeout(10_000);
			write(socket, "POST /recording/a HTTP/1.1\r\nHost: gateway\r\nTransfer-Encoding: chunked\r\n"
					+ "Content-Type: text/plain\r\n\r\n5\r\nhello\r\n");
			assertThat(HEAD_RECEIVED.await(10, TimeUnit.SECONDS)).as("the upstream has the head").isTrue();
			write(socket, "ZZ\r\nmore\r\n0\r\n\r\n");
			response = readUntilClosed(socket.getInputStream());
		}
		assertThat(response).startsWith("HTTP/1.1 400 ");
		String body = BODY_RECEIVED.get(10, TimeUnit.SECONDS);
		assertThat(body).as("what the upstream got after the head, before the gateway closed")
			.doesNotContain("0\r\n\r\n")
			.doesNotContain("more");
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(this.recorder.totals())
				.contains(new Total("recording", "http_request_error", "aborted", 1)));
	}

	private static void write(Socket socket, String bytes) throws Exception {
		socket.getOutputStream().write(bytes.getBytes(StandardCharsets.ISO_8859_1));
		socket.getOutputStream().flush();
	}

	private static String readUntilClosed(InputStream in) throws Exception {
		ByteArrayOutputStream received = new ByteArrayOutputStream();
		in.transferTo(received);
		return received.toString(StandardCharsets.ISO_8859_1);
	}

}
