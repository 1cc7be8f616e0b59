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

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLContext;

import org.jspecify.annotations.Nullable;

/**
 * An upstream on a loopback {@link ServerSocket} that answers each connection with a
 * script writing exact bytes, the way Envoy, nginx and HAProxy test their proxies. Each
 * connection is served on its own daemon thread.
 */
public final class ScriptedUpstream implements AutoCloseable {

	private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(30);

	private final ServerSocket server;

	private final Script script;

	private final ExecutorService executor = Executors.newCachedThreadPool((task) -> {
		Thread thread = new Thread(task, "scripted-upstream");
		thread.setDaemon(true);
		return thread;
	});

	private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

	private final AtomicInteger connections = new AtomicInteger();

	private final AtomicInteger closedByGateway = new AtomicInteger();

	private final String scheme;

	private ScriptedUpstream(ServerSocket server, String scheme, Script script) {
		this.server = server;
		this.scheme = scheme;
		this.script = script;
		this.executor.execute(this::acceptLoop);
	}

	/**
	 * Start an upstream that runs the script for every connection.
	 * @param script what to do with each connection
	 * @return the started upstream
	 */
	public static ScriptedUpstream start(Script script) {
		try {
			return new ScriptedUpstream(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), "http", script);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Start an upstream that speaks TLS and runs the script for every connection.
	 * @param script what to do with each connection, once the handshake succeeded
	 * @param tls the server's TLS context, for example
	 * {@link SelfSignedTls#serverContext()}
	 * @return the started upstream
	 */
	public static ScriptedUpstream startTls(Script script, SSLContext tls) {
		try {
			return new ScriptedUpstream(
					tls.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress()), "https",
					script);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * A script that answers every request on a connection with the same bytes.
	 * @param response the complete response
	 * @return the script
	 */
	public static Script answering(String response) {
		return (connection) -> {
			while (connection.readRequest() != null) {
				connection.write(response);
			}
		};
	}

	/**
	 * A script that reads one request and never answers, until the gateway closes the
	 * connection.
	 * @return the script
	 */
	public static Script silent() {
		return (connection) -> {
			connection.readRequest();
			connection.awaitClosedByPeer();
		};
	}

	/**
	 * A script that reads one request and closes the connection without answering.
	 * @return the script
	 */
	public static Script closing() {
		return Connection::readRequest;
	}

	/**
	 * A script that reads one request and resets the connection without answering.
	 * @return the script
	 */
	public static Script resetting() {
		return (connection) -> {
			connection.readRequest();
			connection.reset();
		};
	}

	/**
	 * A script that behaves like a plain HTTP server receiving something that is no HTTP
	 * request, such as a TLS client hello: it answers 400 and closes.
	 * @return the script
	 */
	public static Script plainHttpServer() {
		return (connection) -> {
			connection.readSome();
			connection.write("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
		};
	}

	/**
	 * A script that reads one request, writes the given bytes, and then waits until the
	 * gateway closes the connection.
	 * @param response the bytes to write
	 * @return the script
	 */
	public static Script writingThenAwaitingClose(String response) {
		return (connection) -> {
			connection.readRequest();
			connection.write(response);
			connection.awaitClosedByPeer();
		};
	}

	/**
	 * A 200 response with a plain-text body.
	 * @param body the body
	 * @return the complete response
	 */
	public static String ok(String body) {
		return "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
	}

	private void acceptLoop() {
		while (!this.server.isClosed()) {
			try {
				Socket socket = this.server.accept();
				this.sockets.add(socket);
				int index = this.connections.incrementAndGet();
				this.executor.execute(() -> serve(socket, index));
			}
			catch (IOException ex) {
				return;
			}
		}
	}

	private void serve(Socket socket, int index) {
		try (socket) {
			socket.setSoTimeout((int) SOCKET_TIMEOUT.toMillis());
			this.script.run(new Connection(socket, index));
		}
		catch (Exception ex) {
			// the gateway closed the connection, or the script ended it
		}
		finally {
			this.sockets.remove(socket);
		}
	}

	public int port() {
		return this.server.getLocalPort();
	}

	public String url() {
		return this.scheme + "://127.0.0.1:" + port();
	}

	/**
	 * Return how many connections the gateway opened.
	 * @return the number of accepted connections
	 */
	public int connections() {
		return this.connections.get();
	}

	/**
	 * Return how many connections a script saw the gateway close.
	 * @return the number of connections closed by the gateway
	 */
	public int closedByGateway() {
		return this.closedByGateway.get();
	}

	@Override
	public void close() throws IOException {
		this.server.close();
		for (Socket socket : this.sockets) {
			socket.close();
		}
		this.executor.shutdownNow();
	}

	/**
	 * What an upstream does with one connection.
	 */
	@FunctionalInterface
	public interface Script {

		void run(Connection connection) throws Exception;

	}

	/**
	 * One accepted connection, as a script sees it.
	 */
	public final class Connection {

		private final Socket socket;

		private final InputStream in;

		private final OutputStream out;

		private final int index;

		Connection(Socket socket, int index) throws IOException {
			this.socket = socket;
			this.in = socket.getInputStream();
			this.out = socket.getOutputStream();
			this.index = index;
		}

		/**
		 * Return which connection this is, counting from 1 in the order they were
		 * accepted.
		 * @return the index
		 */
		public int index() {
			return this.index;
		}

		/**
		 * Read one request head, and not its body.
		 * @return the request head, or {@code null} if the gateway closed the connection
		 * @throws IOException if reading fails
		 */
		public @Nullable String readHead() throws IOException {
			ByteArrayOutputStream head = new ByteArrayOutputStream();
			int matched = 0;
			while (matched < 4) {
				int b = this.in.read();
				if (b == -1) {
					return null;
				}
				head.write(b);
				matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r') ? 1 : 0;
			}
			return head.toString(StandardCharsets.ISO_8859_1);
		}

		/**
		 * Read one request head and any body announced by {@code Content-Length}.
		 * @return the request head, or {@code null} if the gateway closed the connection
		 * @throws IOException if reading fails
		 */
		public @Nullable String readRequest() throws IOException {
			String text = readHead();
			if (text == null) {
				return null;
			}
			int length = contentLength(text);
			if (length > 0) {
				this.in.readNBytes(length);
			}
			return text;
		}

		/**
		 * Read one request head and the body announced by {@code Content-Length}.
		 * @return the request head followed by its body, ISO-8859-1, or {@code null} if
		 * the gateway closed the connection
		 * @throws IOException if reading fails
		 */
		public @Nullable String readRequestWithBody() throws IOException {
			String head = readHead();
			if (head == null) {
				return null;
			}
			int length = contentLength(head);
			return head + ((length > 0) ? new String(this.in.readNBytes(length), StandardCharsets.ISO_8859_1) : "");
		}

		private static int contentLength(String head) {
			for (String line : head.split("\r\n")) {
				if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
					return Integer.parseInt(line.substring("content-length:".length()).trim());
				}
			}
			return 0;
		}

		/**
		 * Read everything the gateway sends until it closes the connection (or the
		 * socket's timeout passes), and count the close.
		 * @return the bytes read, ISO-8859-1
		 * @throws IOException if reading fails
		 */
		public String readUntilClosed() throws IOException {
			return readUntilClosedOr(null);
		}

		/**
		 * Read everything the gateway sends until it closes the connection (counting the
		 * close), the socket's timeout passes, or what was read ends with the given
		 * bytes.
		 * @param end where to stop reading, or {@code null} to read until the close
		 * @return the bytes read, ISO-8859-1
		 * @throws IOException if reading fails
		 */
		public String readUntilClosedOr(@Nullable String end) throws IOException {
			ByteArrayOutputStream received = new ByteArrayOutputStream();
			try {
				for (int b = this.in.read(); b != -1; b = this.in.read()) {
					received.write(b);
					if (end != null && received.toString(StandardCharsets.ISO_8859_1).endsWith(end)) {
						return received.toString(StandardCharsets.ISO_8859_1);
					}
				}
				ScriptedUpstream.this.closedByGateway.incrementAndGet();
			}
			catch (SocketTimeoutException ex) {
				// the gateway kept the connection open
			}
			return received.toString(StandardCharsets.ISO_8859_1);
		}

		/**
		 * Read whatever the gateway has sent so far, such as a TLS client hello that is
		 * no HTTP request at all.
		 * @throws IOException if reading fails
		 */
		public void readSome() throws IOException {
			this.in.read(new byte[1024]);
		}

		public void write(String bytes) throws IOException {
			this.out.write(bytes.getBytes(StandardCharsets.ISO_8859_1));
			this.out.flush();
		}

		/**
		 * Close the connection with a TCP reset instead of an orderly close.
		 * @throws IOException if closing fails
		 */
		public void reset() throws IOException {
			this.socket.setSoLinger(true, 0);
			this.socket.close();
		}

		/**
		 * Close this side of the connection (send FIN), as an upstream does at its
		 * keep-alive timeout, and keep reading.
		 * @throws IOException if closing fails
		 */
		public void closeOutput() throws IOException {
			this.socket.shutdownOutput();
		}

		/**
		 * Wait, at most for the socket's timeout, until the gateway closes the
		 * connection, discarding anything it sends; count it if it does.
		 * @throws IOException if reading fails
		 */
		public void awaitClosedByPeer() throws IOException {
			try {
				while (this.in.read() != -1) {
					// discard
				}
				ScriptedUpstream.this.closedByGateway.incrementAndGet();
			}
			catch (SocketTimeoutException ex) {
				// the gateway kept the connection open
			}
		}

	}

}
