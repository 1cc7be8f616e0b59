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
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A loopback port that is bound but never listens, so every connection to it is refused,
 * and no other program can take the port while it is held.
 */
public final class ReservedPort implements AutoCloseable {

	private final Socket socket = new Socket();

	private ReservedPort() throws IOException {
		this.socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
	}

	public static ReservedPort reserve() {
		try {
			return new ReservedPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Return a loopback port that nothing uses now, for a server that a test starts
	 * itself, such as a container or another program.
	 * @return the port
	 */
	public static int unused() {
		try (ReservedPort reserved = reserve()) {
			return reserved.port();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	public int port() {
		return this.socket.getLocalPort();
	}

	public String url() {
		return "http://127.0.0.1:" + port();
	}

	@Override
	public void close() throws IOException {
		this.socket.close();
	}

}
