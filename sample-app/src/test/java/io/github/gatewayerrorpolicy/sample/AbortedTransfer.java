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
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * A response read off the wire until the gateway ends the connection, to tell an aborted
 * transfer from any other failure: a {@code 200} with a {@code Content-Length} and fewer
 * body bytes than it announced, the connection closed (or reset) promptly, and no client
 * timeout.
 *
 * @param status the status of the response
 * @param contentLength the announced {@code Content-Length}, or -1
 * @param bodyLength how many body bytes arrived
 * @param closedAfter how long after the request the gateway ended the connection, or
 * {@code null} if it did not within the client's timeout
 */
record AbortedTransfer(int status, long contentLength, long bodyLength, Duration closedAfter) {

	/**
	 * The longest an aborted transfer may keep the client waiting after the request.
	 */
	static final Duration PROMPTLY = Duration.ofSeconds(2);

	private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(5);

	/**
	 * Send a GET request on a new connection and read until the gateway ends it.
	 * @param port the gateway's port
	 * @param path the path
	 * @return what arrived
	 * @throws IOException if the connection cannot be made
	 */
	static AbortedTransfer get(int port, String path) throws IOException {
		ByteArrayOutputStream received = new ByteArrayOutputStream();
		Duration closedAfter = null;
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
			socket.setSoTimeout((int) CLIENT_TIMEOUT.toMillis());
			long start = System.nanoTime();
			socket.getOutputStream()
				.write(("GET " + path + " HTTP/1.1\r\nHost: gateway\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
			InputStream in = socket.getInputStream();
			byte[] buffer = new byte[4096];
			try {
				for (int read = in.read(buffer); read != -1; read = in.read(buffer)) {
					received.write(buffer, 0, read);
				}
				closedAfter = Duration.ofNanos(System.nanoTime() - start);
			}
			catch (SocketTimeoutException ex) {
				// the gateway left the client waiting: not an aborted transfer
			}
			catch (SocketException ex) {
				closedAfter = Duration.ofNanos(System.nanoTime() - start);
			}
		}
		return parse(received.toString(StandardCharsets.ISO_8859_1), closedAfter);
	}

	private static AbortedTransfer parse(String response, Duration closedAfter) {
		int headEnd = response.indexOf("\r\n\r\n");
		if (!response.startsWith("HTTP/1.1 ") || headEnd < 0) {
			return new AbortedTransfer(-1, -1, 0, closedAfter);
		}
		int status = Integer.parseInt(response.substring(9, 12));
		long contentLength = -1;
		for (String line : response.substring(0, headEnd).split("\r\n")) {
			if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
				contentLength = Long.parseLong(line.substring("content-length:".length()).trim());
			}
		}
		return new AbortedTransfer(status, contentLength, response.length() - headEnd - 4, closedAfter);
	}

	/**
	 * Whether this is an aborted transfer: a 200 that announced more than arrived, ended
	 * by the gateway promptly.
	 * @return whether the transfer was aborted
	 */
	boolean isAborted() {
		return this.status == 200 && this.contentLength > this.bodyLength && this.closedAfter != null
				&& this.closedAfter.compareTo(PROMPTLY) <= 0;
	}

}
