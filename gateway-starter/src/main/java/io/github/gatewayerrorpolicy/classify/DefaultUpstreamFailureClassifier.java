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
package io.github.gatewayerrorpolicy.classify;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;

import javax.net.ssl.SSLException;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.handler.codec.http.TooLongHttpContentException;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.netty.handler.timeout.ReadTimeoutException;
import io.netty.resolver.dns.DnsNameResolverTimeoutException;
import org.jspecify.annotations.Nullable;
import reactor.netty.channel.AbortedException;

import org.springframework.cloud.gateway.support.NotFoundException;
import org.springframework.cloud.gateway.support.TimeoutException;

/**
 * Classifies failures as Reactor Netty and Spring Cloud Gateway raise them, by the types
 * in the error's cause chain; it never reads messages or stack traces.
 * <p>
 * What each failure looks like was found by provoking it against scripted upstreams (see
 * {@code docs/error-types.md}):
 * <ul>
 * <li>refused: {@code ConnectException}; connect timeout: Netty's
 * {@code ConnectTimeoutException}, a subclass that is tested first;</li>
 * <li>DNS: {@code UnknownHostException}, caused by a
 * {@code DnsNameResolverTimeoutException} when the resolver timed out;</li>
 * <li>closed or reset before the head: {@code PrematureCloseException}, Netty's native
 * {@code IOException}, or {@code AbortedException};</li>
 * <li>response timeout: the gateway's {@code ResponseStatusException} caused by a
 * {@code TimeoutException}, or Netty's {@code ReadTimeoutException} when the HTTP
 * client's own response timeout is set;</li>
 * <li>a malformed head or body framing: the decoder's {@code DecoderException} or
 * {@code IllegalArgumentException} (a bad version, status code or chunk size); a head
 * over the limit: {@code TooLongFrameException};</li>
 * <li>TLS: {@code SSLException}, with a {@code GeneralSecurityException} in its chain
 * when the certificate was refused;</li>
 * <li>pool exhausted: Reactor Pool's acquire-timeout or pending-limit exception;</li>
 * <li>a WebSocket upstream's handshake: Netty's
 * {@code WebSocketClientHandshakeException}, without a response when the connection
 * closed first, with one when a {@code 101} did not upgrade;</li>
 * <li>no instance for an {@code lb:} route: the gateway's {@code NotFoundException}; an
 * ejected upstream: {@link UpstreamEjectedException};</li>
 * <li>a client request body that failed to decode:
 * {@link InvalidRequestBodyException}.</li>
 * </ul>
 */
public class DefaultUpstreamFailureClassifier implements UpstreamFailureClassifier {

	private static final int MAX_DEPTH = 8;

	private static final String POOL_PACKAGE = "reactor.netty.internal.shaded.reactor.pool.";

	@Override
	public ErrorType classify(UpstreamFailure failure) {
		boolean duringResponse = failure.phase() == UpstreamPhase.DURING_RESPONSE;
		@Nullable Throwable error = failure.error();
		for (int depth = 0; error != null && depth < MAX_DEPTH; depth++) {
			ErrorType type = classifyOne(error, duringResponse);
			if (type != null) {
				return type;
			}
			error = (error.getCause() != error) ? error.getCause() : null;
		}
		return duringResponse ? ErrorType.HTTP_RESPONSE_INCOMPLETE : ErrorType.PROXY_INTERNAL_ERROR;
	}

	private @Nullable ErrorType classifyOne(Throwable error, boolean duringResponse) {
		if (error instanceof ReadTimeoutException) {
			return duringResponse ? ErrorType.CONNECTION_READ_TIMEOUT : ErrorType.HTTP_RESPONSE_TIMEOUT;
		}
		if (error instanceof TimeoutException) {
			return ErrorType.HTTP_RESPONSE_TIMEOUT;
		}
		if (error instanceof InvalidRequestBodyException) {
			return ErrorType.HTTP_REQUEST_ERROR;
		}
		if (error instanceof NotFoundException || error instanceof UpstreamEjectedException) {
			return ErrorType.DESTINATION_UNAVAILABLE;
		}
		if (isPoolError(error)) {
			return ErrorType.CONNECTION_LIMIT_REACHED;
		}
		if (error instanceof UnknownHostException) {
			return hasCause(error, DnsNameResolverTimeoutException.class) ? ErrorType.DNS_TIMEOUT : ErrorType.DNS_ERROR;
		}
		if (error instanceof ConnectTimeoutException || error instanceof SslHandshakeTimeoutException) {
			return ErrorType.CONNECTION_TIMEOUT;
		}
		if (error instanceof NoRouteToHostException) {
			return ErrorType.DESTINATION_IP_UNROUTABLE;
		}
		if (error instanceof ConnectException) {
			return ErrorType.CONNECTION_REFUSED;
		}
		if (error instanceof SSLException) {
			return hasCause(error, GeneralSecurityException.class) ? ErrorType.TLS_CERTIFICATE_ERROR
					: ErrorType.TLS_PROTOCOL_ERROR;
		}
		if (error instanceof WebSocketClientHandshakeException handshake) {
			// no answer: the upstream closed before its handshake's answer; an answer
			// that is not a refusal (a 101 without a valid upgrade) breaks the protocol
			return (handshake.response() != null) ? ErrorType.HTTP_PROTOCOL_ERROR : ErrorType.CONNECTION_TERMINATED;
		}
		if (error instanceof TooLongHttpContentException) {
			// only an aggregating handler raises it: a WebSocket handshake's answer over
			// 8 KB
			return ErrorType.HTTP_PROTOCOL_ERROR;
		}
		if (error instanceof TooLongFrameException) {
			return duringResponse ? ErrorType.HTTP_PROTOCOL_ERROR : ErrorType.HTTP_RESPONSE_HEADER_SECTION_SIZE;
		}
		if (error instanceof DecoderException && !(error.getCause() instanceof SSLException)) {
			return ErrorType.HTTP_PROTOCOL_ERROR;
		}
		if (error instanceof IllegalArgumentException) {
			return ErrorType.HTTP_PROTOCOL_ERROR;
		}
		if (error instanceof IOException || error instanceof AbortedException) {
			return duringResponse ? ErrorType.HTTP_RESPONSE_INCOMPLETE : ErrorType.CONNECTION_TERMINATED;
		}
		return null;
	}

	private static boolean isPoolError(Throwable error) {
		return error.getClass().getName().startsWith(POOL_PACKAGE);
	}

	private static boolean hasCause(Throwable error, Class<? extends Throwable> type) {
		@Nullable Throwable cause = error.getCause();
		for (int depth = 0; cause != null && depth < MAX_DEPTH; depth++) {
			if (type.isInstance(cause)) {
				return true;
			}
			cause = (cause.getCause() != cause) ? cause.getCause() : null;
		}
		return false;
	}

}
