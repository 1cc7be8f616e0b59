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

import io.github.gatewayerrorpolicy.test.GatewayClient;
import io.github.gatewayerrorpolicy.test.TestGateway;
import io.github.gatewayerrorpolicy.upstreams.ScriptedUpstream;
import io.github.gatewayerrorpolicy.upstreams.SelfSignedTls;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.Http2SslContextSpec;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * HTTPS upstreams that speak HTTP/1.1 get the same framing checks as plain ones, whether
 * the gateway offers HTTP/2 to them or not. With {@code server.http2.enabled}, Spring
 * Cloud Gateway's client offers both by ALPN and Reactor Netty adds the HTTP/1.1 codec
 * only once the upstream has chosen; these upstreams choose nothing, so HTTP/1.1 it is.
 */
class TlsUpstreamFramingTests {

	static final ScriptedUpstream FOLDED = ScriptedUpstream.startTls(
			ScriptedUpstream.writingThenAwaitingClose("HTTP/1.1 200 OK\r\nX-A: b\r\n c\r\nContent-Length: 2\r\n\r\nok"),
			SelfSignedTls.serverContext());

	/**
	 * Answers the request for {@code /over-framed/first} with bytes beyond its response,
	 * every other request cleanly.
	 */
	static final ScriptedUpstream OVER_FRAMED = ScriptedUpstream.startTls((connection) -> {
		for (String head = connection.readRequest(); head != null; head = connection.readRequest()) {
			if (head.startsWith("GET /over-framed/first ")) {
				connection.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA");
				connection.awaitClosedByPeer();
				return;
			}
			connection.write(ScriptedUpstream.ok("clean"));
		}
	}, SelfSignedTls.serverContext());

	/**
	 * Reactor Netty's server, offering HTTP/2 and HTTP/1.1 by ALPN: with HTTP/2 offered,
	 * the gateway's connection to it is HTTP/2, which the framer must leave alone.
	 */
	static final DisposableServer H2 = HttpServer.create()
		.host("127.0.0.1")
		.port(0)
		.protocol(HttpProtocol.H2, HttpProtocol.HTTP11)
		.secure((spec) -> spec.sslContext(Http2SslContextSpec.forServer(SelfSignedTls.keyManagers())))
		.handle((request, response) -> response.sendString(Mono.just(request.version().text())))
		.bindNow();

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		TestGateway.route(registry, 0, "folded", FOLDED.url(), Map.of());
		TestGateway.route(registry, 1, "over-framed", OVER_FRAMED.url(), Map.of());
		TestGateway.route(registry, 2, "h2", "https://127.0.0.1:" + H2.port(), Map.of());
	}

	@AfterAll
	static void stopServer() {
		H2.disposeNow();
	}

	/**
	 * Ask the upstream which version it was asked in, twice, over the pooled connection.
	 */
	static void upstreamVersion(int port, String expected) throws Exception {
		GatewayClient gateway = new GatewayClient(port);
		for (int i = 0; i < 3; i++) {
			HttpResponse<String> response = gateway.get("/h2/a", null);
			assertThat(response.statusCode()).isEqualTo(200);
			assertThat(response.body()).isEqualTo(expected);
		}
	}

	static void invalidResponseIsRejected(int port) throws Exception {
		HttpResponse<String> response = new GatewayClient(port).get("/folded/a", "application/problem+json");
		assertThat(response.statusCode()).isEqualTo(502);
		assertThat(response.headers().allValues("Proxy-Status"))
			.containsExactly("test-gateway; error=http_protocol_error");
		assertThat(response.headers().firstValue("X-A")).isEmpty();
	}

	static void bytesAfterTheResponseCloseTheConnection(int port) throws Exception {
		GatewayClient gateway = new GatewayClient(port);
		int before = OVER_FRAMED.closedByGateway();
		HttpResponse<String> first = gateway.get("/over-framed/first", null);
		assertThat(first.statusCode()).isEqualTo(200);
		assertThat(first.body()).isEqualTo("ok");
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(OVER_FRAMED.closedByGateway()).isEqualTo(before + 1));
		HttpResponse<String> next = gateway.get("/over-framed/next", null);
		assertThat(next.body()).isEqualTo("clean");
	}

	@Nested
	@SpringBootTest(classes = TestGateway.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { "spring.application.name=test-gateway", "server.http2.enabled=true",
					"spring.cloud.gateway.server.webflux.httpclient.ssl.use-insecure-trust-manager=true" })
	class Http2Offered {

		@Test
		void http2UpstreamIsLeftToNettysHttp2Codec(@LocalServerPort int port) throws Exception {
			upstreamVersion(port, "HTTP/2.0");
		}

		@Test
		void invalidResponseIsRejected(@LocalServerPort int port) throws Exception {
			TlsUpstreamFramingTests.invalidResponseIsRejected(port);
		}

		@Test
		void bytesAfterTheResponseCloseTheConnection(@LocalServerPort int port) throws Exception {
			TlsUpstreamFramingTests.bytesAfterTheResponseCloseTheConnection(port);
		}

	}

	@Nested
	@SpringBootTest(classes = TestGateway.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { "spring.application.name=test-gateway", "server.http2.enabled=false",
					"spring.cloud.gateway.server.webflux.httpclient.ssl.use-insecure-trust-manager=true" })
	class Http11Only {

		@Test
		void http2CapableUpstreamIsCalledOverHttp11(@LocalServerPort int port) throws Exception {
			upstreamVersion(port, "HTTP/1.1");
		}

		@Test
		void invalidResponseIsRejected(@LocalServerPort int port) throws Exception {
			TlsUpstreamFramingTests.invalidResponseIsRejected(port);
		}

		@Test
		void bytesAfterTheResponseCloseTheConnection(@LocalServerPort int port) throws Exception {
			TlsUpstreamFramingTests.bytesAfterTheResponseCloseTheConnection(port);
		}

	}

}
