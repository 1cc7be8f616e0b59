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

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import io.github.gatewayerrorpolicy.classify.ErrorType;
import io.github.gatewayerrorpolicy.classify.UpstreamEjectedException;
import io.github.gatewayerrorpolicy.classify.UpstreamFailure;
import io.github.gatewayerrorpolicy.classify.UpstreamFailureClassifier;
import io.github.gatewayerrorpolicy.classify.UpstreamPhase;
import io.github.gatewayerrorpolicy.filter.UpstreamErrorResponses;
import io.github.gatewayerrorpolicy.health.UpstreamHealth;
import io.github.gatewayerrorpolicy.health.UpstreamHealth.Admission;
import io.github.gatewayerrorpolicy.observe.NativeRequests;
import io.github.gatewayerrorpolicy.observe.Outcome;
import io.github.gatewayerrorpolicy.observe.UpstreamFailureEvents;
import io.github.gatewayerrorpolicy.policy.ErrorPolicy;
import io.github.gatewayerrorpolicy.policy.ErrorPolicyResolver;
import io.github.gatewayerrorpolicy.policy.LaterAnswer;
import io.github.gatewayerrorpolicy.policy.ResponseTimeouts;
import io.github.gatewayerrorpolicy.web.ErrorResponseWriter;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.WebsocketClientSpec;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.WebsocketRoutingFilter;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter.Type;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.cloud.gateway.support.TimeoutException;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.util.StringUtils;
import org.springframework.web.reactive.socket.HandshakeInfo;
import org.springframework.web.reactive.socket.WebSocketSession;
import org.springframework.web.reactive.socket.adapter.ReactorNettyWebSocketSession;
import org.springframework.web.reactive.socket.client.ReactorNettyWebSocketClient;
import org.springframework.web.reactive.socket.client.WebSocketClient;
import org.springframework.web.reactive.socket.server.WebSocketService;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * Routes a WebSocket handshake to a {@code ws:} or {@code wss:} upstream (an
 * {@code lb:ws:} one once the load balancer has chosen), and answers the client only once
 * the upstream has answered: Spring Cloud Gateway's {@link WebsocketRoutingFilter}
 * upgrades the client first and dials the upstream afterwards, so a client is told that
 * its handshake succeeded when the upstream refused it. Ordered just before that filter,
 * which then finds the request routed; with the error policy off for a route (or
 * altogether) the request is left to it.
 * <ul>
 * <li>An upstream that cannot be reached, or does not answer within the route's response
 * timeout, fails the request as an HTTP upstream call does: the gateway answers 502, 503
 * or 504 with {@code Proxy-Status}, counts and logs it, and the route's filters (a
 * circuit breaker's fallback) see the error. An ejected upstream is not called.</li>
 * <li>An upstream that answers with a status other than {@code 101} has its answer passed
 * to the client, status, headers and body, with {@code received-status} on a 5xx, which
 * the route's policy may mask as for HTTP.</li>
 * <li>After the upstream's {@code 101}, the client is upgraded with the sub-protocol the
 * upstream chose, and messages flow both ways. A close by either side is passed to the
 * other; an upstream connection that ends without a close, or fails, closes the client's
 * WebSocket with {@code 1014} (Bad Gateway) and is counted as an aborted response.</li>
 * </ul>
 */
public class WebSocketRoutingFilter implements GlobalFilter, Ordered {

	/**
	 * Order of this filter: just before Spring Cloud Gateway's WebSocket routing filter.
	 */
	public static final int ORDER = Ordered.LOWEST_PRECEDENCE - 2;

	/**
	 * The close code that tells a client its WebSocket ended because the upstream failed:
	 * Bad Gateway, in the IANA registry of RFC 6455 close codes.
	 */
	public static final int BAD_GATEWAY = 1014;

	private static final String SEC_WEBSOCKET_PREFIX = "sec-websocket-";

	private static final String SEC_WEBSOCKET_PROTOCOL = "Sec-WebSocket-Protocol";

	private static final String CAPTURE_HANDLER = "gatewayErrorPolicyHandshakeCapture";

	/**
	 * Response headers of the upstream's {@code 101} that describe that message or its
	 * connection, not the WebSocket: the client's {@code 101} has its own.
	 */
	private static final Set<String> NOT_ON_AN_UPGRADE = Set.of("connection", "upgrade", "content-length",
			"transfer-encoding", "keep-alive", "te", "trailer", "proxy-connection");

