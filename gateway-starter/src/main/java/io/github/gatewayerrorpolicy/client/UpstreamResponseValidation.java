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

import java.util.Arrays;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpClientCodec;
import reactor.netty.NettyPipeline;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;

import org.springframework.cloud.gateway.config.HttpClientCustomizer;

/**
 * Puts a {@link ResponseFramingValidator} on every HTTP/1.1 connection of the gateway's
 * HTTP client, between the socket (or TLS) and Netty's codec, so that upstream responses
 * that are not valid HTTP fail with an {@link InvalidUpstreamResponseException} and no
 * connection whose framing is in doubt goes back to the pool. HTTP/2 connections are left
 * to Netty's own HTTP/2 checks. It also marks, for {@link ConnectionReuse}, whether each
 * request goes out on a connection used before.
 * <p>
 * A cleartext connection has its codec when the channel is initialized. A TLS connection
 * that may negotiate HTTP/2 (with {@code server.http2.enabled}, Spring Cloud Gateway's
 * client offers both) gets its HTTP/1.1 codec only once ALPN has settled, just before it
 * is reported connected; the validator is added then. An HTTP/2 connection, whose frame
 * codec goes by the same name, gets none.
 */
public class UpstreamResponseValidation implements HttpClientCustomizer {

	/**
	 * The name of the handler in the pipeline.
	 */
	public static final String HANDLER_NAME = "gatewayErrorPolicy.responseFraming";

	@Override
	public HttpClient customize(HttpClient httpClient) {
		HttpClient validated = httpClient
			.doOnChannelInit((observer, channel, remoteAddress) -> addValidator(channel.pipeline()))
			.doOnRequest(ConnectionReuse::onRequest);
		// only where ALPN may settle on HTTP/1.1 after the channel was initialized
		return Arrays.asList(httpClient.configuration().protocols()).contains(HttpProtocol.H2)
				? validated.doOnConnected((connection) -> addValidator(connection.channel().pipeline())) : validated;
	}

	/**
	 * Add the validator in front of an HTTP/1.1 codec; an HTTP/2 connection's codec,
	 * under the same name, is left alone.
	 */
	private static void addValidator(ChannelPipeline pipeline) {
		if (pipeline.get(NettyPipeline.HttpCodec) instanceof HttpClientCodec && pipeline.get(HANDLER_NAME) == null) {
			pipeline.addBefore(NettyPipeline.HttpCodec, HANDLER_NAME, new ResponseFramingValidator());
		}
	}

}
