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

package io.github.gatewayerrorpolicy.web;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.github.gatewayerrorpolicy.observe.ClientRequest;
import io.github.gatewayerrorpolicy.classify.ErrorType;
import io.github.gatewayerrorpolicy.classify.UpstreamPhase;
import io.github.gatewayerrorpolicy.grpc.GrpcStatus;
import io.github.gatewayerrorpolicy.policy.ErrorPolicy;
import io.github.gatewayerrorpolicy.policy.GatewayHeaders;
import io.github.gatewayerrorpolicy.policy.ProxyStatus;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerResponse;

import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;

/**
 * Writes the gateway's own answer to an upstream failure, or in place of an upstream
 * error response it masks: status, common headers and a body negotiated by the
 * {@code Accept} header.
 * <p>
 * Headers: {@code Proxy-Status} (where the policy sends it), {@code Retry-After} on 502,
 * 503 and 504 where one is configured, {@code Cache-Control: no-store},
 * {@code X-Content-Type-Options: nosniff}, {@code Content-Language}, and
 * {@code Accept, Accept-Language} added to {@code Vary}. What the gateway set on the
 * response before routing, such as the CORS headers of {@code globalcors}, is kept; every
 * header copied from the upstream, and every header that describes a body, is removed
 * first.
 * <p>
 * The answer is about the request the client sent: its path, and its {@code Accept} and
 * {@code Accept-Language}, whatever route filters rewrote before the upstream call.
 */
public class ErrorResponseWriter {

	private static final List<String> BODY_HEADERS = List.of(HttpHeaders.CONTENT_TYPE, HttpHeaders.CONTENT_LENGTH,
			HttpHeaders.CONTENT_ENCODING, HttpHeaders.CONTENT_LANGUAGE, HttpHeaders.CONTENT_LOCATION,
			HttpHeaders.CONTENT_RANGE, HttpHeaders.CONTENT_DISPOSITION, HttpHeaders.TRANSFER_ENCODING,
			HttpHeaders.TRAILER, HttpHeaders.ETAG, HttpHeaders.LAST_MODIFIED, HttpHeaders.EXPIRES,
			HttpHeaders.ACCEPT_RANGES);

	private static final List<String> NEGOTIATED_BY = List.of(HttpHeaders.ACCEPT, HttpHeaders.ACCEPT_LANGUAGE);

	private static final List<MediaType> ANYTHING = List.of(MediaType.ALL);

	private final ErrorMessages messages;

	private final Map<MediaType, UpstreamErrorRenderer> renderers = new LinkedHashMap<>();

	private final List<Offer> defaultOffers;

	private final Map<List<MediaType>, List<Offer>> offersByMediaTypes = new ConcurrentHashMap<>();

	/**
	 * Create a writer.
	 * @param messages the texts
	 * @param renderers the renderers, in order of preference
	 */
	public ErrorResponseWriter(ErrorMessages messages, List<? extends UpstreamErrorRenderer> renderers) {
		Assert.notEmpty(renderers, "'renderers' must not be empty");
		this.messages = messages;
		for (UpstreamErrorRenderer renderer : renderers) {
			for (MediaType mediaType : renderer.getMediaTypes()) {
				this.renderers.putIfAbsent(mediaType, renderer);
			}
		}
		this.defaultOffers = offers(List.copyOf(this.renderers.keySet()));
	}

	/**
	 * Return the media types the renderers can write.
	 * @return the media types, in order of preference
	 */
	public List<MediaType> getMediaTypes() {
		return List.copyOf(this.renderers.keySet());
	}

	/**
	 * Answer a failure of the upstream call.
	 * @param exchange the current exchange
	 * @param policy the route's policy
	 * @param type the error type
	 * @param phase where the failure happened
	 * @param traceId the id of the current trace, if any
	 * @return completion of the write
	 */
	public Mono<Void> writeFailure(ServerWebExchange exchange, ErrorPolicy policy, ErrorType type, UpstreamPhase phase,
			@Nullable String traceId) {
		return writeFailure(exchange, policy, type, phase, traceId, type.token() + ".detail",
				seconds(policy.status(type), policy.retryAfter(type)));
	}

