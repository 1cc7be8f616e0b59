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
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * A loopback listener that never accepts and whose accept queue is already full, so a new
 * connection attempt is neither accepted nor refused: the kernel drops its SYN and the
 * client's connect times out.
 */
public final class FullBacklogListener implements AutoCloseable {

	private static final int MAX_FILLERS = 64;

	private final ServerSocket server;

	private final List<Socket> fillers = new ArrayList<>();

	private FullBacklogListener() throws IOException {
		this.server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
		InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port());
		while (this.fillers.size() < MAX_FILLERS) {
			Socket filler = new Socket();
			try {
				filler.connect(address, 200);
				this.fillers.add(filler);
			}
			catch (SocketTimeoutException ex) {
				filler.close();
				return;
			}
		}
		throw new IllegalStateException("The accept queue did not fill up after " + MAX_FILLERS + " connections");
	}

	public static FullBacklogListener start() {
		try {
			return new FullBacklogListener();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	public int port() {
		return this.server.getLocalPort();
	}

	@Override
	public void close() throws IOException {
		for (Socket filler : this.fillers) {
			filler.close();
		}
		this.server.close();
	}

}
