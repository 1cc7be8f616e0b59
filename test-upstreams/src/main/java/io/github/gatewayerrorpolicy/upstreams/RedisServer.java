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
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Redis, Debian's {@code redis-server}, started on a loopback port for one test
 * class, without persistence. Where it is not installed, the test is skipped, or fails
 * where every test is required ({@link AllTestsRequired}).
 */
public final class RedisServer implements AutoCloseable {

	/**
	 * Where {@code redis-server} is: {@code REDIS_SERVER} or Debian's path.
	 */
	public static final Path EXECUTABLE = Path
		.of(System.getenv().getOrDefault("REDIS_SERVER", "/usr/bin/redis-server"));

	private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

	private final Process process;

	private final int port;

	private RedisServer(Process process, int port) {
		this.process = process;
		this.port = port;
	}

	/**
	 * Start a Redis and return once it accepts connections.
	 * @return the running server
	 * @throws IOException if it cannot be started
	 */
	public static RedisServer start() throws IOException {
		if (!Files.isExecutable(EXECUTABLE)) {
			String message = "Needs Debian's redis-server at " + EXECUTABLE;
			if (AllTestsRequired.here()) {
				Assertions.fail(message);
			}
			Assumptions.abort(message);
		}
		int port = ReservedPort.unused();
		Process process = new ProcessBuilder(EXECUTABLE.toString(), "--port", String.valueOf(port), "--bind",
				"127.0.0.1", "--save", "", "--appendonly", "no")
			.redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.DISCARD)
			.start();
		// not left running if the tests' JVM ends without closing it
		Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "redis-server-" + port));
		RedisServer server = new RedisServer(process, port);
		long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
		while (!server.listening()) {
			if (!process.isAlive() || System.nanoTime() > deadline) {
				server.close();
				throw new IOException("redis-server did not listen on port " + port + " within " + START_TIMEOUT);
			}
			try {
				process.waitFor(50, TimeUnit.MILLISECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IOException(ex);
			}
		}
		return server;
	}

	/**
	 * Return the loopback port it listens on.
	 * @return the port
	 */
	public int port() {
		return this.port;
	}

	/**
	 * Freeze it: it still accepts connections and never answers, as a hung server does.
	 * @throws Exception if it cannot be frozen
	 */
	public void freeze() throws Exception {
		// the shell's kill: a machine may have no kill program
		Process kill = new ProcessBuilder("sh", "-c", "kill -STOP " + this.process.pid()).start();
		if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
			throw new IOException("redis-server could not be frozen");
		}
	}

	/**
	 * Stop it at once, frozen or not, and wait until it has ended.
	 */
	@Override
	public void close() {
		if (this.process.isAlive()) {
			// also a frozen Redis, which would not act on a polite signal
			this.process.destroyForcibly();
			try {
				this.process.waitFor(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	private boolean listening() {
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), this.port)) {
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

}