	/**
	 * Answer a request that was not sent because its upstream is ejected: 503
	 * {@code destination_unavailable} with its own explanation, and a {@code Retry-After}
	 * of the seconds until the upstream will be tried again, or the configured one if
	 * that is shorter.
	 * @param exchange the current exchange
	 * @param policy the route's policy
	 * @param secondsLeft the seconds until the upstream will be tried again
	 * @param traceId the id of the current trace, if any
	 * @return completion of the write
	 */
	public Mono<Void> writeEjected(ServerWebExchange exchange, ErrorPolicy policy, long secondsLeft,
			@Nullable String traceId) {
		ErrorType type = ErrorType.DESTINATION_UNAVAILABLE;
		HttpStatus status = policy.status(type);
		Long configured = seconds(status, policy.retryAfter(type));
		Long retryAfter = (configured != null) ? Long.valueOf(Math.min(configured, secondsLeft))
				: (status == HttpStatus.SERVICE_UNAVAILABLE) ? Long.valueOf(secondsLeft) : null;
		return writeFailure(exchange, policy, type, UpstreamPhase.BEFORE_RESPONSE, traceId,
				type.token() + ".ejected.detail", retryAfter);
	}

	private Mono<Void> writeFailure(ServerWebExchange exchange, ErrorPolicy policy, ErrorType type, UpstreamPhase phase,
			@Nullable String traceId, String detailKey, @Nullable Long retryAfter) {
		Locale locale = this.messages.locale(exchange);
		HttpStatus status = policy.status(type);
		String details = policy.exposesDetails() ? this.messages.text("details." + phaseKey(phase), locale) : null;
		String proxyStatusValue = proxyStatus(policy, type, phase);
		UpstreamError error = new UpstreamError(status, type, null, this.messages.title(type, locale),
				this.messages.text(detailKey, locale), details, rawPath(exchange), exchange.getRequest().getId(),
				traceId, routeId(exchange), Instant.now(), retryAfter, locale, policy.page());
		return write(exchange, policy, error, proxyStatusValue);
	}

	/**
	 * End a gRPC call whose response had begun when the upstream failed, in gRPC's terms:
	 * the stream ends normally, with trailers that carry the {@code grpc-status} and
	 * {@code grpc-message} a Trailers-Only answer to the same failure would carry, and
	 * {@code Proxy-Status}. A gRPC client then reports the failure (say
	 * {@code UNAVAILABLE}: "Incomplete response") instead of a stream reset, which it
	 * would report as {@code CANCELLED}, the status of a call its own side gave up. It
	 * does not retry either way: the call had its response headers.
	 * @param exchange the current exchange
	 * @param policy the route's policy
	 * @param type the error type
	 * @param phase when the upstream call failed
	 * @return whether the call is ended so: an HTTP/2 gRPC call on Reactor Netty whose
	 * response is gRPC's too; if not, the response is to be cut off as any other (a body
	 * of another type must not look complete)
	 */
	public boolean endGrpcCall(ServerWebExchange exchange, ErrorPolicy policy, ErrorType type, UpstreamPhase phase) {
		HttpServerResponse nativeResponse = GatewayHeaders.nativeResponse(exchange.getResponse());
		if (nativeResponse == null || !GrpcStatus.isGrpcCall(exchange.getRequest())
				|| !GrpcStatus.isGrpc(exchange.getResponse().getHeaders())) {
			return false;
		}
		HttpHeaders status = new HttpHeaders();
		grpcStatus(status, type, policy.status(type), this.messages.title(type, this.messages.locale(exchange)),
				proxyStatus(policy, type, phase));
		nativeResponse.trailerHeaders((trailers) -> status.forEach(trailers::set));
		return true;
	}

