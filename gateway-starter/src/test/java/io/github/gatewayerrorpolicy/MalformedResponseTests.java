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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import io.github.gatewayerrorpolicy.test.GatewayClient;
import io.github.gatewayerrorpolicy.test.TestGateway;
import io.github.gatewayerrorpolicy.upstreams.ScriptedUpstream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Responses that are not valid HTTP, and responses with bytes beyond their framing. The
 * former are answered 502 and never cleaned up and forwarded; for the latter exactly the
 * framed response is forwarded. Either way the upstream connection is closed, never
 * returned to the pool, and the next request is clean.
 */
@SpringBootTest(classes = TestGateway.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "spring.application.name=test-gateway")
class MalformedResponseTests {

	static final String OK = "Content-Length: 2\r\n\r\nok";

	static final Map<String, String> INVALID = new LinkedHashMap<>();

	static final Map<String, String> OVER_FRAMED = new LinkedHashMap<>();

	static final Map<String, Integer> OVER_FRAMED_STATUS = Map.of("bytes-after-body", 200, "body-on-204", 204,
			"body-on-304", 304, "body-after-chunks", 200);

	static {
		INVALID.put("space-before-colon", "HTTP/1.1 200 OK\r\nX-A : b\r\n" + OK);
		INVALID.put("control-in-value", "HTTP/1.1 200 OK\r\nX-A: b\u0001c\r\n" + OK);
		INVALID.put("control-in-name", "HTTP/1.1 200 OK\r\nX\u0001A: b\r\n" + OK);
		INVALID.put("bare-cr", "HTTP/1.1 200 OK\r\nX-A: b\rc\r\n" + OK);
		INVALID.put("bare-lf", "HTTP/1.1 200 OK\r\nX-A: b\nX-B: c\r\n" + OK);
		INVALID.put("nul", "HTTP/1.1 200 OK\r\nX-A: b\u0000c\r\n" + OK);
		INVALID.put("obs-fold", "HTTP/1.1 200 OK\r\nX-A: b\r\n c\r\n" + OK);
		INVALID.put("no-colon", "HTTP/1.1 200 OK\r\nX-A b\r\n" + OK);
		INVALID.put("space-in-name", "HTTP/1.1 200 OK\r\nX A: b\r\n" + OK);
		INVALID.put("empty-name", "HTTP/1.1 200 OK\r\n: b\r\n" + OK);
		INVALID.put("lf-only", "HTTP/1.1 200 OK\nContent-Length: 2\n\nok");
		INVALID.put("invalid-length", "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nok");
		INVALID.put("negative-length", "HTTP/1.1 200 OK\r\nContent-Length: -2\r\n\r\nok");
		INVALID.put("different-lengths", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok");
		INVALID.put("length-list", "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok");
		INVALID.put("unknown-coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: foo\r\n\r\nok");
		INVALID.put("gzip-chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n");
		INVALID.put("length-and-chunked",
				"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n" + "2\r\nok\r\n0\r\n\r\n");
		INVALID.put("bad-chunk-size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n");
		INVALID.put("chunk-size-and-more",
				"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2 3\r\nok\r\n0\r\n\r\n");
		INVALID.put("chunk-without-crlf", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX\r\n0\r\n\r\n");
		INVALID.put("folded-trailer",
				"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-T: a\r\n b\r\n\r\n");
		INVALID.put("status-600", "HTTP/1.1 600 Odd\r\n" + OK);
		INVALID.put("http-2-status-line", "HTTP/2 200 OK\r\n" + OK);
		OVER_FRAMED.put("bytes-after-body", "HTTP/1.1 200 OK\r\n" + OK + "EXTRA");
		OVER_FRAMED.put("body-on-204", "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello");
		OVER_FRAMED.put("body-on-304", "HTTP/1.1 304 Not Modified\r\n\r\nhello");
		OVER_FRAMED.put("body-after-chunks",
				"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\nEXTRA");
	}

	static final Map<String, ScriptedUpstream> UPSTREAMS = new LinkedHashMap<>();

	static {
		INVALID.forEach((name, response) -> UPSTREAMS.put(name,
				ScriptedUpstream.start(ScriptedUpstream.writingThenAwaitingClose(response))));
		OVER_FRAMED.forEach((name, response) -> UPSTREAMS.put(name, ScriptedUpstream.start((connection) -> {
			if (connection.index() == 1) {
				connection.readRequest();
				connection.write(response);
				connection.awaitClosedByPeer();
			}
			else {
				ScriptedUpstream.answering(ScriptedUpstream.ok("clean")).run(connection);
			}
		})));
	}

	GatewayClient gateway;

	@BeforeEach
	void connect(@LocalServerPort int port) {
		this.gateway = new GatewayClient(port);
	}

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		int index = 0;
		for (Map.Entry<String, ScriptedUpstream> upstream : UPSTREAMS.entrySet()) {
			TestGateway.route(registry, index++, upstream.getKey(), upstream.getValue().url(), Map.of());
		}
	}

	static Stream<Arguments> invalid() {
		return INVALID.keySet().stream().map(Arguments::of);
	}

	static Stream<Arguments> overFramed() {
		return OVER_FRAMED.keySet().stream().map(Arguments::of);
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("invalid")
	void invalidResponseIsAnsweredAndItsConnectionClosed(String name) throws Exception {
		ScriptedUpstream upstream = UPSTREAMS.get(name);
		HttpResponse<String> response = this.gateway.get("/" + name + "/a", "application/problem+json");
		assertThat(response.statusCode()).isEqualTo(502);
		assertThat(response.headers().allValues("Proxy-Status"))
			.containsExactly("test-gateway; error=http_protocol_error");
		assertThat(response.headers().firstValue("X-A")).as("nothing is cleaned up and forwarded").isEmpty();
		UpstreamFailureResponseTests.assertNothingLeaks(response);
		assertThat(this.gateway.get("/" + name + "/b", null).statusCode()).isEqualTo(502);
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(upstream.closedByGateway()).isEqualTo(upstream.connections()));
		assertThat(upstream.connections()).as("a new connection for the second request").isEqualTo(2);
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("overFramed")
	void exactlyTheFramedResponseIsForwardedAndTheNextRequestIsClean(String name) throws Exception {
		ScriptedUpstream upstream = UPSTREAMS.get(name);
		HttpResponse<String> first = this.gateway.get("/" + name + "/a", null);
		assertThat(first.statusCode()).isEqualTo(OVER_FRAMED_STATUS.get(name));
		assertThat(first.body()).isEqualTo((first.statusCode() == 200) ? "ok" : "");
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(upstream.closedByGateway()).isOne());
		HttpResponse<String> next = this.gateway.get("/" + name + "/b", null);
		assertThat(next.statusCode()).isEqualTo(200);
		assertThat(next.body()).isEqualTo("clean");
		assertThat(upstream.connections()).isEqualTo(2);
	}

}
