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

package io.github.gatewayerrorpolicy.retry;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;

/**
 * The request as each attempt sends it: a body that was read ahead (or that a request
 * without one does not have) is sent from the copy kept; any other body is the client's,
 * which can be read only once, unless it turned out empty. It tells whether the current
 * attempt began to send the request.
 */
final class ReplayableRequest extends ServerHttpRequestDecorator {

	private final byte @Nullable [] kept;

	private volatile boolean subscribed;

	private volatile boolean sawData;

	private volatile boolean completedEmpty;

	private volatile boolean sentInAttempt;

	/**
	 * Wrap a request.
	 * @param request the client's request
	 * @param kept the whole body, read ahead or known to be empty, or {@code null} if it
	 * is the client's to read
	 */
	ReplayableRequest(ServerHttpRequest request, byte @Nullable [] kept) {
		super(request);
		this.kept = kept;
	}

	@Override
	public Flux<DataBuffer> getBody() {
		// the HTTP client asks for the body once it has a connection to write the request
		// to, and may subscribe to it later: from here on the request may have been sent
		this.sentInAttempt = true;
		if (this.kept != null) {
			byte[] body = this.kept;
			return (body.length > 0) ? Flux.defer(() -> Flux.just(DefaultDataBufferFactory.sharedInstance.wrap(body)))
					: Flux.empty();
		}
		if (this.completedEmpty) {
			return Flux.empty();
		}
		if (this.subscribed) {
			// read once already, and not kept: reading it again would wait for bytes the
			// client sent before
			return Flux.error(new IllegalStateException("The request body was sent once and was not kept"));
		}
		this.subscribed = true;
		return super.getBody().doOnNext((buffer) -> {
			if (buffer.readableByteCount() > 0) {
				this.sawData = true;
			}
		}).doOnComplete(() -> this.completedEmpty = !this.sawData);
	}

	/**
	 * An attempt begins.
	 */
	void newAttempt() {
		this.sentInAttempt = false;
	}

	/**
	 * Return whether the current attempt began to send the request: the HTTP client asks
	 * for the body only once it has a connection to write to, so an attempt that failed
	 * to connect (refused, timed out, DNS, TLS handshake) never did.
	 * @return whether the request may have reached the upstream
	 */
	boolean sentInAttempt() {
		return this.sentInAttempt;
	}

	/**
	 * Return whether the body can be sent again: it was kept, not asked for yet, or
	 * empty.
	 * @return whether another attempt can send the whole request
	 */
	boolean replayable() {
		return this.kept != null || !this.subscribed || this.completedEmpty;
	}

}