	/**
	 * Put a gRPC status for an answer of the policy: {@code grpc-status},
	 * {@code grpc-message} (the page's title) and {@code Proxy-Status}; in the headers of
	 * a Trailers-Only answer, or in the trailers of a call cut in the middle.
	 */
	private static void grpcStatus(HttpHeaders headers, @Nullable ErrorType type, HttpStatus status, String title,
			@Nullable String proxyStatus) {
		headers.set(GrpcStatus.STATUS, Integer.toString(GrpcStatus.code(type, status.value())));
		headers.set(GrpcStatus.MESSAGE, GrpcStatus.encodeMessage(title));
		if (proxyStatus != null) {
			headers.set(ProxyStatus.HEADER, proxyStatus);
		}
	}

	private static @Nullable String proxyStatus(ErrorPolicy policy, ErrorType type, UpstreamPhase phase) {
		ProxyStatus proxyStatus = policy.proxyStatus();
		if (proxyStatus == null) {
			return null;
		}
		return policy.exposesDetails() ? proxyStatus.error(type, phaseKey(phase)) : proxyStatus.error(type);
	}

	/**
	 * Answer in place of an upstream error response, with the upstream's status.
	 * @param exchange the current exchange
	 * @param policy the route's policy
	 * @param status the upstream's status
	 * @param retryAfter the upstream's {@code Retry-After} in seconds, if it sent a valid
	 * one
	 * @param traceId the id of the current trace, if any
	 * @return completion of the write
	 */
	public Mono<Void> writeMasked(ServerWebExchange exchange, ErrorPolicy policy, HttpStatus status,
			@Nullable Long retryAfter, @Nullable String traceId) {
		Locale locale = this.messages.locale(exchange);
		String details = policy.exposesDetails() ? this.messages.text("details.upstream-status", locale) : null;
		ProxyStatus proxyStatus = policy.proxyStatus();
		UpstreamError error = new UpstreamError(status, null, status.value(),
				this.messages.text("upstream-status.title", locale),
				this.messages.text("upstream-status.detail", locale, status.value()), details, rawPath(exchange),
				exchange.getRequest().getId(), traceId, routeId(exchange), Instant.now(), retryAfter, locale,
				policy.page());
		return write(exchange, policy, error,
				(proxyStatus != null) ? proxyStatus.receivedStatus(status.value()) : null);
	}

	private Mono<Void> write(ServerWebExchange exchange, ErrorPolicy policy, UpstreamError error,
			@Nullable String proxyStatus) {
		ServerHttpResponse response = exchange.getResponse();
		HttpHeaders headers = response.getHeaders();
		removeUpstreamHeaders(exchange, headers);
		if (GrpcStatus.isGrpcCall(exchange.getRequest())) {
			return writeGrpc(response, error, proxyStatus);
		}
		response.setStatusCode(error.status());
		if (proxyStatus != null) {
			headers.set(ProxyStatus.HEADER, proxyStatus);
		}
		if (error.retryAfterSeconds() != null) {
			headers.set(HttpHeaders.RETRY_AFTER, Long.toString(error.retryAfterSeconds()));
		}
		headers.setCacheControl("no-store");
		headers.set("X-Content-Type-Options", "nosniff");
		headers.set(HttpHeaders.CONTENT_LANGUAGE, error.locale().toLanguageTag());
		addVary(headers);
		Offer offer = negotiate(exchange, policy.mediaTypes());
		return offer.renderer().render(error, offer.mediaType(), exchange);
	}

	/**
	 * Answer a gRPC call in gRPC's own terms, as a Trailers-Only response: status 200, no
	 * body, and in its one header block the {@code grpc-status} for the answer, the
	 * page's title as {@code grpc-message}, {@code Proxy-Status} as for any answer, and
	 * the {@code Retry-After} as gRPC's retry pushback.
	 */
	private static Mono<Void> writeGrpc(ServerHttpResponse response, UpstreamError error,
			@Nullable String proxyStatus) {
		HttpHeaders headers = response.getHeaders();
		HttpServerResponse nativeResponse = GatewayHeaders.nativeResponse(response);
		if (nativeResponse != null) {
			// no trailers of a masked upstream answer: the one header block is the status
			nativeResponse.trailerHeaders((trailers) -> {
			});
		}
		response.setStatusCode(HttpStatus.OK);
		headers.remove(HttpHeaders.CONTENT_LENGTH);
		headers.set(HttpHeaders.CONTENT_TYPE, GrpcStatus.CONTENT_TYPE);
		grpcStatus(headers, error.type(), error.status(), error.title(), proxyStatus);
		if (error.retryAfterSeconds() != null) {
			headers.set(GrpcStatus.RETRY_PUSHBACK_MS, Long.toString(error.retryAfterSeconds() * 1000));
		}
		return response.setComplete();
	}

