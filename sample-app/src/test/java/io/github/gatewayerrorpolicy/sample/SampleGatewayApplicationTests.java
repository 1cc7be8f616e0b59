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

package io.github.gatewayerrorpolicy.sample;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Starts the sample gateway and checks that every demo route answers as the README's
 * table says.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class SampleGatewayApplicationTests {

	private static final Pattern ROW = Pattern
		.compile("^\\| `(/demo/[a-z0-9-]+)` \\| [^|]+ \\| (\\d{3})([^|]*) \\| (none|`([^`]+)`) \\|$");

	final HttpClient client = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(5))
		.build();

	@LocalServerPort
	int port;

	record Row(String path, int status, String note, String proxyStatus) {

		@Override
		public String toString() {
			return this.path;
		}

	}

	static Stream<Row> readmeTable() throws IOException {
		List<Row> rows = Files.readAllLines(Path.of("..", "README.md"))
			.stream()
			.map(ROW::matcher)
			.filter(Matcher::matches)
			.map((row) -> new Row(row.group(1), Integer.parseInt(row.group(2)), row.group(3), row.group(5)))
			.toList();
		assertThat(rows).as("demo routes in the README").hasSize(13);
		return rows.stream();
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("readmeTable")
	void demoRouteAnswersAsTheReadmeSays(Row row) throws Exception {
		if (row.note().contains("aborted")) {
			AbortedTransfer transfer = AbortedTransfer.get(this.port, row.path());
			assertThat(transfer.status()).isEqualTo(row.status());
			assertThat(transfer.bodyLength()).as("fewer body bytes than announced")
				.isPositive()
				.isLessThan(transfer.contentLength());
			assertThat(transfer.closedAfter()).as("the gateway ended the connection, without a client timeout")
				.isNotNull()
				.isLessThanOrEqualTo(AbortedTransfer.PROMPTLY);
			assertThat(transfer.isAborted()).isTrue();
			return;
		}
		HttpResponse<String> response = get(row.path(), "*/*");
		assertThat(response.statusCode()).isEqualTo(row.status());
		assertThat(response.headers().allValues("Proxy-Status"))
			.isEqualTo((row.proxyStatus() != null) ? List.of(row.proxyStatus()) : List.of());
		if (row.proxyStatus() != null && row.proxyStatus().contains("error=")) {
			assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
			assertThat(get(row.path(), "text/html").body()).contains("<h1>");
		}
		if (row.note().contains("its own page")) {
			assertThat(response.body()).contains("Back in a minute");
		}
	}

	@Test
	void listsTheDemoRoutes() throws Exception {
		HttpResponse<String> index = get("/", "text/html");
		assertThat(index.statusCode()).isEqualTo(200);
		readmeTable().forEach((row) -> assertThat(index.body()).contains("href=\"" + row.path() + "\""));
	}

	@Test
	void exposesHealthMetricsPrometheusAndGatewayErrors() throws Exception {
		assertThat(get("/actuator/health", "application/json").body()).contains("\"status\":\"UP\"");
		assertThat(get("/actuator/metrics", "application/json").statusCode()).isEqualTo(200);
		assertThat(get("/actuator/prometheus", "text/plain").body()).contains("jvm_memory_used_bytes");
		get("/demo/refused", "*/*");
		assertThat(get("/actuator/prometheus", "text/plain").body()).contains(
				"gateway_upstream_failures_total{error=\"connection_refused\",outcome=\"responded\",route=\"refused\",status=\"502\"}")
			.doesNotContain("routeUri");
		assertThat(get("/actuator/gatewayerrors", "application/json").body())
			.contains("\"route\":\"refused\",\"error\":\"connection_refused\"")
			.contains("\"routes\":{");
	}

	@Test
	void theFlakyCatalogIsServedStaleInsteadOfFailing() throws Exception {
		HttpResponse<String> first = get("/demo/flaky-catalog", "application/json");
		HttpResponse<String> second = get("/demo/flaky-catalog", "application/json");
		assertThat(first.statusCode()).isEqualTo(200);
		assertThat(second.statusCode()).as("the upstream failed; the kept answer hides it").isEqualTo(200);
		assertThat(second.body()).isEqualTo(first.body());
		assertThat(second.headers().firstValue("Cache-Status"))
			.hasValueSatisfying((value) -> assertThat(value).matches("sample-gateway; fwd=(bypass|stale); ttl=-?\\d+"));
		assertThat(second.headers().firstValue("Proxy-Status")).hasValue("sample-gateway; error=connection_terminated");
	}

	@Test
	void webSocketDemosAnswerAfterTheUpstream() throws Exception {
		LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
		WebSocket socket = this.client.newWebSocketBuilder()
			.subprotocols("demo")
			.buildAsync(URI.create("ws://127.0.0.1:" + this.port + "/demo/ws-echo"), new WebSocket.Listener() {
				@Override
				public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
					received.add(data.toString());
					webSocket.request(1);
					return null;
				}
			})
			.get(10, TimeUnit.SECONDS);
		assertThat(socket.getSubprotocol()).isEqualTo("demo");
		socket.sendText("hi", true).get(10, TimeUnit.SECONDS);
		assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("echo: hi");
		socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
		assertThat(handshakeStatus("/demo/ws-refused")).isEqualTo(502);
		assertThat(handshakeStatus("/demo/ws-forbidden")).isEqualTo(403);
	}

	private int handshakeStatus(String path) throws Exception {
		CompletableFuture<WebSocket> socket = this.client.newWebSocketBuilder()
			.buildAsync(URI.create("ws://127.0.0.1:" + this.port + path), new WebSocket.Listener() {
			});
		try {
			socket.get(10, TimeUnit.SECONDS).abort();
			return 101;
		}
		catch (ExecutionException ex) {
			assertThat(ex.getCause()).isInstanceOf(WebSocketHandshakeException.class);
			return ((WebSocketHandshakeException) ex.getCause()).getResponse().statusCode();
		}
	}

	private HttpResponse<String> get(String path, String accept) throws IOException, InterruptedException {
		return this.client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
			.header("Accept", accept)
			.timeout(Duration.ofSeconds(10))
			.build(), BodyHandlers.ofString());
	}

}
