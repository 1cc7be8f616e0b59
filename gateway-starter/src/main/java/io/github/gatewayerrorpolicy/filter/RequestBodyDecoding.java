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

package io.github.gatewayerrorpolicy.filter;

import java.util.Arrays;

import io.github.gatewayerrorpolicy.classify.InvalidRequestBodyException;
import io.github.gatewayerrorpolicy.observe.NativeRequests;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpContent;
import io.netty.util.AttributeKey;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.NettyPipeline;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;

/**
 * Makes a client request body that fails to decode end the upstream request in error,
 * never complete it.
 * <p>
 * When a chunked request body is malformed (an invalid chunk size, say), Reactor Netty
 * answers 400 and then completes the request body as if it had ended: the gateway's HTTP
 * client would send the terminating chunk, and the upstream would get a complete, valid
 * request it may act on. As a {@link NettyServerCustomizer}, this puts a handler after
 * the server's HTTP/1.1 codec that marks the connection when a body part fails to decode;
 * {@link #guard(ServerHttpRequest)} then makes the body of a chunked request end with an
 * {@link InvalidRequestBodyException} instead, so the upstream connection is closed
 * without the last chunk. A body framed by {@code Content-Length} cannot fail to decode:
 * it can only stop, which Reactor Netty already reports as an error.
 */
public class RequestBodyDecoding implements NettyServerCustomizer {

	/**
	 * The name of the handler in the server's pipeline.
	 */
	public static final String HANDLER_NAME = "gatewayErrorPolicy.requestBodyDecoding";

	private static final AttributeKey<Boolean> FAILED = AttributeKey
		.valueOf(RequestBodyDecoding.class.getName() + ".failed");

	private static final FailureMarker MARKER = new FailureMarker();

	@Override
	public HttpServer apply(HttpServer server) {
		HttpServer marked = server.doOnChannelInit((observer, channel, remoteAddress) -> addMarker(channel.pipeline()));
		boolean alpn = server.configuration().sslProvider() != null
				&& Arrays.asList(server.configuration().protocols()).contains(HttpProtocol.H2);
		// with ALPN the HTTP/1.1 codec comes after the handshake; a connection is
		// reported
		// per request, so this costs a look-up per request and is done only then
		return alpn ? marked.doOnConnection((connection) -> addMarker(connection.channel().pipeline())) : marked;
	}

	private static void addMarker(ChannelPipeline pipeline) {
		if (pipeline.get(NettyPipeline.HttpCodec) != null && pipeline.get(HANDLER_NAME) == null) {
			pipeline.addAfter(NettyPipeline.HttpCodec, HANDLER_NAME, MARKER);
		}
	}

	/**
	 * Make the body of a chunked request end in error if any part of it failed to decode.
	 * @param request the request, as the gateway is about to send it upstream
	 * @return the request to send instead, or the same one if it is not chunked
	 */
	public static ServerHttpRequest guard(ServerHttpRequest request) {
		if (!request.getHeaders().containsHeader(HttpHeaders.TRANSFER_ENCODING)) {
			return request;
		}
		HttpServerRequest nativeRequest = NativeRequests.of(request);
		if (!(nativeRequest instanceof Connection connection)) {
			return request;
		}
		Channel channel = connection.channel();
		return new ServerHttpRequestDecorator(request) {

			@Override
			public Flux<DataBuffer> getBody() {
				return super.getBody().concatWith(Mono.defer(
						() -> channel.hasAttr(FAILED) ? Mono.error(new InvalidRequestBodyException()) : Mono.empty()));
			}

		};
	}

	/**
	 * Marks the connection when a body part failed to decode, before Reactor Netty's
	 * handler answers it.
	 */
	@Sharable
	private static final class FailureMarker extends ChannelInboundHandlerAdapter {

		@Override
		public void channelRead(ChannelHandlerContext ctx, Object msg) {
			if (msg instanceof HttpContent content && content.decoderResult().isFailure()) {
				ctx.channel().attr(FAILED).set(Boolean.TRUE);
			}
			ctx.fireChannelRead(msg);
		}

	}

}
