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
 * without one does not have) is sent from the copy kept, as often as needed; any other
 * body is the client's, which can be read only once. It also tells whether the routing
 * filter asked for the body in the current attempt, which is how the gateway knows that a
 * request may have been sent when its HTTP client is not the one the starter customizes.
 */
final class ReplayableRequest extends ServerHttpRequestDecorator {

	private final byte @Nullable [] kept;

	private volatile boolean askedInAttempt;

	private volatile boolean read;

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
		this.askedInAttempt = true;
		byte[] body = this.kept;
		if (body == null) {
			return super.getBody().doOnSubscribe((subscription) -> this.read = true);
		}
		return (body.length > 0) ? Flux.defer(() -> Flux.just(DefaultDataBufferFactory.sharedInstance.wrap(body)))
				: Flux.empty();
	}

	/**
	 * An attempt begins.
	 */
	void newAttempt() {
		this.askedInAttempt = false;
	}

	/**
	 * Return whether anything asked for the body during the current attempt: the routing
	 * filter does once its HTTP client has a connection, and so may a filter that copies
	 * the request.
	 * @return whether the body was asked for
	 */
	boolean askedInAttempt() {
		return this.askedInAttempt;
	}

	/**
	 * Return whether the client's body, not kept, has been read, by the routing filter or
	 * by any other.
	 * @return whether it was subscribed to
	 */
	boolean isRead() {
		return this.read;
	}

	/**
	 * Return whether the body can be sent again whatever became of it.
	 * @return whether the body was kept
	 */
	boolean isKept() {
		return this.kept != null;
	}

}
