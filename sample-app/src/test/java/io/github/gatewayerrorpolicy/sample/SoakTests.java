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
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import com.sun.management.UnixOperatingSystemMXBean;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Metrics;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A bounded soak of the sample gateway: about 100,000 requests, count- and time-limited,
 * across every demo fault, the load-balanced route with its dead instance, and two kinds
 * of invalid client request, from many clients at once, with upstream health on as by
 * default. Every answer must be the one the fault calls for; at least 90 % of the
 * requests must be sent within the time limit, at no less than half the rate of the
 * warm-up; and afterwards heap after GC, direct memory (Netty's and the JDK's, within 10
 * % or 2 MiB), open file descriptors and the connections of the gateway's pool must be
 * back within 10 % of what they were after the warm-up.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.cloud.gateway.server.webflux.httpclient.pool.metrics=true",
				"spring.cloud.gateway.server.webflux.httpclient.pool.max-idle-time=1s",
				"spring.cloud.gateway.server.webflux.httpclient.pool.eviction-interval=250ms",
				"gateway.error-policy.logging.lines-per-route=1", "gateway.error-policy.logging.period=30s" })
class SoakTests {

	static final int REQUESTS = Integer.getInteger("soak.requests", 100_000);

	static final Duration TIME_LIMIT = Duration.ofSeconds(Long.getLong("soak.seconds", 240));

	static final int FAST_LANES = 24;

	static final int SLOW_LANES = 6;

	/**
	 * What an aborted transfer counts as.
	 */
	static final int ABORTED = -1;

	/**
	 * Faults that answer at once, with the status each must get.
	 */
	static final List<Map.Entry<String, Integer>> FAST = List.of(Map.entry("/demo/ok", 200),
			Map.entry("/demo/refused", 502), Map.entry("/demo/close", 502), Map.entry("/demo/reset", 502),
			Map.entry("/demo/garbage", 502), Map.entry("/demo/big-headers", 502), Map.entry("/demo/cl-te", 502),
			Map.entry("/demo/dns", 502), Map.entry("/demo/tls", 502), Map.entry("/demo/upstream-503", 503),
			Map.entry("/demo/ok", 200), Map.entry("/demo/lb", 200));

	/**
	 * The other answer a fault may get: 503 while its upstream is ejected after repeated
	 * failures, and for the load-balanced route, 502 when a probe of its dead instance
	 * fails.
	 */
	static final Map<String, Integer> ALSO = Map.of("/demo/refused", 503, "/demo/close", 503, "/demo/reset", 503,
			"/demo/garbage", 503, "/demo/cl-te", 503, "/demo/tls", 503, "/demo/connect-timeout", 503, "/demo/lb", 502);

	/**
	 * Faults that take time: a connect timeout (1 s), a response timeout (2 s), and a
	 * transfer aborted after its first part, checked on the wire.
	 */
	static final List<Map.Entry<String, Integer>> SLOW = List.of(Map.entry("/demo/connect-timeout", 504),
			Map.entry("/demo/slow", 504), Map.entry("/demo/midbody", ABORTED));

