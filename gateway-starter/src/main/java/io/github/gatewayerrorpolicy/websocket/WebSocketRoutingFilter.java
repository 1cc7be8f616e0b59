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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import io.github.gatewayerrorpolicy.classify.ErrorType;
import io.github.gatewayerrorpolicy.classify.UpstreamEjectedException;
import io.github.gatewayerrorpolicy.classify.UpstreamFailure;
import io.github.gatewayerrorpolicy.classify.UpstreamFailureClassifier;
import io.github.gatewayerrorpolicy.classify.UpstreamPhase;
import io.github.gatewayerrorpolicy.health.UpstreamAddress;
import io.github.gatewayerrorpolicy.health.UpstreamHealth;
import io.github.gatewayerrorpolicy.health.UpstreamHealth.Admission;
import io.github.gatewayerrorpolicy.observe.NativeRequests;
import io.github.gatewayerrorpolicy.observe.Outcome;
import io.github.gatewayerrorpolicy.observe.UpstreamFailureEvent;
import io.github.gatewayerrorpolicy.observe.UpstreamFailureEvents;
import io.github.gatewayerrorpolicy.policy.ErrorPolicy;
import io.github.gatewayerrorpolicy.policy.ErrorPolicyResolver;
import io.github.gatewayerrorpolicy.policy.ProxyStatus;
import io.github.gatewayerrorpolicy.policy.ResponseTimeouts;
import io.github.gatewayerrorpolicy.web.ErrorResponseWriter;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.WebsocketClientSpec;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

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

	private final ReactorNettyWebSocketClient client;

	private final WebSocketService service;

	private final ObjectProvider<List<HttpHeadersFilter>> headersFilters;

	private final ErrorPolicyResolver policies;

	private final UpstreamFailureClassifier classifier;

	private final UpstreamFailureEvents events;

	private final UpstreamHealth health;

	private final ErrorResponseWriter writer;

	private final Supplier<@Nullable Duration> responseTimeout;

	/**
	 * Create the filter.
	 * @param client the gateway's WebSocket client, whose HTTP client dials upstreams
	 * @param service the gateway's WebSocket service, which upgrades the client
	 * @param headersFilters the gateway's header filters
	 * @param policies the policy of each route
	 * @param classifier the classifier of upstream failures
	 * @param events where failures are published
	 * @param health the health of upstreams
	 * @param writer the writer of the gateway's answers
	 * @param responseTimeout the gateway's response timeout, where a route sets none
	 */
	public WebSocketRoutingFilter(ReactorNettyWebSocketClient client, WebSocketService service,
			ObjectProvider<List<HttpHeadersFilter>> headersFilters, ErrorPolicyResolver policies,
			UpstreamFailureClassifier classifier, UpstreamFailureEvents events, UpstreamHealth health,
			ErrorResponseWriter writer, Supplier<@Nullable Duration> responseTimeout) {
		this.client = client;
		this.service = service;
		this.headersFilters = headersFilters;
		this.policies = policies;
		this.classifier = classifier;
		this.events = events;
		this.health = health;
		this.writer = writer;
		this.responseTimeout = responseTimeout;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		URI url = upstreamUrl(exchange);
		Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
		if (url == null || route == null) {
			return chain.filter(exchange);
		}
		ErrorPolicy policy = this.policies.resolve(route);
		if (!policy.isEnabled()) {
			return chain.filter(exchange);
		}
		exchange.getAttributes().put(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR, url);
		ServerWebExchangeUtils.setAlreadyRouted(exchange);
		UpstreamAddress address = UpstreamAddress.of(url);
		Admission admission = (address != null) ? this.health.admit(route.getId(), policy.health(), address,
				UpstreamHealth.isKeptBeyondCap(exchange.getAttributes(), address)) : Admission.UNTRACKED;
		if (admission.isRefused()) {
			return failed(exchange, new UpstreamEjectedException(admission.retryAfterSeconds()));
		}
		ErrorResponseWriter.rememberGatewayHeaders(exchange);
		HandshakeCapture capture = new HandshakeCapture();
		Sinks.Empty<Void> relayed = Sinks.empty();
		Mono<UpstreamSocket> handshake = handshake(upstream(exchange, url, capture), url, relayed);
		Duration timeout = ResponseTimeouts.of(route, this.responseTimeout.get());
		if (timeout != null) {
			handshake = handshake.timeout(timeout,
					Mono.error(() -> new TimeoutException("Response took longer than timeout: " + timeout)));
		}
		return handshake.onErrorResume((error) -> {
			if (error instanceof WebSocketClientHandshakeException refused && refused.response() != null) {
				return answered(exchange, policy, admission, refused.response(), capture.body())
					.then(Mono.<UpstreamSocket>empty());
			}
			UpstreamFailure failure = new UpstreamFailure(error, UpstreamPhase.BEFORE_RESPONSE);
			admission.failed(policy.health(), this.classifier.classify(failure),
					NativeRequests.isClientGone(exchange.getRequest()));
			return failed(exchange, error);
		}).doOnCancel(admission::released).flatMap((upstream) -> {
			admission.succeeded();
			return upgradeClient(exchange, upstream, relayed);
		});
	}

	/**
	 * The upstream's handshake, done when the upstream has answered {@code 101}, with the
	 * upstream's session. The upstream connection then lives until {@code relayed} ends,
	 * whatever becomes of the subscriber: the relay, not a cancellation, ends it.
	 */
	private Mono<UpstreamSocket> handshake(HttpClient.WebsocketSender upstream, URI url, Sinks.Empty<Void> relayed) {
		int maxFramePayloadLength = this.client.getWebsocketClientSpec().maxFramePayloadLength();
		return Mono.create((sink) -> {
			AtomicBoolean opened = new AtomicBoolean();
			Disposable call = upstream.handle((inbound, outbound) -> {
				HttpHeaders headers = new HttpHeaders();
				inbound.headers().forEach((header) -> headers.add(header.getKey(), header.getValue()));
				HandshakeInfo info = new HandshakeInfo(url, headers, Mono.empty(), inbound.selectedSubprotocol());
				Sinks.Empty<Void> closed = Sinks.empty();
				inbound.withConnection((connection) -> connection.onDispose(() -> closed.tryEmitEmpty()));
				opened.set(true);
				sink.success(new UpstreamSocket(new ReactorNettyWebSocketSession(inbound, outbound, info,
						new NettyDataBufferFactory(outbound.alloc()), maxFramePayloadLength), closed.asMono()));
				return relayed.asMono();
			}).contextWrite(sink.contextView()).subscribe(null, sink::error, sink::success);
			sink.onCancel(() -> {
				if (!opened.get()) {
					call.dispose();
				}
			});
		});
	}

	/**
	 * The upstream URL of a WebSocket handshake this filter routes, with an {@code http}
	 * scheme turned into {@code ws} as Spring Cloud Gateway does; {@code null} for any
	 * other request, which includes a request that is not a valid handshake (left for
	 * Spring Cloud Gateway to refuse without calling the upstream).
	 */
	private static @Nullable URI upstreamUrl(ServerWebExchange exchange) {
		URI url = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
		HttpHeaders headers = exchange.getRequest().getHeaders();
		if (url == null || url.getScheme() == null || ServerWebExchangeUtils.isAlreadyRouted(exchange)
				|| exchange.getRequest().getMethod() != HttpMethod.GET
				|| !"websocket".equalsIgnoreCase(headers.getUpgrade())
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
	 * the upstream handshake's), offering the sub-protocols the client offered.
	 */
	private HttpClient.WebsocketSender upstream(ServerWebExchange exchange, URI url, HandshakeCapture capture) {
		HttpHeaders filtered = HttpHeadersFilter.filterRequest(this.headersFilters.getIfAvailable(ArrayList::new),
				exchange);
		boolean preserveHost = exchange.getAttributeOrDefault(ServerWebExchangeUtils.PRESERVE_HOST_HEADER_ATTRIBUTE,
				false);
		String host = exchange.getRequest().getHeaders().getFirst(HttpHeaders.HOST);
		List<String> protocols = protocols(exchange.getRequest().getHeaders());
		WebsocketClientSpec base = this.client.getWebsocketClientSpec();
		WebsocketClientSpec.Builder spec = WebsocketClientSpec.builder()
			.maxFramePayloadLength(base.maxFramePayloadLength())
			.handlePing(base.handlePing())
			.compress(base.compress())
			.version(base.version());
		if (!protocols.isEmpty()) {
			spec.protocols(String.join(",", protocols));
		}
		return this.client.getHttpClient().headers((headers) -> {
			for (Map.Entry<String, List<String>> entry : filtered.headerSet()) {
				String name = entry.getKey();
				if (!name.toLowerCase(Locale.ROOT).startsWith(SEC_WEBSOCKET_PREFIX)
						&& !HttpHeaders.HOST.equalsIgnoreCase(name)) {
					headers.set(name, entry.getValue());
				}
			}
			if (preserveHost && host != null) {
				headers.set(HttpHeaders.HOST, host);
			}
		})
			.doOnRequest((request, connection) -> connection.addHandlerLast(CAPTURE_HANDLER, capture))
			.websocket(spec.build())
			.uri(url);
	}

	private static List<String> protocols(HttpHeaders headers) {
		List<String> protocols = new ArrayList<>();
		for (String value : headers.getOrEmpty(SEC_WEBSOCKET_PROTOCOL)) {
			for (String protocol : StringUtils.tokenizeToStringArray(value, ",")) {
				protocols.add(protocol);
			}
		}
		return protocols;
	}

	/**
	 * The upstream answered {@code 101}: upgrade the client with the sub-protocol the
	 * upstream chose and the upstream's other response headers, and relay messages until
	 * both sides are closed.
	 */
	private Mono<Void> upgradeClient(ServerWebExchange exchange, UpstreamSocket socket, Sinks.Empty<Void> relayed) {
		WebSocketSession upstream = socket.session();
		HttpHeaders passed = responseHeaders(exchange, upstream.getHandshakeInfo().getHeaders());
		for (Map.Entry<String, List<String>> header : passed.headerSet()) {
			String name = header.getKey();
			if (!name.toLowerCase(Locale.ROOT).startsWith(SEC_WEBSOCKET_PREFIX)
					&& !HttpHeaders.UPGRADE.equalsIgnoreCase(name) && !HttpHeaders.CONNECTION.equalsIgnoreCase(name)) {
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
	 * The upstream answered the handshake with another status: pass its answer on, as the
	 * routing filter passes an HTTP answer.
	 */
	private Mono<Void> answered(ServerWebExchange exchange, ErrorPolicy policy, Admission admission,
			HttpResponse upstreamResponse, byte[] body) {
		int status = upstreamResponse.status().code();
		if (policy.health().failureStatuses().contains(status)) {
			admission.failed("status_" + status);
		}
		else {
			admission.succeeded();
		}
		ServerHttpResponse response = exchange.getResponse();
		HttpStatus known = HttpStatus.resolve(status);
		if (known != null && known.is5xxServerError() && policy.masks(status)) {
			UpstreamFailureEvent event = this.events.publish(exchange, null, status, Outcome.MASKED, null);
			return this.writer.writeMasked(exchange, policy, known, null, event.traceId());
		}
		HttpHeaders upstreamHeaders = new HttpHeaders();
		upstreamResponse.headers().forEach((header) -> upstreamHeaders.add(header.getKey(), header.getValue()));
		HttpHeaders passed = responseHeaders(exchange, upstreamHeaders);
		passed.remove(HttpHeaders.TRANSFER_ENCODING);
		passed.remove(HttpHeaders.CONTENT_LENGTH);
		response.setStatusCode(HttpStatusCode.valueOf(status));
		response.getHeaders().addAll(passed);
		response.getHeaders().setContentLength(body.length);
		if (status >= 500) {
			this.events.publish(exchange, null, status, Outcome.PASSED_THROUGH, null);
			ProxyStatus proxyStatus = policy.proxyStatus();
			if (proxyStatus != null) {
				response.getHeaders().add(ProxyStatus.HEADER, proxyStatus.receivedStatus(status));
			}
		}
		return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(body)));
	}

	private HttpHeaders responseHeaders(ServerWebExchange exchange, HttpHeaders upstreamHeaders) {
		return HttpHeadersFilter.filter(this.headersFilters.getIfAvailable(ArrayList::new), upstreamHeaders, exchange,
				Type.RESPONSE);
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
	 * Keeps the body of an upstream's answer to the handshake that is not {@code 101}:
	 * Reactor Netty reads it whole, but releases it once the handshake has failed, and
	 * Netty's exception carries only the status and headers. It sits after the HTTP
	 * client's aggregator, sees the one aggregated response, and removes itself.
	 */
	private static final class HandshakeCapture extends ChannelInboundHandlerAdapter {

		private volatile byte[] body = new byte[0];

		byte[] body() {
			return this.body;
		}

		@Override
		public boolean isSharable() {
			return false;
		}

		@Override
		public void channelRead(ChannelHandlerContext ctx, Object msg) {
			if (msg instanceof FullHttpResponse response) {
				if (response.status().code() != HttpStatus.SWITCHING_PROTOCOLS.value()) {
					this.body = ByteBufUtil.getBytes(response.content());
				}
				ctx.pipeline().remove(this);
			}
			ctx.fireChannelRead(msg);
		}

	}

}
