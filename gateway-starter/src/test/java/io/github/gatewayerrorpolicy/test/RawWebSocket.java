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
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A WebSocket handshake over a plain socket, to see exactly what the gateway answers: its
 * status, head and body, and, after a {@code 101}, the close frame it sends.
 *
 * @param status the status of the answer
 * @param head the status line and headers
 * @param body the body, read to its {@code Content-Length}
 * @param socket the connection, open
 */
public record RawWebSocket(int status, String head, String body, Socket socket) implements AutoCloseable {

	/**
	 * Send a handshake and read the answer's head, and its body if it has a length.
	 * @param port the gateway's port
	 * @param path the path
	 * @param headers further header lines, each ending with CRLF
	 * @return the answer
	 * @throws IOException if the exchange fails
	 */
	public static RawWebSocket handshake(int port, String path, String headers) throws IOException {
		Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
		try {
			return handshake(socket, port, path, headers);
		}
		catch (IOException | RuntimeException ex) {
			socket.close();
			throw ex;
		}
	}

	private static RawWebSocket handshake(Socket socket, int port, String path, String headers) throws IOException {
		socket.setSoTimeout(10_000);
		socket.getOutputStream()
			.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
					+ "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
					+ "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" + headers + "\r\n")
				.getBytes(StandardCharsets.US_ASCII));
		InputStream in = socket.getInputStream();
		ByteArrayOutputStream head = new ByteArrayOutputStream();
		while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
			int b = in.read();
			if (b < 0) {
				throw new IOException("closed after " + head.toString(StandardCharsets.ISO_8859_1));
			}
			head.write(b);
		}
		String text = head.toString(StandardCharsets.ISO_8859_1);
		int status = Integer.parseInt(text.substring(9, 12));
		int length = 0;
		for (String line : text.split("\r\n")) {
			if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
				length = Integer.parseInt(line.substring(15).trim());
			}
		}
		String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
		return new RawWebSocket(status, text, body, socket);
	}

	/**
	 * Return the value of the first header of that name, or {@code null}.
	 * @param name the name
	 * @return the value
	 */
	public String header(String name) {
		for (String line : this.head.split("\r\n")) {
			int colon = line.indexOf(':');
			if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
				return line.substring(colon + 1).trim();
			}
		}
		return null;
	}

	/**
	 * Read frames until the close frame, and return its code.
	 * @return the close code, or -1 if the connection ended without one
	 * @throws IOException if reading fails
	 */
	public int closeCode() throws IOException {
		InputStream in = this.socket.getInputStream();
		while (true) {
			int first = in.read();
			int second = in.read();
			if (first < 0 || second < 0) {
				return -1;
			}
			long length = second & 0x7f;
			if (length == 126) {
				length = ((in.read() & 0xff) << 8) | (in.read() & 0xff);
			}
			else if (length == 127) {
				length = 0;
				for (int i = 0; i < 8; i++) {
					length = (length << 8) | (in.read() & 0xff);
				}
			}
			byte[] payload = in.readNBytes((int) length);
			if ((first & 0x0f) == 8) {
				return (payload.length >= 2) ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
			}
		}
	}

	@Override
	public void close() throws IOException {
		this.socket.close();
	}

}