	final HttpClient client = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(5))
		.executor(Executors.newFixedThreadPool(4))
		.build();

	final Map<String, LongAdder> answers = new ConcurrentHashMap<>();

	final Queue<String> unexpected = new ConcurrentLinkedQueue<>();

	final AtomicLong mostPoolConnections = new AtomicLong();

	@LocalServerPort
	int port;

	/**
	 * What is measured: heap after a full GC, the direct memory of Netty's allocator (the
	 * gateway's and the upstreams' buffers), the JDK's direct buffer pool (which holds
	 * Netty's chunks as well as the test clients' buffers), open file descriptors of the
	 * process and connections in the gateway's pool.
	 */
	record Resources(long heapAfterGc, long nettyDirectMemory, long jdkDirectMemory, long openFiles,
			long poolConnections) {

		@Override
		public String toString() {
			return String.format(
					"heap after GC %.1f MiB, Netty direct memory %.1f MiB, JDK direct buffers %.1f MiB, "
							+ "open files %d, pool connections %d",
					this.heapAfterGc / 1048576.0, this.nettyDirectMemory / 1048576.0, this.jdkDirectMemory / 1048576.0,
					this.openFiles, this.poolConnections);
		}

	}

	@Test
	@Timeout(value = 10, unit = TimeUnit.MINUTES)
	void resourcesReturnToTheirBaselineAfterAHundredThousandRequests() throws Exception {
		long warmUpStart = System.nanoTime();
		long warmUp = drive(REQUESTS / 5, TIME_LIMIT.dividedBy(3));
		double warmUpRate = warmUp * 1e9 / (System.nanoTime() - warmUpStart);
		Resources baseline = settle();
		this.answers.clear();
		this.mostPoolConnections.set(0);

		long start = System.nanoTime();
		long sent = drive(REQUESTS, TIME_LIMIT);
		Duration took = Duration.ofNanos(System.nanoTime() - start);
		double rate = sent * 1e9 / took.toNanos();
		Resources after = settle();

		System.out.printf(
				"Soak: %d requests in %.1f s (%.0f/s, warm-up %.0f/s), at most %d pool connections, answers %s%n"
						+ "  baseline: %s%n  after:    %s%n",
				sent, took.toMillis() / 1000.0, rate, warmUpRate, this.mostPoolConnections.get(),
				new TreeMap<>(this.answers), baseline, after);
		assertThat(this.unexpected).as("answers other than the fault calls for").isEmpty();
		assertThat(sent).as("requests sent within the time limit").isGreaterThanOrEqualTo(REQUESTS * 9L / 10);
		assertThat(rate).as("requests per second, against the warm-up's").isGreaterThanOrEqualTo(warmUpRate / 2);
		assertThat(this.mostPoolConnections.get()).as("pool connections while the soak ran: the gauge moved")
			.isGreaterThan(0);
		assertThat(after.heapAfterGc()).as("heap after GC")
			.isLessThanOrEqualTo(withinTenPercent(baseline.heapAfterGc()));
		assertThat(after.nettyDirectMemory()).as("Netty's direct memory")
			.isLessThanOrEqualTo(withinTenPercentOrTwoMiB(baseline.nettyDirectMemory()));
		assertThat(after.jdkDirectMemory()).as("the JDK's direct buffers")
			.isLessThanOrEqualTo(withinTenPercentOrTwoMiB(baseline.jdkDirectMemory()));
		assertThat(after.openFiles()).as("open files").isLessThanOrEqualTo(withinTenPercent(baseline.openFiles()));
		assertThat(after.poolConnections()).as("pool connections, idle ones closed").isZero();
	}

	private static long withinTenPercent(long baseline) {
		return baseline + Math.max(baseline / 10, 1);
	}

	/**
	 * Direct memory grows in chunks (Netty's are 4 MiB, of which a few hundred KiB may
	 * stay cached per thread), so a small baseline gets a floor of 2 MiB.
	 */
	private static long withinTenPercentOrTwoMiB(long baseline) {
		return Math.max(withinTenPercent(baseline), baseline + 2 * 1024 * 1024);
	}

	/**
	 * Send requests from every lane until {@code count} are sent or time is up.
	 */
	private long drive(int count, Duration limit) throws Exception {
		AtomicLong sent = new AtomicLong();
		long deadline = System.nanoTime() + limit.toNanos();
		ExecutorService lanes = Executors.newFixedThreadPool(FAST_LANES + SLOW_LANES + 1);
		AtomicBoolean driving = new AtomicBoolean(true);
		try {
			lanes.submit(() -> {
				while (driving.get()) {
					long connections = (long) Metrics.globalRegistry
						.find("reactor.netty.connection.provider.total.connections")
						.gauges()
						.stream()
						.mapToDouble(Gauge::value)
						.sum();
					this.mostPoolConnections.accumulateAndGet(connections, Math::max);
					Thread.sleep(100);
				}
				return null;
			});
			List<Future<?>> running = new ArrayList<>();
			for (int lane = 0; lane < FAST_LANES + SLOW_LANES; lane++) {
				List<Map.Entry<String, Integer>> faults = (lane < FAST_LANES) ? FAST : SLOW;
				running.add(lanes.submit(() -> {
					for (long n = sent.getAndIncrement(); n < count
							&& System.nanoTime() < deadline; n = sent.getAndIncrement()) {
						if (faults == FAST && n % 50 == 0) {
							invalidRequest((n % 100 == 0) ? "GET /demo/ok HTTP/1.1\r\n\r\n"
									: "POST /demo/ok HTTP/1.1\r\nHost: gateway\r\nContent-Length: 3\r\n"
											+ "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
						}
						else {
							Map.Entry<String, Integer> fault = faults.get((int) (n % faults.size()));
							if (fault.getValue() == ABORTED) {
								abortedTransfer(fault.getKey() + "/" + n);
							}
							else {
								request(fault.getKey() + "/" + n, fault.getValue());
							}
						}
					}
					return null;
				}));
			}
			for (Future<?> lane : running) {
				lane.get(limit.toSeconds() + 30, TimeUnit.SECONDS);
			}
		}
		finally {
			driving.set(false);
			lanes.shutdownNow();
		}
		return Math.min(sent.get(), count);
	}

	private void request(String path, int expected) {
		String route = path.substring(0, path.lastIndexOf('/'));
		try {
			HttpResponse<String> response = this.client
				.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
					.timeout(Duration.ofSeconds(10))
					.build(), BodyHandlers.ofString());
			int status = response.statusCode();
			String proxyStatus = response.headers().firstValue("Proxy-Status").orElse("none");
			if (status == 503 && expected != 503 && !proxyStatus.endsWith("; error=destination_unavailable")) {
				// a 503 is the other answer only when it says the upstream is ejected
				count(route, -status, expected, proxyStatus);
			}
			else {
				count(route, status, expected, null);
			}
		}
		catch (IOException ex) {
			count(route, -1, expected, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * A transfer that must be aborted, checked on the wire: a client that merely gave up
	 * waiting would not count.
	 */
	private void abortedTransfer(String path) {
		String route = path.substring(0, path.lastIndexOf('/'));
		try {
			AbortedTransfer transfer = AbortedTransfer.get(this.port, path);
			count(route, transfer.isAborted() ? ABORTED : 0, ABORTED, transfer);
		}
		catch (IOException ex) {
			count(route, 0, ABORTED, ex);
		}
	}

	private void invalidRequest(String request) {
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), this.port)) {
			socket.setSoTimeout(10_000);
			socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
			InputStream in = socket.getInputStream();
			byte[] statusLine = in.readNBytes(12);
			String status = new String(statusLine, StandardCharsets.US_ASCII);
			count("invalid request", status.startsWith("HTTP/1.1 400") ? 400 : 0, 400);
		}
		catch (IOException ex) {
			count("invalid request", -1, 400);
		}
	}

	private void count(String route, int status, int expected) {
		count(route, status, expected, null);
	}

	private void count(String route, int status, int expected, Object detail) {
		this.answers.computeIfAbsent(route + " " + status, (key) -> new LongAdder()).increment();
		if (status != expected && !Integer.valueOf(status).equals(ALSO.get(route)) && this.unexpected.size() < 20) {
			this.unexpected
				.add(route + ": " + status + " instead of " + expected + ((detail != null) ? " (" + detail + ")" : ""));
		}
	}

	/**
	 * Wait until the gateway's pool has nothing in use and has closed its idle
	 * connections (their maximum idle time is 1 s), then measure.
	 */
	private Resources settle() {
		await().atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(100))
			.until(() -> gauge("reactor.netty.connection.provider.active.connections") == 0
					&& gauge("reactor.netty.connection.provider.pending.connections") == 0
					&& gauge("reactor.netty.connection.provider.total.connections") == 0);
		for (int i = 0; i < 3; i++) {
			System.gc();
		}
		long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
		long jdkDirect = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)
			.stream()
			.filter((pool) -> pool.getName().equals("direct"))
			.mapToLong(BufferPoolMXBean::getMemoryUsed)
			.sum();
		long nettyDirect = (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider netty)
				? netty.metric().usedDirectMemory() : 0;
		long files = ((UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
			.getOpenFileDescriptorCount();
		return new Resources(heap, nettyDirect, jdkDirect, files,
				gauge("reactor.netty.connection.provider.total.connections"));
	}

	/**
	 * The sum of a pool gauge over the gateway's pools; it must exist, since a missing
	 * gauge would read as 0, which is what is waited for.
	 */
	private static long gauge(String name) {
		Collection<Gauge> gauges = Metrics.globalRegistry.find(name).gauges();
		assertThat(gauges).as(name).isNotEmpty();
		return (long) gauges.stream().mapToDouble(Gauge::value).sum();
	}

}
