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
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import io.github.gatewayerrorpolicy.test.ErrorPathAssertions;
import io.github.gatewayerrorpolicy.test.GatewayClient;
import io.github.gatewayerrorpolicy.test.TestGateway;
import io.github.gatewayerrorpolicy.upstreams.ScriptedUpstream;
import org.junit.jupiter.api.BeforeEach;
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
 * Upstreams that stop sending, with {@code gateway.error-policy.read-timeout} set: before
 * the head, while the gateway's answer has not begun, and in the middle of a body.
 */
@SpringBootTest(classes = TestGateway.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.application.name=test-gateway", "gateway.error-policy.read-timeout=300ms" })
@ExtendWith(OutputCaptureExtension.class)
class ReadTimeoutTests {

	static final ScriptedUpstream OK = ScriptedUpstream.start(ScriptedUpstream.answering(ScriptedUpstream.ok("hello")));

	static final ScriptedUpstream SILENT = ScriptedUpstream.start(ScriptedUpstream.silent());

	static final ScriptedUpstream HEAD_THEN_STALL = ScriptedUpstream.start(ScriptedUpstream
		.writingThenAwaitingClose("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n"));

	static final ScriptedUpstream TRICKLE_THEN_STALL = ScriptedUpstream.start(ScriptedUpstream.writingThenAwaitingClose(
			"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nfirst part"));

	GatewayClient gateway;

	@BeforeEach
	void connect(@LocalServerPort int port) {
		this.gateway = new GatewayClient(port);
	}

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		TestGateway.route(registry, 0, "ok", OK.url(), Map.of());
		TestGateway.route(registry, 1, "silent", SILENT.url(), Map.of());
		TestGateway.route(registry, 2, "head-stall", HEAD_THEN_STALL.url(), Map.of());
		TestGateway.route(registry, 3, "trickle-stall", TRICKLE_THEN_STALL.url(), Map.of());
	}

	@Test
	void noHeadInTimeIsAResponseTimeout() throws Exception {
		HttpResponse<String> response = this.gateway.get("/silent/a", "application/problem+json");
		assertThat(response.statusCode()).isEqualTo(504);
		assertThat(response.headers().allValues("Proxy-Status"))
			.containsExactly("test-gateway; error=http_response_timeout");
		ErrorPathAssertions.assertNothingLeaks(response, SILENT.port());
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(SILENT.closedByGateway()).isEqualTo(SILENT.connections()));
		assertFollowUpSucceeds();
	}

	@Test
	void stallBeforeTheFirstBodyByteIsAReadTimeout() throws Exception {
		HttpResponse<String> response = this.gateway.get("/head-stall/a", "application/problem+json");
		assertThat(response.statusCode()).isEqualTo(504);
		assertThat(response.headers().allValues("Proxy-Status"))
			.containsExactly("test-gateway; error=connection_read_timeout");
		assertThat(response.body()).contains("\"error\":\"connection_read_timeout\"");
		ErrorPathAssertions.assertNothingLeaks(response, HEAD_THEN_STALL.port());
		assertFollowUpSucceeds();
	}

	@Test
	void stallInTheMiddleOfTheBodyAbortsTheTransfer(CapturedOutput output) throws Exception {
		String received = this.gateway.exchangeUntilClosed("GET /trickle-stall/a HTTP/1.1\r\nHost: gateway\r\n\r\n");
		assertThat(received).startsWith("HTTP/1.1 200 OK\r\n").containsIgnoringCase("content-length: 100\r\n");
		assertThat(received.substring(received.indexOf("\r\n\r\n") + 4)).isEqualTo("first part");
		assertThat(output).containsPattern(" WARN .* Upstream failure: route=trickle-stall "
				+ "error=connection_read_timeout status=200 outcome=aborted request=[0-9a-f]+-[0-9]+ attempts=1 trace=");
		assertFollowUpSucceeds();
	}

	private void assertFollowUpSucceeds() throws IOException, InterruptedException {
		HttpResponse<String> followUp = this.gateway.get("/ok/again", null);
		assertThat(followUp.statusCode()).isEqualTo(200);
		assertThat(followUp.body()).isEqualTo("hello");
	}

}