	private final @Nullable ReactorNettyWebSocketClient client;

	private final WebSocketService service;

	private final ObjectProvider<List<HttpHeadersFilter>> headersFilters;

	private final ErrorPolicyResolver policies;

	private final UpstreamFailureClassifier classifier;

	private final UpstreamFailureEvents events;

	private final UpstreamHealth health;

	private final UpstreamErrorResponses upstreamErrors;

	private final Supplier<@Nullable Duration> responseTimeout;

	/**
	 * The gateway's header filters, looked up once, when the first handshake is routed.
	 */
	private volatile @Nullable List<HttpHeadersFilter> resolvedHeadersFilters;

	/**
	 * Create the filter.
	 * @param client the gateway's WebSocket client; only Reactor Netty's lets the
	 * upstream's answer be read before the client is upgraded, so with any other the
	 * filter leaves WebSockets to Spring Cloud Gateway
	 * @param service the gateway's WebSocket service, which upgrades the client
	 * @param headersFilters the gateway's header filters
	 * @param policies the policy of each route
	 * @param classifier the classifier of upstream failures
	 * @param events where failures are published
	 * @param health the health of upstreams
	 * @param writer the writer of the gateway's answers
	 * @param responseTimeout the gateway's response timeout, where a route sets none
	 */
	public WebSocketRoutingFilter(WebSocketClient client, WebSocketService service,
			ObjectProvider<List<HttpHeadersFilter>> headersFilters, ErrorPolicyResolver policies,
			UpstreamFailureClassifier classifier, UpstreamFailureEvents events, UpstreamHealth health,
			ErrorResponseWriter writer, Supplier<@Nullable Duration> responseTimeout) {
		this.client = (client instanceof ReactorNettyWebSocketClient reactorNetty) ? reactorNetty : null;
		this.service = service;
		this.headersFilters = headersFilters;
		this.policies = policies;
		this.classifier = classifier;
		this.events = events;
		this.health = health;
		this.upstreamErrors = new UpstreamErrorResponses(events, writer);
		this.responseTimeout = responseTimeout;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		ReactorNettyWebSocketClient client = this.client;
		URI url = (client != null) ? upstreamUrl(exchange) : null;
		Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
		if (client == null || url == null || route == null) {
			return chain.filter(exchange);
		}
		ErrorPolicy policy = this.policies.resolve(route);
		if (!policy.isEnabled()) {
			return chain.filter(exchange);
		}
		exchange.getAttributes().put(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR, url);
		ServerWebExchangeUtils.setAlreadyRouted(exchange);
		Admission admission = this.health.admit(route.getId(), policy.health(), url, exchange.getAttributes());
		if (admission.isRefused()) {
			return failed(exchange, new UpstreamEjectedException(admission.retryAfterSeconds()));
		}
		List<String> protocols = protocols(exchange.getRequest().getHeaders());
		HandshakeCapture capture = new HandshakeCapture(protocols);
		Sinks.Empty<Void> relayed = Sinks.empty();
		AtomicBoolean handedOver = new AtomicBoolean();
		WebsocketClientSpec spec = spec(client, protocols);
		Mono<UpstreamSocket> handshake = handshake(upstream(client, spec, exchange, url, capture), url,
				spec.maxFramePayloadLength(), capture, relayed);
		Duration timeout = ResponseTimeouts.of(route, this.responseTimeout.get());
		if (timeout != null) {
			handshake = handshake.timeout(timeout,
					Mono.error(() -> new TimeoutException("Response took longer than timeout: " + timeout)));
		}
		return handshake.onErrorResume((error) -> {
			HttpResponse answer = (error instanceof WebSocketClientHandshakeException handshakeError)
					? handshakeError.response() : null;
			if (answer != null && answer.status().code() >= 200) {
				answered(exchange, policy, admission, answer, capture.refusal);
				return Mono.empty();
			}
			UpstreamFailure failure = new UpstreamFailure(error, UpstreamPhase.BEFORE_RESPONSE);
			admission.failed(policy.health(), this.classifier.classify(failure),
					NativeRequests.isClientGone(exchange.getRequest()));
			return failed(exchange, error);
		}).doOnCancel(admission::released).flatMap((upstream) -> {
			handedOver.set(true);
			admission.succeeded();
			return Mono.defer(() -> upgradeClient(exchange, upstream, relayed))
				.doOnError((error) -> relayed.tryEmitEmpty());
		}).doFinally((signal) -> {
			// an upstream that answered 101 too late (the client gone, the timeout over)
			// is closed: nothing will relay it
			if (!handedOver.get()) {
				relayed.tryEmitEmpty();
			}
		});
	}

