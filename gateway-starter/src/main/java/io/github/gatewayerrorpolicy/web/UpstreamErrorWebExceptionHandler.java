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

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.github.gatewayerrorpolicy.classify.ErrorType;
import io.github.gatewayerrorpolicy.classify.UpstreamFailure;
import io.github.gatewayerrorpolicy.classify.UpstreamFailureClassifier;
import io.github.gatewayerrorpolicy.classify.UpstreamPhase;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;

import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.NotFoundException;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.AbstractServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;

/**
 * Answers the failures of upstream calls that the gateway's filters recorded, and the
 * load balancer's "no instance available" for {@code lb:} routes, and passes every other
 * error on to Spring Boot's handling unchanged.
 * <p>
 * Before the response is committed, the failure is classified and answered with its
 * status, a {@code Proxy-Status} header, {@code Cache-Control: no-store},
 * {@code X-Content-Type-Options: nosniff} and a body chosen by the {@code Accept}
 * header's quality values. After the response is committed, nothing truthful can be
 * added, so the client connection is closed without ending the body cleanly. Either way
 * one line is logged, with no stack trace unless debug logging is on.
 */
public class UpstreamErrorWebExceptionHandler implements WebExceptionHandler, Ordered {

	/**
	 * Order of this handler: before Spring Boot's {@code ErrorWebExceptionHandler} (-1).
	 */
	public static final int ORDER = -2;

	private static final Log logger = LogFactory.getLog(UpstreamErrorWebExceptionHandler.class);

	private static final List<MediaType> ANYTHING = List.of(MediaType.ALL);

	private final UpstreamFailureClassifier classifier;

	private final ProxyStatus proxyStatus;

	private final ErrorMessages messages;

	private final List<Offer> offers;

	public UpstreamErrorWebExceptionHandler(UpstreamFailureClassifier classifier, ProxyStatus proxyStatus,
			ErrorMessages messages, List<? extends UpstreamErrorRenderer> renderers) {
		Assert.notEmpty(renderers, "'renderers' must not be empty");
		this.classifier = classifier;
		this.proxyStatus = proxyStatus;
		this.messages = messages;
		this.offers = offers(renderers);
	}

	private static List<Offer> offers(List<? extends UpstreamErrorRenderer> renderers) {
		List<Offer> offers = new ArrayList<>();
		for (UpstreamErrorRenderer renderer : renderers) {
			for (MediaType mediaType : renderer.getMediaTypes()) {
				offers.add(new Offer(mediaType, renderer));
			}
		}
		return List.copyOf(offers);
	}

	@Override
	public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
		UpstreamFailure failure = UpstreamFailure.of(exchange, ex);
		if (failure == null && isNoInstanceAvailable(exchange, ex)) {
			failure = new UpstreamFailure(ex, UpstreamPhase.BEFORE_RESPONSE);
		}
		if (failure == null) {
			return Mono.error(ex);
		}
		ErrorType type = this.classifier.classify(failure);
		String routeId = routeId(exchange);
		ServerHttpResponse response = exchange.getResponse();
		if (response.isCommitted()) {
			log(exchange, routeId, type, "aborted the response", ex);
			return abort(response) ? Mono.empty() : Mono.error(ex);
		}
		HttpStatus status = type.defaultStatus();
		log(exchange, routeId, type, "answered " + status.value(), ex);
		HttpHeaders headers = response.getHeaders();
		headers.clear();
		response.setStatusCode(status);
		headers.set(ProxyStatus.HEADER, this.proxyStatus.error(type));
		headers.setCacheControl("no-store");
		headers.set("X-Content-Type-Options", "nosniff");
		Locale locale = locale(exchange);
		UpstreamError error = new UpstreamError(type, status, this.messages.title(type, locale),
				this.messages.detail(type, locale), exchange.getRequest().getURI().getRawPath(),
				exchange.getRequest().getId(), routeId, Instant.now(), locale);
		Offer offer = negotiate(exchange);
		return offer.renderer().render(error, offer.mediaType(), exchange);
	}

	/**
	 * Whether the load balancer found no instance for an {@code lb:} route: Spring Cloud
	 * Gateway raises a 503 {@link NotFoundException} before any upstream call is made.
	 * With {@code use404} the application asked for a 404, which is left alone.
	 */
	private static boolean isNoInstanceAvailable(ServerWebExchange exchange, Throwable ex) {
		if (!(ex instanceof NotFoundException notFound)
				|| notFound.getStatusCode().value() != HttpStatus.SERVICE_UNAVAILABLE.value()) {
			return false;
		}
		Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
		return route != null && "lb".equalsIgnoreCase(route.getUri().getScheme());
	}

	private static @Nullable String routeId(ServerWebExchange exchange) {
		Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
		return (route != null) ? route.getId() : null;
	}

	private static Locale locale(ServerWebExchange exchange) {
		Locale locale = exchange.getLocaleContext().getLocale();
		return (locale != null) ? locale : Locale.ENGLISH;
	}

	/**
	 * Choose what to render by the {@code Accept} header: for each offered media type the
	 * quality of the most specific range that includes it counts; the highest quality
	 * wins, and among equals the first offer. When nothing is acceptable, the first offer
	 * is used anyway, since an error must still be answered.
	 */
	private Offer negotiate(ServerWebExchange exchange) {
		List<MediaType> accepted = accepted(exchange);
		Offer best = this.offers.get(0);
		double bestQuality = 0;
		for (Offer offer : this.offers) {
			double quality = quality(offer.mediaType(), accepted);
			if (quality > bestQuality) {
				best = offer;
				bestQuality = quality;
			}
		}
		return best;
	}

	private static List<MediaType> accepted(ServerWebExchange exchange) {
		try {
			List<MediaType> accepted = exchange.getRequest().getHeaders().getAccept();
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

	/**
	 * Close the client connection so that the client sees a truncated response rather
	 * than a clean end: no terminating chunk, and fewer bytes than the announced
	 * {@code Content-Length}. An HTTP/2 stream is reset.
	 */
	private static boolean abort(ServerHttpResponse response) {
		while (response instanceof ServerHttpResponseDecorator decorator) {
			response = decorator.getDelegate();
		}
		if (response instanceof AbstractServerHttpResponse server
				&& server.getNativeResponse() instanceof Connection connection) {
			connection.channel().close();
			return true;
		}
		return false;
	}

	private static void log(ServerWebExchange exchange, @Nullable String routeId, ErrorType type, String outcome,
			Throwable ex) {
		if (logger.isDebugEnabled()) {
			logger.debug(message(exchange, routeId, type, outcome), ex);
		}
		else if (logger.isWarnEnabled()) {
			logger.warn(message(exchange, routeId, type, outcome));
		}
	}

	private static String message(ServerWebExchange exchange, @Nullable String routeId, ErrorType type,
			String outcome) {
		return "Upstream failure on route " + LogSanitizer.clean(routeId) + ": " + type.token() + ", " + outcome
				+ " [request " + exchange.getRequest().getId() + "]";
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	private record Offer(MediaType mediaType, UpstreamErrorRenderer renderer) {

	}

}
