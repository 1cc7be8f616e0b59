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
import java.util.Map;

import io.github.gatewayerrorpolicy.test.GatewayClient;
import io.github.gatewayerrorpolicy.test.RawWebSocket;
import io.github.gatewayerrorpolicy.test.TestGateway;
import io.github.gatewayerrorpolicy.upstreams.ReservedPort;
import io.github.gatewayerrorpolicy.upstreams.ScriptedUpstream;
import io.github.gatewayerrorpolicy.web.UpstreamErrorWebExceptionHandler;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pins what Spring Cloud Gateway does on its own, with the policy switched off, so that
 * an upgrade that changes it shows up here.
 */
@SpringBootTest(classes = TestGateway.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "gateway.error-policy.enabled=false")
class StockGatewayBehaviourTests {

	static final ScriptedUpstream GARBAGE = ScriptedUpstream
		.start(ScriptedUpstream.writingThenAwaitingClose("GARBAGE\r\n\r\n"));

	static final ScriptedUpstream SILENT = ScriptedUpstream.start(ScriptedUpstream.silent());

	static final ReservedPort REFUSED = ReservedPort.reserve();

	GatewayClient gateway;

	int port;

	@BeforeEach
	void connect(@LocalServerPort int port) {
		this.gateway = new GatewayClient(port);
		this.port = port;
	}

	@Autowired
	ApplicationContext context;

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		TestGateway.route(registry, 0, "refused", REFUSED.url(), Map.of());
		TestGateway.route(registry, 1, "garbage", GARBAGE.url(), Map.of());
		TestGateway.route(registry, 2, "response-timeout", SILENT.url(), Map.of("response-timeout", "200"));
		TestGateway.route(registry, 3, "ws-refused", REFUSED.url().replace("http:", "ws:"), Map.of());
	}

	@Test
	void policyIsAbsent() {
		assertThat(this.context.getBeansOfType(UpstreamErrorWebExceptionHandler.class)).isEmpty();
	}

	@Test
	void refusedConnectionIsAnInternalServerError() throws Exception {
		HttpResponse<String> response = get("/refused/a");
		assertThat(response.statusCode()).isEqualTo(500);
		assertThat(response.headers().firstValue("Proxy-Status")).isEmpty();
		assertThat(response.body()).contains("\"error\":\"Internal Server Error\"");
	}

	@Test
	void garbageResponseIsAnInternalServerError() throws Exception {
		assertThat(get("/garbage/a").statusCode()).isEqualTo(500);
	}

	@Test
	void responseTimeoutIsAGatewayTimeout() throws Exception {
		HttpResponse<String> response = get("/response-timeout/a");
		assertThat(response.statusCode()).isEqualTo(504);
		assertThat(response.headers().firstValue("Proxy-Status")).isEmpty();
	}

	@Test
	void aWebSocketClientIsUpgradedBeforeTheUpstreamIsDialledAndThenClosed() throws Exception {
		try (RawWebSocket answer = RawWebSocket.handshake(this.port, "/ws-refused/a", "")) {
			assertThat(answer.status()).as("told the handshake succeeded").isEqualTo(101);
			assertThat(answer.closeCode()).as("then closed: protocol error").isEqualTo(1002);
		}
	}

	private HttpResponse<String> get(String path) throws Exception {
		return this.gateway.get(path, "application/json");
	}

}