	/**
	 * The upstream's handshake, done when the upstream has answered {@code 101}, with the
	 * upstream's session. The upstream connection then lives until {@code relayed} ends,
	 * whatever becomes of the subscriber: the relay, not a cancellation, ends it.
	 */
	private static Mono<UpstreamSocket> handshake(HttpClient.WebsocketSender upstream, URI url,
			int maxFramePayloadLength, HandshakeCapture capture, Sinks.Empty<Void> relayed) {
		return Mono.create((sink) -> {
			Disposable call = upstream.handle((inbound, outbound) -> {
				HttpHeaders headers = new HttpHeaders();
				inbound.headers().forEach((header) -> headers.add(header.getKey(), header.getValue()));
				String protocol = capture.noProtocolChosen ? null : inbound.selectedSubprotocol();
				HandshakeInfo info = new HandshakeInfo(url, headers, Mono.empty(), protocol);
				Sinks.Empty<Void> closed = Sinks.empty();
				inbound.withConnection((connection) -> connection.onDispose(() -> closed.tryEmitEmpty()));
				sink.success(new UpstreamSocket(new ReactorNettyWebSocketSession(inbound, outbound, info,
						new NettyDataBufferFactory(outbound.alloc()), maxFramePayloadLength), closed.asMono()));
				return relayed.asMono();
			}).contextWrite(sink.contextView()).subscribe(null, sink::error, sink::success);
			// only a subscriber that has not had the upstream's session cancels
			sink.onCancel(call);
		});
	}

	/**
	 * The upstream URL of a WebSocket handshake this filter routes, with an {@code http}
	 * scheme turned into {@code ws} as Spring Cloud Gateway does; {@code null} for any
	 * other request, which includes a handshake that the gateway's WebSocket service
	 * would refuse (left for Spring Cloud Gateway to refuse without calling the
	 * upstream), and an HTTP/2 client's {@code CONNECT} (RFC 8441).
	 */
	private static @Nullable URI upstreamUrl(ServerWebExchange exchange) {
		URI url = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
		HttpHeaders headers = exchange.getRequest().getHeaders();
		if (url == null || url.getScheme() == null || ServerWebExchangeUtils.isAlreadyRouted(exchange)
				|| exchange.getRequest().getMethod() != HttpMethod.GET
				|| !"websocket".equalsIgnoreCase(headers.getUpgrade())
				|| headers.getConnection().stream().noneMatch("upgrade"::equalsIgnoreCase)
				|| !"13".equals(headers.getFirst("Sec-WebSocket-Version"))
				|| !StringUtils.hasText(headers.getFirst("Sec-WebSocket-Key"))) {
			return null;
		}
		String scheme = url.getScheme().toLowerCase(Locale.ROOT);
		String wsScheme = switch (scheme) {
			case "http", "ws" -> "ws";
			case "https", "wss" -> "wss";
			default -> null;
		};
		if (wsScheme == null) {
			return null;
		}
		return scheme.equals(wsScheme) ? url
				: UriComponentsBuilder.fromUri(url)
					.scheme(wsScheme)
					.build(ServerWebExchangeUtils.containsEncodedParts(url))
					.toUri();
	}

	/**
	 * The upstream handshake: the request's headers as the gateway's filters pass them,
	 * without the client's own {@code Sec-WebSocket-*} headers (the HTTP client writes
	 * the upstream handshake's) and {@code Host} (Reactor Netty writes the upstream's,
	 * for Spring Cloud Gateway's own filter too).
	 */
	private HttpClient.WebsocketSender upstream(ReactorNettyWebSocketClient client, WebsocketClientSpec spec,
			ServerWebExchange exchange, URI url, HandshakeCapture capture) {
		HttpHeaders filtered = HttpHeadersFilter.filterRequest(headersFilters(), exchange);
		return client.getHttpClient().headers((headers) -> {
			for (Map.Entry<String, List<String>> entry : filtered.headerSet()) {
				String name = entry.getKey();
				if (!name.toLowerCase(Locale.ROOT).startsWith(SEC_WEBSOCKET_PREFIX)
						&& !HttpHeaders.HOST.equalsIgnoreCase(name)) {
					headers.set(name, entry.getValue());
				}
			}
		})
			.doOnRequest((request, connection) -> connection.addHandlerLast(CAPTURE_HANDLER, capture.handler()))
			.websocket(spec)
			.uri(url);
	}

