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

package io.github.gatewayerrorpolicy.test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.fail;

/**
 * A real HTTP/1.1 client of the gateway under test, on loopback. Its connections are
 * pooled, so a follow-up request goes over the connection an earlier one used. Each
 * exchange, the body included, must complete within 10 seconds.
 */
public final class GatewayClient {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final HttpClient client = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(TIMEOUT)
		.build();

	private final int port;

	public GatewayClient(int port) {
		this.port = port;
	}

	/**
	 * Send a GET request.
	 * @param path the path and query
	 * @param accept the {@code Accept} header, or {@code null} for none
	 * @return the response
	 * @throws IOException if the exchange fails
	 * @throws InterruptedException if interrupted
	 */
	public HttpResponse<String> get(String path, String accept) throws IOException, InterruptedException {
		return (accept != null) ? send("GET", path, "Accept", accept) : send("GET", path);
	}

	/**
	 * Read a response body as JSON.
	 * @param response the response
	 * @return the document
	 */
	public static JsonNode json(HttpResponse<String> response) {
		return JSON.readTree(response.body());
	}

	/**
	 * Send a request without a body.
	 * @param method the method
	 * @param path the path and query
	 * @param headers header names and values, alternating
	 * @return the response
	 * @throws IOException if the exchange fails
	 * @throws InterruptedException if interrupted
	 */
	public HttpResponse<String> send(String method, String path, String... headers)
			throws IOException, InterruptedException {
		return send(method, path, HttpRequest.BodyPublishers.noBody(), headers);
	}

	/**
	 * Send a request with a body.
	 * @param method the method
	 * @param path the path and query
	 * @param body the body
	 * @param headers header names and values, alternating
	 * @return the response
	 * @throws IOException if the exchange fails
	 * @throws InterruptedException if interrupted
	 */
	public HttpResponse<String> send(String method, String path, HttpRequest.BodyPublisher body, String... headers)
			throws IOException, InterruptedException {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
			.method(method, body)
			.timeout(TIMEOUT);
		for (int i = 0; i < headers.length; i += 2) {
			request.header(headers[i], headers[i + 1]);
		}
		CompletableFuture<HttpResponse<String>> response = this.client.sendAsync(request.build(),
				BodyHandlers.ofString());
		try {
			return response.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (TimeoutException ex) {
			// the request's timeout covers only the response head: a body that never
			// ends is caught here
			response.cancel(true);
			throw new HttpTimeoutException("No complete response within " + TIMEOUT);
		}
		catch (ExecutionException ex) {
			throw (ex.getCause() instanceof IOException io) ? io : new IOException(ex.getCause());
		}
	}

	/**
	 * Write raw bytes to the gateway on a new connection and read until the gateway ends
	 * it, by a close or a reset. Fails if the gateway keeps the connection open.
	 * @param request the bytes of the request, ISO-8859-1
	 * @return everything received, ISO-8859-1
	 * @throws IOException if the connection cannot be made
	 */
	public String exchangeUntilClosed(String request) throws IOException {
		return exchangeUntilClosed(request, (received) -> {
		});
	}

	/**
	 * Write raw bytes to the gateway on a new connection and read until the gateway ends
	 * it, by a close or a reset. Fails if the gateway keeps the connection open.
	 * @param request the bytes of the request, ISO-8859-1
	 * @param onReceived told of everything received so far, after each read
	 * @return everything received, ISO-8859-1
	 * @throws IOException if the connection cannot be made
	 */
	public String exchangeUntilClosed(String request, Consumer<String> onReceived) throws IOException {
		ByteArrayOutputStream received = new ByteArrayOutputStream();
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), this.port)) {
			socket.setSoTimeout((int) TIMEOUT.toMillis());
			socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
			InputStream in = socket.getInputStream();
			byte[] buffer = new byte[4096];
			try {
				for (int read = in.read(buffer); read != -1; read = in.read(buffer)) {
					received.write(buffer, 0, read);
					onReceived.accept(received.toString(StandardCharsets.ISO_8859_1));
				}
			}
			catch (SocketTimeoutException ex) {
				fail("The gateway kept the connection open: " + received.toString(StandardCharsets.ISO_8859_1));
			}
			catch (SocketException ex) {
				// reset: ended as well
			}
		}
		return received.toString(StandardCharsets.ISO_8859_1);
	}

}
