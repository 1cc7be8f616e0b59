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

package io.github.gatewayerrorpolicy.stale;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.github.gatewayerrorpolicy.test.GatewayClient;
import io.github.gatewayerrorpolicy.test.TestGateway;
import io.github.gatewayerrorpolicy.upstreams.RedisServer;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two gateway instances sharing one real Redis (Debian's {@code redis-server}, started
 * here on a loopback port): a response instance A kept is served stale by instance B,
 * which never saw it; with Redis frozen, then stopped, requests are still answered as
 * usual, within the store's read timeout, and nothing hangs. Skipped where
 * {@code redis-server} is not installed, except where every test is required (CI).
 */
class RedisStaleStoreTests {

	static RedisServer redis;

	@BeforeAll
	static void startRedis() throws Exception {
		redis = RedisServer.start();
	}

	@AfterAll
	static void stopRedis() {
		if (redis != null) {
			redis.close();
		}
	}

	@Test
	void anInstanceThatNeverSawAResponseServesItStaleAndRedisHungOrStoppedFailsNothing() throws Exception {
		StaleOrigin.ANSWERS.put("/origin/fleet",
				StaleOrigin.response("kept by instance A", "Cache-Control: max-age=0, stale-if-error=60"));
		StaleOrigin.ANSWERS.put("/origin/fleet-after",
				StaleOrigin.response("never kept", "Cache-Control: max-age=0, stale-if-error=60"));
		try (ConfigurableApplicationContext a = gateway(); ConfigurableApplicationContext b = gateway()) {
			GatewayClient first = new GatewayClient(port(a));
			GatewayClient second = new GatewayClient(port(b));
			// both behind one name, as a fleet is: the key is the URI the clients use
			assertThat(get(first, "/origin/fleet")).startsWith("HTTP/1.1 200 ");
			StaleOrigin.MODES.put("/origin/fleet", "close");
			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(get(second, "/origin/fleet")).startsWith("HTTP/1.1 200 ")
					.contains("Cache-Status: test-gateway; fwd=stale")
					.endsWith("kept by instance A"));
			// a Redis that accepts connections and never answers: each instance waits one
			// read timeout once, then leaves Redis alone
			redis.freeze();
			assertThat(get(second, "/origin/fleet-after")).as("passes with Redis hung").startsWith("HTTP/1.1 200 ");
			StaleOrigin.MODES.put("/origin/fleet-after", "close");
			long start = System.nanoTime();
			assertThat(get(second, "/origin/fleet-after")).startsWith("HTTP/1.1 502 ");
			assertThat(get(first, "/origin/fleet")).as("nothing to serve without Redis").startsWith("HTTP/1.1 502 ");
			long paused = System.nanoTime();
			assertThat(get(first, "/origin/fleet")).startsWith("HTTP/1.1 502 ");
			long end = System.nanoTime();
			assertThat(TimeUnit.NANOSECONDS.toMillis(end - start))
				.as("three failed requests: one read timeout per instance at most")
				.isLessThan(2 * RedisStaleStore.READ_TIMEOUT.toMillis() + 1_000);
			assertThat(TimeUnit.NANOSECONDS.toMillis(end - paused))
				.as("after its read timed out, an instance leaves Redis alone")
				.isLessThan(RedisStaleStore.READ_TIMEOUT.toMillis());
			assertThat(storeFailures(a)).as("A: the one read that timed out").isEqualTo(1);
			// stopped: an instance that is not pausing tries Redis, fails, and answers
			redis.close();
			try (ConfigurableApplicationContext c = gateway()) {
				long asked = System.nanoTime();
				assertThat(get(new GatewayClient(port(c)), "/origin/fleet")).as("Redis stopped")
					.startsWith("HTTP/1.1 502 ");
				assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked))
					.isLessThan(RedisStaleStore.READ_TIMEOUT.toMillis() + 1_000);
				assertThat(storeFailures(c)).as("the read was tried, and failed").isEqualTo(1);
			}
		}
	}

	private static ConfigurableApplicationContext gateway() {
		String prefix = "--spring.cloud.gateway.server.webflux.routes[0].";
		return new SpringApplicationBuilder(TestGateway.class, RedisConnection.class)
			.properties(Map.of("server.port", "0", "spring.application.name", "test-gateway",
					"gateway.error-policy.retry.enabled", "false", "gateway.error-policy.health.enabled", "false",
					"gateway.error-policy.stale-if-error.store", "redis", "test.redis.port",
					String.valueOf(redis.port())))
			.run(prefix + "id=origin", prefix + "uri=" + StaleOrigin.UPSTREAM.url(),
					prefix + "predicates[0]=Path=/origin/**");
	}

	private static String get(GatewayClient gateway, String path) throws IOException {
		return gateway.exchangeUntilClosed(
				"GET " + path + " HTTP/1.1\r\nHost: shop.example\r\nAccept: */*\r\nConnection: close\r\n\r\n");
	}

	private static double storeFailures(ConfigurableApplicationContext gateway) {
		return gateway.getBean(MeterRegistry.class)
			.get("gateway.upstream.stale.store.failures")
			.functionCounter()
			.count();
	}

	private static int port(ConfigurableApplicationContext context) {
		return ((WebServerApplicationContext) context).getWebServer().getPort();
	}

	/**
	 * The application's Redis, as Spring Boot's auto-configuration would make it.
	 */
	@Configuration(proxyBeanMethods = false)
	static class RedisConnection {

		@Bean
		LettuceConnectionFactory redisConnectionFactory(@Value("${test.redis.port}") int port) {
			return new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", port));
		}

	}

}
