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
import java.time.Instant;

import io.github.gatewayerrorpolicy.upstreams.FullBacklogListener;
import io.github.gatewayerrorpolicy.upstreams.LoopbackDns;
import io.github.gatewayerrorpolicy.upstreams.ReservedPort;
import io.github.gatewayerrorpolicy.upstreams.ScriptedUpstream;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.WebsocketServerSpec;

/**
 * The demo upstreams, all in this process on loopback ports the operating system chooses.
 */
public final class DemoUpstreams implements AutoCloseable {

	final ScriptedUpstream ok = ScriptedUpstream
		.start(ScriptedUpstream.answering(ScriptedUpstream.ok("Hello from the demo upstream.\n")));

	final ReservedPort refused = ReservedPort.reserve();

	/**
	 * The three instances of the load-balanced {@code demo-shop} service: two answer, one
	 * refuses every connection.
	 */
	final ScriptedUpstream shopA = ScriptedUpstream
		.start(ScriptedUpstream.answering(ScriptedUpstream.ok("Hello from demo-shop instance a.\n")));

	final ScriptedUpstream shopB = ScriptedUpstream
		.start(ScriptedUpstream.answering(ScriptedUpstream.ok("Hello from demo-shop instance b.\n")));

	final ReservedPort shopDown = ReservedPort.reserve();

	final FullBacklogListener connectTimeout = FullBacklogListener.start();

	final ScriptedUpstream slow = ScriptedUpstream.start(ScriptedUpstream.silent());

	final ScriptedUpstream close = ScriptedUpstream.start(ScriptedUpstream.closing());

	final ScriptedUpstream reset = ScriptedUpstream.start(ScriptedUpstream.resetting());

	final ScriptedUpstream garbage = ScriptedUpstream
		.start(ScriptedUpstream.writingThenAwaitingClose("HELLO, I AM NOT HTTP\r\n\r\n"));

	final ScriptedUpstream bigHeaders = ScriptedUpstream.start(ScriptedUpstream.writingThenAwaitingClose(
			"HTTP/1.1 200 OK\r\nX-Padding: " + "x".repeat(64 * 1024) + "\r\nContent-Length: 0\r\n\r\n"));

	final ScriptedUpstream clTe = ScriptedUpstream.start(ScriptedUpstream.writingThenAwaitingClose(
			"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"));

	final ScriptedUpstream plainHttp = ScriptedUpstream.start(ScriptedUpstream.plainHttpServer());

	final ScriptedUpstream unavailable = ScriptedUpstream.start(ScriptedUpstream
		.answering("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html; charset=utf-8\r\nRetry-After: 30\r\n"
				+ "Content-Length: 66\r\n\r\n<!DOCTYPE html><title>Maintenance</title><h1>Back in a minute</h1>"));

	/**
	 * Answers with the first part of a long body and closes: the gateway reads the bytes
	 * before it sees the end of the connection, so it has begun its answer when the body
	 * fails.
	 */
	final ScriptedUpstream midBody = ScriptedUpstream.start((connection) -> {
		connection.readRequest();
		connection.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n"
				+ "The first part of a long answer, and then the upstream fails.\n");
	});

	final LoopbackDns dns = LoopbackDns.start();

	/**
	 * A catalog that lets a shared cache serve its answer stale on error for five
	 * minutes, and answers one connection in three, closing the others: with the
	 * gateway's retry, every other request fails.
	 */
	final ScriptedUpstream flakyCatalog = ScriptedUpstream.start((connection) -> {
		if (connection.readRequest() != null && connection.index() % 3 == 1) {
			String body = "{\"items\":[\"tea\",\"coffee\"],\"servedAt\":\"" + Instant.now() + "\"}";
			connection.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
					+ "Cache-Control: max-age=5, stale-if-error=300\r\nContent-Length: " + body.length() + "\r\n"
					+ "Connection: close\r\n\r\n" + body);
		}
	});

	/**
	 * A WebSocket server that echoes text messages, speaking the sub-protocol
	 * {@code demo}.
	 */
	final DisposableServer wsEcho = HttpServer.create()
		.host("127.0.0.1")
		.port(0)
		.handle((request, response) -> response.sendWebsocket(
				(in, out) -> out.sendString(in.receive().asString().map((text) -> "echo: " + text)),
				WebsocketServerSpec.builder().protocols("demo").build()))
		.bindNow();

	/**
	 * Refuses every WebSocket handshake, as an upstream that wants a valid token would.
	 */
	final ScriptedUpstream wsForbidden = ScriptedUpstream.start(ScriptedUpstream
		.answering("HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 36\r\n\r\n"
				+ "This WebSocket needs a valid token.\n"));

	@Override
	public void close() throws IOException, InterruptedException {
		for (ScriptedUpstream upstream : new ScriptedUpstream[] { this.ok, this.shopA, this.shopB, this.slow,
				this.close, this.reset, this.garbage, this.bigHeaders, this.clTe, this.plainHttp, this.unavailable,
				this.midBody, this.wsForbidden, this.flakyCatalog }) {
			upstream.close();
		}
		this.refused.close();
		this.shopDown.close();
		this.connectTimeout.close();
		this.dns.close();
		this.wsEcho.disposeNow();
	}

}
