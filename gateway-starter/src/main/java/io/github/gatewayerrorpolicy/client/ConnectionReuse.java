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

package io.github.gatewayerrorpolicy.client;

import io.netty.util.AttributeKey;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClientRequest;
import reactor.util.context.Context;

/**
 * Tells whether an upstream call sent its request at all, and whether the last request
 * went out on a connection that had carried a request before, taken from the pool. Such a
 * connection may have been closed by the upstream, at its keep-alive timeout, just as the
 * request was written: the request is then lost without the upstream having read it, and
 * a safe request can be sent again. A call that failed before sending (the connection was
 * refused, timed out, or failed its TLS handshake) never reached the upstream.
 * <p>
 * One instance follows one upstream call: put {@link #context()} into the call's Reactor
 * context; the gateway's HTTP client, customized by {@link UpstreamResponseValidation},
 * marks it before each request it sends.
 */
public final class ConnectionReuse {

	private static final AttributeKey<Boolean> USED = AttributeKey.valueOf(ConnectionReuse.class.getName());

	private volatile boolean reused;

	private volatile boolean sent;

	/**
	 * Return whether the HTTP client had a connection and began to send the call's
	 * request: from then on the upstream may have received it.
	 * @return whether the request may have been sent
	 */
	public boolean sent() {
		return this.sent;
	}

	/**
	 * Return whether the call's last request went out on a connection used before.
	 * @return whether the connection was reused
	 */
	public boolean reused() {
		return this.reused;
	}

	/**
	 * Return a Reactor context that carries this instance to the HTTP client.
	 * @return the context
	 */
	public Context context() {
		return Context.of(ConnectionReuse.class, this);
	}

	static void onRequest(HttpClientRequest request, Connection connection) {
		boolean used = connection.channel().attr(USED).getAndSet(Boolean.TRUE) != null;
		ConnectionReuse reuse = request.currentContextView().getOrDefault(ConnectionReuse.class, null);
		if (reuse != null) {
			// Reactor Netty may send the request again on another connection itself
			reuse.reused = used;
			reuse.sent = true;
		}
	}

}