	private static void removeUpstreamHeaders(ServerWebExchange exchange, HttpHeaders headers) {
		GatewayHeaders.removeUpstream(exchange, headers);
		BODY_HEADERS.forEach(headers::remove);
	}

	private static void addVary(HttpHeaders headers) {
		List<String> vary = new ArrayList<>(headers.getVary());
		for (String name : NEGOTIATED_BY) {
			if (vary.stream().noneMatch(name::equalsIgnoreCase)) {
				vary.add(name);
			}
		}
		headers.setVary(vary);
	}

	private static String phaseKey(UpstreamPhase phase) {
		return (phase == UpstreamPhase.BEFORE_RESPONSE) ? "before-response" : "during-response";
	}

	private static String rawPath(ServerWebExchange exchange) {
		return ClientRequest.of(exchange).getURI().getRawPath();
	}

	private static @Nullable String routeId(ServerWebExchange exchange) {
		Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
		return (route != null) ? route.getId() : null;
	}

	/**
	 * The delay in whole seconds, rounded up, where RFC 9110 gives {@code Retry-After} a
	 * meaning for a gateway's answer: 502, 503 and 504.
	 */
	private static @Nullable Long seconds(HttpStatus status, @Nullable Duration delay) {
		if (delay == null || (status != HttpStatus.BAD_GATEWAY && status != HttpStatus.SERVICE_UNAVAILABLE
				&& status != HttpStatus.GATEWAY_TIMEOUT)) {
			return null;
		}
		long seconds = delay.getSeconds();
		return (delay.getNano() > 0) ? seconds + 1 : seconds;
	}

	/**
	 * Choose what to render by the {@code Accept} header: for each offered media type the
	 * quality of the most specific range that includes it counts; the highest quality
	 * wins, and among equals the first offer. When nothing is acceptable, the first offer
	 * is used anyway, since an error must still be answered.
	 */
	private Offer negotiate(ServerWebExchange exchange, List<MediaType> preferred) {
		List<Offer> offers = preferred.isEmpty() ? this.defaultOffers
				: this.offersByMediaTypes.computeIfAbsent(preferred, this::offers);
		List<MediaType> accepted = accepted(exchange);
		Offer best = offers.get(0);
		double bestQuality = 0;
		for (Offer offer : offers) {
			double quality = quality(offer.mediaType(), accepted);
			if (quality > bestQuality) {
				best = offer;
				bestQuality = quality;
			}
		}
		return best;
	}

	private List<Offer> offers(List<MediaType> mediaTypes) {
		List<Offer> offers = new ArrayList<>();
		for (MediaType mediaType : mediaTypes) {
			UpstreamErrorRenderer renderer = this.renderers.get(mediaType);
			Assert.state(renderer != null, () -> "No renderer writes " + mediaType);
			offers.add(new Offer(mediaType, renderer));
		}
		return List.copyOf(offers);
	}

	private static List<MediaType> accepted(ServerWebExchange exchange) {
		try {
			List<MediaType> accepted = ClientRequest.of(exchange).getHeaders().getAccept();
			return accepted.isEmpty() ? ANYTHING : accepted;
		}
		catch (InvalidMediaTypeException ex) {
			return ANYTHING;
		}
	}

	private static double quality(MediaType offered, List<MediaType> accepted) {
		int bestSpecificity = -1;
		double quality = 0;
		for (MediaType range : accepted) {
			if (range.includes(offered)) {
				int specificity = range.isWildcardType() ? 0 : range.isWildcardSubtype() ? 1 : 2;
				if (specificity > bestSpecificity) {
					bestSpecificity = specificity;
					quality = range.getQualityValue();
				}
			}
		}
		return quality;
	}

	private record Offer(MediaType mediaType, UpstreamErrorRenderer renderer) {

	}

}
