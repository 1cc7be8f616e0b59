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

import io.github.gatewayerrorpolicy.actuate.UpstreamFailureRecorder;
import io.github.gatewayerrorpolicy.observe.UpstreamFailureListener;
import io.github.gatewayerrorpolicy.test.GatewayClient;
import io.github.gatewayerrorpolicy.test.TestGateway;
import io.github.gatewayerrorpolicy.upstreams.ReservedPort;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application's listener that throws changes nothing for the client, nor for the
 * listeners after it; it is reported once, not on every failure.
 */
@SpringBootTest(classes = { TestGateway.class, ListenerIsolationTests.Throwing.class },
		webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.application.name=test-gateway",
				"management.endpoints.web.exposure.include=gatewayerrors" })
@ExtendWith(OutputCaptureExtension.class)
class ListenerIsolationTests {

	static final ReservedPort REFUSED = ReservedPort.reserve();

	@Autowired
	UpstreamFailureRecorder recorder;

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		TestGateway.route(registry, 0, "refused", REFUSED.url(), Map.of());
	}

	@Test
	void throwingListenerLeavesTheAnswerAndTheOtherListenersAlone(@LocalServerPort int port, CapturedOutput output)
			throws Exception {
		GatewayClient gateway = new GatewayClient(port);
		long before = this.recorder.count();
		for (int i = 0; i < 3; i++) {
			HttpResponse<String> response = gateway.get("/refused/a", "application/problem+json");
			assertThat(response.statusCode()).isEqualTo(502);
			assertThat(response.headers().allValues("Proxy-Status"))
				.containsExactly("test-gateway; error=connection_refused");
		}
		assertThat(this.recorder.count()).as("listeners after the failing one").isEqualTo(before + 3);
		assertThat(output.getAll().split("Upstream failure listener .*Throwing.* failed", -1)).hasSize(2);
		assertThat(output.getAll()).contains("listener bug");
	}

	@TestConfiguration(proxyBeanMethods = false)
	static class Throwing {

		@Bean
		@Order(Ordered.HIGHEST_PRECEDENCE)
		UpstreamFailureListener throwingListener() {
			return (event, exchange) -> {
				throw new IllegalStateException("listener bug");
			};
		}

	}

}
