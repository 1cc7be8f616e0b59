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

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import com.github.dockerjava.api.DockerClient;
import io.github.gatewayerrorpolicy.upstreams.ReservedPort;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.images.builder.Transferable;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample gateway in front of a real upstream container, an image built
 * {@code FROM scratch} with Debian's static busybox serving CGI scripts, on the host's
 * network (loopback only): the container is paused, stopped and killed under the gateway,
 * and comes back without restarting it. Needs a Docker engine and Debian's
 * {@code busybox-static}; skipped without them, unless CI requires every test.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class ContainerFaultTests {

	static final Path BUSYBOX = RequiredTools.path("BUSYBOX", "/bin/busybox");

	static final int UPSTREAM_PORT = ReservedPort.unused();

	static final String STREAM_FIRST_PART = "first part";

	static GenericContainer<?> upstream;

	final HttpClient client = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(5))
		.build();

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void containerRoute(DynamicPropertyRegistry registry) {
		String route = "spring.cloud.gateway.server.webflux.routes[0].";
		registry.add(route + "id", () -> "container");
		registry.add(route + "uri", () -> "http://127.0.0.1:" + UPSTREAM_PORT);
		registry.add(route + "predicates[0]", () -> "Path=/container/**");
		registry.add(route + "filters[0]", () -> "StripPrefix=1");
		registry.add(route + "metadata.response-timeout", () -> "1000");
	}

	@BeforeAll
	static void startUpstream() throws IOException {
		RequiredTools.require(isStaticExecutable(BUSYBOX),
				"Needs Debian's busybox-static: " + BUSYBOX + " is missing or not statically linked");
		RequiredTools.require(DockerClientFactory.instance().isDockerAvailable(), "Needs a running Docker engine");
		ImageFromDockerfile image = new ImageFromDockerfile("gateway-error-policy-busybox-upstream", false)
			.withFileFromPath("busybox", BUSYBOX)
			.withFileFromTransferable("www/cgi-bin/ok",
					Transferable.of("#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nhello from a container'\n",
							0755))
			.withFileFromTransferable("www/cgi-bin/stream",
					Transferable
						.of("#!/bin/sh\n" + "printf 'Content-Type: text/plain\\r\\nContent-Length: 100\\r\\n\\r\\n"
								+ STREAM_FIRST_PART + "'\nexec /bin/busybox sleep 60\n", 0755))
			.withDockerfileFromBuilder((dockerfile) -> dockerfile.from("scratch")
				.copy("busybox", "/bin/busybox")
				.copy("busybox", "/bin/sh")
				.copy("www", "/www")
				.entryPoint("/bin/busybox", "httpd", "-f", "-h", "/www", "-p", "127.0.0.1:" + UPSTREAM_PORT)
				.build());
		upstream = new GenericContainer<>(image).withNetworkMode("host");
		upstream.start();
	}

	@AfterAll
	static void removeUpstream() {
		if (upstream != null) {
			upstream.stop();
		}
	}

	@Test
	void pausedUpstreamIsAGatewayTimeoutUntilItResumes() throws Exception {
		awaitUpstreamAnswers();
		docker().pauseContainerCmd(upstream.getContainerId()).exec();
		try {
			HttpResponse<String> response = get("/container/cgi-bin/ok");
			assertThat(response.statusCode()).isEqualTo(504);
			assertThat(response.headers().allValues("Proxy-Status"))
				.containsExactly("sample-gateway; error=http_response_timeout");
			assertThat(response.body()).doesNotContain("127.0.0.1", String.valueOf(UPSTREAM_PORT));
		}
		finally {
			docker().unpauseContainerCmd(upstream.getContainerId()).exec();
		}
		awaitUpstreamAnswers();
	}

	@Test
	void stoppedUpstreamRefusesConnectionsUntilItStartsAgain() throws Exception {
		awaitUpstreamAnswers();
		docker().stopContainerCmd(upstream.getContainerId()).withTimeout(1).exec();
		HttpResponse<String> response = get("/container/cgi-bin/ok");
		assertThat(response.statusCode()).isEqualTo(502);
		assertThat(response.headers().allValues("Proxy-Status"))
			.containsExactly("sample-gateway; error=connection_refused");
		assertThat(response.body()).doesNotContain("127.0.0.1", String.valueOf(UPSTREAM_PORT));
		docker().startContainerCmd(upstream.getContainerId()).exec();
		awaitUpstreamAnswers();
	}

	/**
	 * Upstream health against a real container: stopped, it is ejected after five refused
	 * connections (three requests, retried) and not called; started again, it is probed
	 * back as soon as its ejection time is over.
	 */
	@Test
	void stoppedUpstreamIsEjectedAndProbedBackOnceItStartsAgain() throws Exception {
		awaitUpstreamAnswers();
		docker().stopContainerCmd(upstream.getContainerId()).withTimeout(1).exec();
		long retryAfter = Ejection.afterFiveRefusedAttempts(this::get, "/container/cgi-bin/ok");
		long ejectedAt = System.nanoTime();
		assertThat(retryAfter).isBetween(1L, 5L);
		docker().startContainerCmd(upstream.getContainerId()).exec();
		await().atMost(Duration.ofSeconds(retryAfter + 5)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
			HttpResponse<String> response = get("/container/cgi-bin/ok");
			assertThat(response.statusCode()).isEqualTo(200);
		});
		Duration back = Duration.ofNanos(System.nanoTime() - ejectedAt);
		assertThat(back).as("probed back once the ejection time was over")
			.isLessThanOrEqualTo(Duration.ofSeconds(retryAfter).plusMillis(1500));
		assertThat(get("/container/cgi-bin/ok").body()).isEqualTo("hello from a container");
	}

	@Test
	void upstreamKilledMidResponseAbortsTheTransfer() throws Exception {
		awaitUpstreamAnswers();
		ByteArrayOutputStream received = new ByteArrayOutputStream();
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), this.port)) {
			socket.setSoTimeout(10_000);
			socket.getOutputStream()
				.write("GET /container/cgi-bin/stream HTTP/1.1\r\nHost: gateway\r\n\r\n"
					.getBytes(StandardCharsets.US_ASCII));
			InputStream in = socket.getInputStream();
			byte[] buffer = new byte[4096];
			boolean killed = false;
			try {
				for (int read = in.read(buffer); read != -1; read = in.read(buffer)) {
					received.write(buffer, 0, read);
					if (!killed && received.toString(StandardCharsets.ISO_8859_1).contains(STREAM_FIRST_PART)) {
						docker().killContainerCmd(upstream.getContainerId()).exec();
						killed = true;
					}
				}
			}
			catch (SocketException ex) {
				// reset: aborted as well
			}
			assertThat(killed).as("the first part arrived before the kill").isTrue();
		}
		String response = received.toString(StandardCharsets.ISO_8859_1);
		assertThat(response).startsWith("HTTP/1.1 200 OK\r\n").containsIgnoringCase("content-length: 100\r\n");
		assertThat(response.substring(response.indexOf("\r\n\r\n") + 4)).as("fewer bytes than announced")
			.isEqualTo(STREAM_FIRST_PART);
		docker().startContainerCmd(upstream.getContainerId()).exec();
		awaitUpstreamAnswers();
	}

	private void awaitUpstreamAnswers() {
		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
			HttpResponse<String> response = get("/container/cgi-bin/ok");
			assertThat(response.statusCode()).isEqualTo(200);
			assertThat(response.body()).isEqualTo("hello from a container");
		});
	}

	private HttpResponse<String> get(String path) throws IOException, InterruptedException {
		return this.client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
			.header("Accept", "application/problem+json")
			.timeout(Duration.ofSeconds(10))
			.build(), BodyHandlers.ofString());
	}

	private static DockerClient docker() {
		return upstream.getDockerClient();
	}

	/**
	 * Whether a file is an ELF executable without a program interpreter, one that runs in
	 * an image with nothing else in it.
	 * @param file the file
	 * @return whether it is statically linked
	 * @throws IOException if the file cannot be read
	 */
	static boolean isStaticExecutable(Path file) throws IOException {
		if (!Files.isRegularFile(file) || !Files.isExecutable(file)) {
			return false;
		}
		ByteBuffer elf = ByteBuffer.wrap(Files.readAllBytes(file));
		if (elf.limit() < 64 || elf.getInt(0) != 0x7F454C46) {
			return false;
		}
		boolean wide = elf.get(4) == 2;
		elf.order((elf.get(5) == 1) ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
		long headers = wide ? elf.getLong(0x20) : Integer.toUnsignedLong(elf.getInt(0x1C));
		int size = Short.toUnsignedInt(elf.getShort(wide ? 0x36 : 0x2A));
		int count = Short.toUnsignedInt(elf.getShort(wide ? 0x38 : 0x2C));
		for (int i = 0; i < count; i++) {
			int type = elf.getInt((int) headers + i * size);
			if (type == 3) {
				return false;
			}
		}
		return true;
	}

}
