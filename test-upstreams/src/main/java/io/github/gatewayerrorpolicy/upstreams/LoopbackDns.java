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

package io.github.gatewayerrorpolicy.upstreams;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A DNS server on a loopback UDP port that knows no names: it answers every query with
 * NXDOMAIN, except queries for names that start with {@code timeout.}, which it never
 * answers. It keeps the gateway's name resolution in tests on loopback.
 */
public final class LoopbackDns implements AutoCloseable {

	/**
	 * Prefix of names this server never answers.
	 */
	public static final String SILENT_PREFIX = "timeout.";

	private static final int RCODE_NXDOMAIN = 3;

	private final DatagramSocket socket;

	private final Thread thread;

	private LoopbackDns() throws IOException {
		this.socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
		this.thread = new Thread(this::serve, "loopback-dns");
		this.thread.setDaemon(true);
		this.thread.start();
	}

	public static LoopbackDns start() {
		try {
			return new LoopbackDns();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	public InetSocketAddress address() {
		return (InetSocketAddress) this.socket.getLocalSocketAddress();
	}

	private void serve() {
		byte[] buffer = new byte[512];
		while (!this.socket.isClosed()) {
			try {
				DatagramPacket query = new DatagramPacket(buffer, buffer.length);
				this.socket.receive(query);
				byte[] message = Arrays.copyOf(query.getData(), query.getLength());
				if (message.length < 12 || firstLabelsAre(message, SILENT_PREFIX)) {
					continue;
				}
				byte[] answer = nxdomain(message);
				this.socket.send(new DatagramPacket(answer, answer.length, query.getSocketAddress()));
			}
			catch (IOException ex) {
				return;
			}
		}
	}

	private static boolean firstLabelsAre(byte[] message, String prefix) {
		int length = message[12];
		String label = new String(message, 13, Math.min(length, message.length - 13), StandardCharsets.US_ASCII);
		return prefix.equals(label + ".");
	}

	/**
	 * The query turned into a response: QR set, RD kept, RA set, RCODE NXDOMAIN, the
	 * question kept, no records.
	 */
	private static byte[] nxdomain(byte[] query) {
		int questionEnd = 12;
		while (questionEnd < query.length && query[questionEnd] != 0) {
			questionEnd += query[questionEnd] + 1;
		}
		questionEnd += 5;
		byte[] response = Arrays.copyOf(query, Math.min(questionEnd, query.length));
		response[2] = (byte) (0x80 | (query[2] & 0x01));
		response[3] = (byte) (0x80 | RCODE_NXDOMAIN);
		Arrays.fill(response, 6, 12, (byte) 0);
		return response;
	}

	@Override
	public void close() throws InterruptedException {
		this.socket.close();
		this.thread.join(5000);
	}

}
