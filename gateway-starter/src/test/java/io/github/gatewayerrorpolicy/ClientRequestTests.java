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
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import io.github.gatewayerrorpolicy.test.ErrorPathAssertions;
import io.github.gatewayerrorpolicy.test.GatewayClient;
import io.github.gatewayerrorpolicy.test.TestGateway;
import io.github.gatewayerrorpolicy.upstreams.ReservedPort;
import io.github.gatewayerrorpolicy.upstreams.ScriptedUpstream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Clients that misbehave: requests that are not valid HTTP/1.1 are rejected before they
 * are routed, and hostile text in a request is shown escaped and never evaluated.
 */
@SpringBootTest(classes = TestGateway.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "spring.application.name=test-gateway")
@ExtendWith(OutputCaptureExtension.class)
class ClientRequestTests {

	static final AtomicInteger FORWARDED = new AtomicInteger();

	static final Queue<String> FORWARDED_LINES = new ConcurrentLinkedQueue<>();

	/**
	 * Counts every request it reads, on new and pooled connections alike, and keeps its
	 * request line.
	 */
	static final ScriptedUpstream UPSTREAM = ScriptedUpstream.start((connection) -> {
		for (String head = connection.readRequest(); head != null; head = connection.readRequest()) {
			FORWARDED_LINES.add(head.substring(0, head.indexOf("\r\n")));
			FORWARDED.incrementAndGet();
			connection.write(ScriptedUpstream.ok("hello"));
		}
	});

	/**
	 * A valid request sent right behind each invalid one, in the same write: it must
	 * never reach the upstream, whether smuggled in the invalid request's body or read as
	 * the next request on its connection.
	 */
	static final String SMUGGLED = "GET /ok/smuggled HTTP/1.1\r\nHost: gateway\r\n\r\n";

	static final ReservedPort REFUSED = ReservedPort.reserve();

	static final String HOSTILE = "<script>alert(1)</script>${7*7}[[${7*7}]]";

	static final String HOSTILE_ENCODED = "%3Cscript%3Ealert(1)%3C/script%3E$%7B7*7%7D%5B%5B$%7B7*7%7D%5D%5D";

	int port;

