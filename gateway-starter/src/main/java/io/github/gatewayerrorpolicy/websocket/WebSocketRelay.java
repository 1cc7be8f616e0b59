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

package io.github.gatewayerrorpolicy.websocket;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.WebSocketSession;

/**
 * Relays messages between the client's WebSocket and the upstream's, once both are open.
 * A close by either side is passed to the other with its code where RFC 6455 lets a close
 * frame carry it. When the upstream's side ends without a close frame, or fails, while
 * the client's is open, the client's is closed with {@code 1014} (Bad Gateway) and the
 * failure is reported.
 */
final class WebSocketRelay implements WebSocketHandler {

	private static final CloseStatus BAD_GATEWAY = new CloseStatus(WebSocketRoutingFilter.BAD_GATEWAY, "Bad Gateway");

	private final WebSocketSession upstream;

	private final List<String> protocols;

	private final Consumer<@Nullable Throwable> onUpstreamFailure;

	private final Runnable onEnd;

	private final Mono<Void> upstreamClosed;

	private final AtomicBoolean started = new AtomicBoolean();

	private final AtomicBoolean failed = new AtomicBoolean();

	private final AtomicBoolean clientEnded = new AtomicBoolean();

	/**
	 * Create the relay.
	 * @param upstream the upstream's open session
	 * @param upstreamClosed completes as soon as the upstream's connection is closed
	 * @param protocol the sub-protocol the upstream chose, offered to the client alone
	 * @param onUpstreamFailure told of the upstream's side failing, with its error if it
	 * raised one
	 * @param onEnd told when the relay has ended, both sides closed
	 */
	WebSocketRelay(WebSocketSession upstream, Mono<Void> upstreamClosed, @Nullable String protocol,
			Consumer<@Nullable Throwable> onUpstreamFailure, Runnable onEnd) {
		this.upstream = upstream;
		this.upstreamClosed = upstreamClosed;
		this.onEnd = onEnd;
		this.protocols = (protocol != null) ? List.of(protocol) : List.of();
		this.onUpstreamFailure = onUpstreamFailure;
	}

	/**
	 * Whether the client was upgraded and the relay began: the server subscribes to the
	 * relay before it completes the upgrade, or never.
	 * @return whether the relay began
	 */
	boolean isStarted() {
		return this.started.get();
	}

	@Override
	public List<String> getSubProtocols() {
		return this.protocols;
	}

	@Override
	public Mono<Void> handle(WebSocketSession client) {
		this.started.set(true);
		AtomicBoolean closeReceived = new AtomicBoolean();
		Mono<CloseStatus> upstreamClose = this.upstream.closeStatus()
			.doOnNext((status) -> closeReceived.set(true))
			.cache();
		// the upstream connection closed without a close frame while the client's side
		// was open: the client's is closed with Bad Gateway before the end of the
		// upstream's side cancels the client's (which would close it with no code)
		Mono<Void> upstreamGone = this.upstreamClosed.then(Mono.defer(() -> {
			if (closeReceived.get()) {
				return Mono.empty();
			}
			return badGateway(client, null);
		}));
		AtomicReference<@Nullable Throwable> upstreamError = new AtomicReference<>();
		// each session releases a message once handed on; the other sends it later
		Mono<Void> toClient = client
			.send(this.upstream.receive().doOnNext(WebSocketMessage::retain).doOnError(upstreamError::set))
			.onErrorResume((error) -> Mono.empty())
			.then(upstreamClose.map(WebSocketRelay::passable).flatMap((status) -> {
				Throwable error = upstreamError.get();
				return (error != null) ? badGateway(client, error) : client.close(status);
			}).switchIfEmpty(Mono.defer(() -> badGateway(client, upstreamError.get()))));
		// the client's side ended when its messages end, not when a failed send to the
		// upstream cancels them (which closes the client's side with no code)
		Mono<Void> toUpstream = this.upstream
			.send(client.receive().doOnNext(WebSocketMessage::retain).doOnTerminate(() -> this.clientEnded.set(true)))
			.onErrorResume((error) -> badGateway(client, error))
			.then(Mono.defer(() -> (this.clientEnded.get() && this.upstream.isOpen()) ? client.closeStatus()
				.map(WebSocketRelay::passable)
				.defaultIfEmpty(CloseStatus.GOING_AWAY)
				.flatMap(this.upstream::close) : Mono.empty()));
		return Mono.when(upstreamClose, upstreamGone, toClient, toUpstream).doFinally((signal) -> this.onEnd.run());
	}

	/**
	 * Close the client's side with Bad Gateway and report the upstream's failure, once,
	 * if the client's side is open and had not ended first.
	 */
	private Mono<Void> badGateway(WebSocketSession client, @Nullable Throwable error) {
		if (this.clientEnded.get() || !client.isOpen() || !this.failed.compareAndSet(false, true)) {
			return Mono.empty();
		}
		this.onUpstreamFailure.accept(error);
		return client.close(BAD_GATEWAY);
	}

	/**
	 * A close status as it may be sent on: codes that RFC 6455 reserves for a close
	 * without a frame, or that no registry defines, become a protocol error.
	 */
	static CloseStatus passable(CloseStatus status) {
		int code = status.getCode();
		if (code == 1005) {
			return CloseStatus.NORMAL;
		}
		boolean sendable = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014)
				|| (code >= 3000 && code <= 4999);
		return sendable ? status : CloseStatus.PROTOCOL_ERROR;
	}

}