	/**
	 * The client's settings, offering the sub-protocols the client offered: Spring's
	 * client builds its settings per call from a supplier it does not expose, so they are
	 * copied from its defaults.
	 */
	private static WebsocketClientSpec spec(ReactorNettyWebSocketClient client, List<String> protocols) {
		WebsocketClientSpec base = client.getWebsocketClientSpec();
		WebsocketClientSpec.Builder spec = WebsocketClientSpec.builder()
			.maxFramePayloadLength(base.maxFramePayloadLength())
			.handlePing(base.handlePing())
			.compress(base.compress())
			.maxDecompressionBufferSize(base.maxDecompressionBufferSize())
			.compressionAllowClientNoContext(base.compressionAllowClientNoContext())
			.compressionRequestedServerNoContext(base.compressionRequestedServerNoContext())
			.version(base.version());
		if (!protocols.isEmpty()) {
			spec.protocols(String.join(",", protocols));
		}
		return spec.build();
	}

	private List<HttpHeadersFilter> headersFilters() {
		List<HttpHeadersFilter> filters = this.resolvedHeadersFilters;
		if (filters == null) {
			filters = List.copyOf(this.headersFilters.getIfAvailable(ArrayList::new));
			this.resolvedHeadersFilters = filters;
		}
		return filters;
	}

	/**
	 * The sub-protocols the client offers, from the first {@code Sec-WebSocket-Protocol}
	 * header, the one the server's handshake reads.
	 */
	private static List<String> protocols(HttpHeaders headers) {
		String first = headers.getFirst(SEC_WEBSOCKET_PROTOCOL);
		return (first != null) ? List.of(StringUtils.tokenizeToStringArray(first, ",")) : List.of();
	}

	/**
	 * The upstream answered {@code 101}: upgrade the client with the sub-protocol the
	 * upstream chose and the upstream's other end-to-end response headers, and relay
	 * messages until both sides are closed.
	 */
	private Mono<Void> upgradeClient(ServerWebExchange exchange, UpstreamSocket socket, Sinks.Empty<Void> relayed) {
		WebSocketSession upstream = socket.session();
		HttpHeaders passed = responseHeaders(exchange, upstream.getHandshakeInfo().getHeaders());
		for (Map.Entry<String, List<String>> header : passed.headerSet()) {
			String name = header.getKey();
			if (!name.toLowerCase(Locale.ROOT).startsWith(SEC_WEBSOCKET_PREFIX)
					&& !NOT_ON_AN_UPGRADE.contains(name.toLowerCase(Locale.ROOT))) {
				exchange.getResponse().getHeaders().addAll(name, header.getValue());
			}
		}
		String protocol = upstream.getHandshakeInfo().getSubProtocol();
		WebSocketRelay relay = new WebSocketRelay(upstream, socket.closed(), protocol,
				(error) -> aborted(exchange, error), relayed::tryEmitEmpty);
		// Spring's service matches the client's offers untrimmed ("a, b"); Netty trims
		List<String> offered = protocols(exchange.getRequest().getHeaders());
		ServerWebExchange trimmed = offered.isEmpty() ? exchange
				: exchange.mutate()
					.request((request) -> request
						.headers((headers) -> headers.set(SEC_WEBSOCKET_PROTOCOL, String.join(",", offered))))
					.build();
		// the upgrade is done once the client has its 101; the relay runs on after it
		return this.service.handleRequest(trimmed, relay).doFinally((signal) -> {
			if (!relay.isStarted()) {
				relayed.tryEmitEmpty();
			}
		});
	}

