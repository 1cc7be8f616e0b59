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
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import io.github.gatewayerrorpolicy.stale.RedisStaleStore;
import io.github.gatewayerrorpolicy.stale.StaleStore;
import io.github.gatewayerrorpolicy.upstreams.RedisServer;
import io.github.gatewayerrorpolicy.upstreams.ScriptedUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample's {@code redis} profile, as a user runs it: two gateways whose Redis is
 * configured only through Spring Boot's own support ({@code spring.data.redis.port}, a
 * real {@code redis-server} on a loopback port) share what they keep. A response gateway
 * A kept is served stale by gateway B, which never saw it; with Redis stopped, the
 * gateway's health stays up.
 */
class RedisFleetTests {

	static final AtomicBoolean DOWN = new AtomicBoolean();

	/**
	 * A catalog that answers with a stale-if-error window until it is down, then closes
	 * every connection.
	 */
	static final ScriptedUpstream CATALOG = ScriptedUpstream.start((connection) -> {
		while (connection.readRequest() != null && !DOWN.get()) {
			connection.write("HTTP/1.1 200 OK\r\nCache-Control: max-age=0, stale-if-error=300\r\n"
					+ "Content-Type: text/plain\r\nContent-Length: 14\r\n\r\nthe catalog v1");
		}
	});

	static RedisServer redis;

	@BeforeAll
	static void startRedis() throws IOException {
		redis = RedisServer.start();
	}

	@AfterAll
	static void stop() throws IOException {
		if (redis != null) {
			redis.close();
		}
		CATALOG.close();
	}

	@Test
	void aGatewayServesStaleWhatAnotherKeptThroughSpringBootsRedis() throws Exception {
		try (ConfigurableApplicationContext a = gateway(); ConfigurableApplicationContext b = gateway()) {
			assertThat(b.getBean(StaleStore.class)).as("the profile's store, on Spring Boot's connection factory")
				.isInstanceOf(RedisStaleStore.class);
			assertThat(get(a, "/catalog/items")).startsWith("HTTP/1.1 200 ").endsWith("the catalog v1");
			DOWN.set(true);
			// A writes to Redis beside its answer: B finds it once the write has landed
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(get(b, "/catalog/items")).startsWith("HTTP/1.1 200 ")
					.contains("Cache-Status: sample-gateway; fwd=stale")
					.contains("Proxy-Status: sample-gateway; error=connection_terminated")
					.endsWith("the catalog v1"));
			redis.close();
			assertThat(get(b, "/actuator/health")).as("Redis stopped: the gateway stays in service")
				.startsWith("HTTP/1.1 200 ")
				.contains("\"UP\"");
		}
	}

	private static ConfigurableApplicationContext gateway() {
		// arguments, as a user's would be: they override the profile's file; upstream
		// health off, so that B's failed calls while A's write lands eject nothing
		String route = "--spring.cloud.gateway.server.webflux.routes[0].";
		return new SpringApplicationBuilder(SampleGatewayApplication.class).profiles("redis")
			.run("--server.port=0", "--spring.data.redis.port=" + redis.port(),
					"--gateway.error-policy.health.enabled=false", route + "id=catalog", route + "uri=" + CATALOG.url(),
					route + "predicates[0]=Path=/catalog/**");
	}

	/**
	 * One request as a fleet's clients send it: under the one name the gateways share.
	 */
	private static String get(ConfigurableApplicationContext gateway, String path) throws IOException {
		int port = ((WebServerApplicationContext) gateway).getWebServer().getPort();
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
			socket.setSoTimeout(10_000);
			OutputStream out = socket.getOutputStream();
			out.write(("GET " + path + " HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n")
				.getBytes(StandardCharsets.ISO_8859_1));
			out.flush();
			InputStream in = socket.getInputStream();
			return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
		}
	}

}