	@BeforeEach
	void connect(@LocalServerPort int port) {
		this.port = port;
	}

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		TestGateway.route(registry, 0, "ok", UPSTREAM.url(), Map.of());
		TestGateway.route(registry, 1, "refused", REFUSED.url(), Map.of());
	}

	static Stream<Arguments> invalidRequests() {
		String post = "POST /ok/a HTTP/1.1\r\nHost: gateway\r\n";
		String get = "GET /ok/a HTTP/1.1\r\n";
		return Stream.of(
				Arguments.of("Content-Length with Transfer-Encoding",
						post + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
				Arguments.of("Transfer-Encoding with Content-Length",
						post + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400),
				Arguments.of("differing Content-Lengths", post + "Content-Length: 1\r\nContent-Length: 2\r\n\r\nab",
						400),
				Arguments.of("unknown transfer coding", post + "Transfer-Encoding: gzip\r\n\r\nabc", 400),
				Arguments.of("request line with extra parts", "GET /ok/a HTTP/1.1 extra\r\nHost: gateway\r\n\r\n", 400),
				Arguments.of("invalid method", "G<T /ok/a HTTP/1.1\r\nHost: gateway\r\n\r\n", 400),
				Arguments.of("unknown version", "GET /ok/a HTTP/7.1\r\nHost: gateway\r\n\r\n", 505),
				Arguments.of("request line over the limit",
						"GET /ok/" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: gateway\r\n\r\n", 414),
				Arguments.of("headers over the limit",
						get + "Host: gateway\r\nX-Big: " + "a".repeat(10_000) + "\r\n\r\n", 431),
				Arguments.of("space before the colon", get + "Host: gateway\r\nX-Name : value\r\n\r\n", 400),
				Arguments.of("control character in a value", get + "Host: gateway\r\nX-Name: a\u0001b\r\n\r\n", 400),
				Arguments.of("NUL in a value", get + "Host: gateway\r\nX-Name: a\u0000b\r\n\r\n", 400),
				Arguments.of("bare CR in a value", get + "Host: gateway\r\nX-Name: a\rX-Other: b\r\n\r\n", 400),
				Arguments.of("header name with a space", get + "Host: gateway\r\nX Name: value\r\n\r\n", 400),
				Arguments.of("no Host", get + "\r\n", 400),
				Arguments.of("two Hosts", get + "Host: gateway\r\nHost: other\r\n\r\n", 400),
				Arguments.of("lines ended by LF alone", "GET /ok/a HTTP/1.1\nHost: gateway\n\n", 400),
				Arguments.of("invalid Host", get + "Host: a b/c\r\n\r\n", 400),
				Arguments.of("two Hosts in HTTP/1.0", "GET /ok/a HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("invalidRequests")
	void invalidRequestIsRejectedAndNotForwarded(String name, String request, int status) throws IOException {
		int before = FORWARDED.get();
		String response = new GatewayClient(this.port).exchangeUntilClosed(request + SMUGGLED);
		assertThat(response).as("the status line").containsPattern("\\AHTTP/[0-9.]+ " + status + " ");
		assertThat(response).as("one answer, and the connection closed").doesNotContain("hello");
		assertThat(exchange("GET /ok/b HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n"))
			.startsWith("HTTP/1.1 200 ")
			.endsWith("hello");
		assertThat(FORWARDED).as("only the follow-up reached the upstream").hasValue(before + 1);
		assertThat(FORWARDED_LINES).noneMatch((line) -> line.contains("smuggled"));
	}

	@Test
	void requestsTheGatewayDoesNotRouteAreLeftToTheServer() throws IOException {
		assertThat(exchange("GET /actuator/health HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n"))
			.as("two Hosts on an Actuator request: not the gateway's to check")
			.startsWith("HTTP/1.1 200 ");
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("lenientRequests")
	void requestsRfc9112AllowsToAcceptAreForwarded(String name, String request) throws IOException {
		assertThat(exchange(request)).startsWith("HTTP/1.1 200 ").endsWith("hello");
	}

	static Stream<Arguments> lenientRequests() {
		return Stream.of(Arguments.of("obsolete line folding",
				"GET /ok/fold HTTP/1.1\r\nHost: gateway\r\nX-Folded: a\r\n b\r\nConnection: close\r\n\r\n"));
	}

	@Test
	void hostileTextInAPageIsEscapedAndNotEvaluated(CapturedOutput output) throws Exception {
		GatewayClient gateway = new GatewayClient(this.port);
		HttpResponse<String> page = gateway.send("GET", "/refused/" + HOSTILE_ENCODED + "?q=" + HOSTILE_ENCODED,
				"Accept", "text/html", "X-Hostile", HOSTILE, "User-Agent", HOSTILE);
		assertThat(page.statusCode()).isEqualTo(502);
		assertThat(page.body()).contains("&lt;script&gt;alert(1)&lt;/script&gt;${7*7}[[${7*7}]]")
			.doesNotContain("<script>alert")
			.doesNotContain("</script>49");
		assertThat(page.headers().map().keySet()).doesNotContain("x-hostile");
		ErrorPathAssertions.assertNothingLeaks(page, REFUSED.port(), UPSTREAM.port());
		assertThat(output.getOut().lines().filter((line) -> line.contains("Upstream failure: route=refused")))
			.singleElement()
			.satisfies((line) -> assertThat(line).doesNotContain("script", "7*7"));
	}

	@Test
	void hostileTextInAProblemDocumentIsEscapedAndNotEvaluated() throws Exception {
		GatewayClient gateway = new GatewayClient(this.port);
		HttpResponse<String> problem = gateway.send("GET", "/refused/" + HOSTILE_ENCODED, "Accept",
				"application/problem+json", "X-Hostile", HOSTILE);
		assertThat(problem.statusCode()).isEqualTo(502);
		assertThat(problem.body()).doesNotContain("<script>");
		ErrorPathAssertions.assertNothingLeaks(problem, REFUSED.port(), UPSTREAM.port());
		JsonNode json = GatewayClient.json(problem);
		assertThat(json.get("instance").asString()).isEqualTo("/refused/" + HOSTILE_ENCODED);
	}

	@Test
	void encodedLineBreaksInThePathDoNotBecomeHeaders() throws Exception {
		String response = exchange(
				"GET /refused/a%0d%0aX-Injected:%20yes?b=%0d%0aSet-Cookie:%20x=1 HTTP/1.1\r\nHost: gateway\r\n"
						+ "Accept: text/html\r\nConnection: close\r\n\r\n");
		assertThat(response).startsWith("HTTP/1.1 502 ");
		String head = response.substring(0, response.indexOf("\r\n\r\n"));
		assertThat(head).doesNotContainIgnoringCase("X-Injected").doesNotContainIgnoringCase("Set-Cookie");
		assertThat(response.substring(head.length())).contains("/refused/a%0D%0AX-Injected: yes")
			.doesNotContain("a\r\nX-Injected");
	}

	private String exchange(String request) throws IOException {
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), this.port)) {
			socket.setSoTimeout(10_000);
			socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
			StringBuilder received = new StringBuilder();
			byte[] buffer = new byte[8192];
			try {
				for (int read = socket.getInputStream().read(buffer); read != -1
						&& !complete(received); read = socket.getInputStream().read(buffer)) {
					received.append(new String(buffer, 0, read, StandardCharsets.ISO_8859_1));
					if (complete(received)) {
						break;
					}
				}
			}
			catch (SocketException ex) {
				// the gateway may reset after rejecting
			}
			return received.toString();
		}
	}

	private static boolean complete(StringBuilder received) {
		int end = received.indexOf("\r\n\r\n");
		if (end < 0) {
			return false;
		}
		String head = received.substring(0, end + 2).toLowerCase(Locale.ROOT);
		int at = head.indexOf("content-length: ");
		if (at < 0) {
			return !head.contains("connection: close");
		}
		int length = Integer.parseInt(head.substring(at + 16, head.indexOf("\r\n", at)).trim());
		return received.length() >= end + 4 + length;
	}

}