	/**
	 * The upstream answered the handshake with another status: its status and headers are
	 * set here, and its body written once the route's filters are done with the response,
	 * as for an HTTP answer; a 5xx the route masks is replaced by the gateway's own
	 * answer.
	 */
	private void answered(ServerWebExchange exchange, ErrorPolicy policy, Admission admission,
			HttpResponse upstreamResponse, byte[] body) {
		int status = upstreamResponse.status().code();
		admission.answered(policy.health(), status);
		HttpHeaders upstreamHeaders = new HttpHeaders();
		upstreamResponse.headers().forEach((header) -> upstreamHeaders.add(header.getKey(), header.getValue()));
		if (status >= 500 && this.upstreamErrors.masked(exchange, policy, status, upstreamHeaders)) {
			return;
		}
		HttpHeaders passed = responseHeaders(exchange, upstreamHeaders);
		passed.remove(HttpHeaders.TRANSFER_ENCODING);
		passed.remove(HttpHeaders.CONTENT_LENGTH);
		ServerHttpResponse response = exchange.getResponse();
		response.setStatusCode(HttpStatusCode.valueOf(status));
		response.getHeaders().addAll(passed);
		if (status != HttpStatus.NO_CONTENT.value() && status != HttpStatus.NOT_MODIFIED.value()) {
			response.getHeaders().setContentLength(body.length);
			LaterAnswer.put(exchange, (answered) -> answered.getResponse()
				.writeWith(Mono.fromSupplier(() -> answered.getResponse().bufferFactory().wrap(body))));
		}
	}

	private HttpHeaders responseHeaders(ServerWebExchange exchange, HttpHeaders upstreamHeaders) {
		return HttpHeadersFilter.filter(headersFilters(), upstreamHeaders, exchange, Type.RESPONSE);
	}

	/**
	 * Fail the request with an error of the upstream call, for the route's filters and
	 * the gateway's exception handler.
	 */
	private static <T> Mono<T> failed(ServerWebExchange exchange, Throwable error) {
		UpstreamFailure.record(exchange, error, UpstreamPhase.BEFORE_RESPONSE);
		return Mono.error(error);
	}

	/**
	 * The upstream side of an upgraded WebSocket failed: counted as a response aborted
	 * after it began.
	 */
	private void aborted(ServerWebExchange exchange, @Nullable Throwable error) {
		ErrorType type = (error != null)
				? this.classifier.classify(new UpstreamFailure(error, UpstreamPhase.DURING_RESPONSE))
				: ErrorType.HTTP_RESPONSE_INCOMPLETE;
		this.events.publish(exchange, type, HttpStatus.SWITCHING_PROTOCOLS.value(), Outcome.ABORTED, error);
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	/**
	 * The upstream's side of a WebSocket, open.
	 *
	 * @param session the session
	 * @param closed completes as soon as its connection is closed
	 */
	private record UpstreamSocket(WebSocketSession session, Mono<Void> closed) {

	}

	/**
	 * What the HTTP client's pipeline shows of the upstream's answer to the handshake,
	 * beyond what Reactor Netty passes on: the body of an answer that is not {@code 101},
	 * which Reactor Netty reads whole (up to 8 KB) but releases once the handshake has
	 * failed, Netty's exception carrying only the status and headers; and a {@code 101}
	 * in which the upstream chose none of the sub-protocols offered, which RFC 6455
	 * allows (the client decides) but Netty's client refuses.
	 */
	private static final class HandshakeCapture {

		private final List<String> offered;

		volatile byte[] refusal = new byte[0];

		volatile boolean noProtocolChosen;

		HandshakeCapture(List<String> offered) {
			this.offered = offered;
		}

		/**
		 * A handler for a connection the handshake is sent on, after the HTTP client's
		 * aggregator: it sees the one aggregated response, and removes itself.
		 */
		ChannelInboundHandlerAdapter handler() {
			return new ChannelInboundHandlerAdapter() {

				@Override
				public void channelRead(ChannelHandlerContext ctx, Object msg) {
					if (msg instanceof FullHttpResponse response) {
						if (response.status().code() != HttpStatus.SWITCHING_PROTOCOLS.value()) {
							HandshakeCapture.this.refusal = ByteBufUtil.getBytes(response.content());
						}
						else if (!HandshakeCapture.this.offered.isEmpty()
								&& !response.headers().contains(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL)) {
							// let Netty accept it as the first offered; the client is
							// told
							// that none was chosen
							HandshakeCapture.this.noProtocolChosen = true;
							response.headers()
								.set(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL, HandshakeCapture.this.offered.get(0));
						}
						ctx.pipeline().remove(this);
					}
					ctx.fireChannelRead(msg);
				}

			};
		}

	}

}
