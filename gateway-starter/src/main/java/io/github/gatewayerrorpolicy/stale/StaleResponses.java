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

package io.github.gatewayerrorpolicy.stale;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

import io.github.gatewayerrorpolicy.classify.ErrorType;
import io.github.gatewayerrorpolicy.observe.ClientRequest;
import io.github.gatewayerrorpolicy.observe.Outcome;
import io.github.gatewayerrorpolicy.observe.UpstreamFailureEvents;
import io.github.gatewayerrorpolicy.policy.ErrorPolicy;
import io.github.gatewayerrorpolicy.policy.ErrorPolicyResolver;
import io.github.gatewayerrorpolicy.policy.ProxyStatus;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.util.StringUtils;
import org.springframework.web.server.ServerWebExchange;

/**
 * Decides which upstream responses are kept, finds a kept response for a failed request,
 * and serves it, as RFC 5861 ({@code stale-if-error}) and RFC 9111 (shared caches) allow.
 * <p>
 * A response is kept when a shared cache may store it: a GET's response with status 200,
 * 203, 204, 300, 301, 404, 405, 410, 414 or 501; not {@code no-store}, {@code no-cache}
 * or {@code private}; no {@code Set-Cookie}; to a request with {@code Authorization} only
 * when {@code public}, {@code s-maxage} or {@code must-revalidate} says it may be; a
 * {@code Vary} other than {@code *}; and a stale window: the response's
 * {@code stale-if-error}, or the route's {@code max-stale} where the response does not
 * forbid serving it stale ({@code must-revalidate}, {@code proxy-revalidate},
 * {@code s-maxage}).
 * <p>
 * It is served when the request is a GET or HEAD without {@code no-cache} or
 * {@code no-store}, and its staleness (age past its freshness lifetime, RFC 9111 §4.2) is
 * within the window and within what the request's {@code max-stale} or
 * {@code stale-if-error} accept.
 */
public class StaleResponses {

	/**
	 * The upstream statuses a kept response may replace (RFC 5861 §4).
	 */
	public static final Set<Integer> REPLACED_STATUSES = Set.of(500, 502, 503, 504);

	static final Set<Integer> KEPT_STATUSES = Set.of(200, 203, 204, 300, 301, 404, 405, 410, 414, 501);

	/**
	 * The RFC 9211 header that says how a cache handled a request.
	 */
	public static final String CACHE_STATUS = "Cache-Status";

	/**
	 * Headers that describe a message or its connection, never kept (RFC 9110 §7.6.1),
	 * and those the gateway writes itself when it serves a kept response.
	 */
	private static final Set<String> NOT_KEPT = Set.of("connection", "keep-alive", "proxy-connection", "te", "trailer",
			"transfer-encoding", "upgrade", "content-length", "age", "proxy-status", "cache-status", "set-cookie");

	private static final String KEY_PREFIX = "gateway-error-policy:stale:";

	private static final Log logger = LogFactory.getLog(StaleResponses.class);

	private final ErrorPolicyResolver policies;

	private final StaleStore store;

	private final UpstreamFailureEvents events;

	private final String defaultName;

	private final LongSupplier clock;

	/**
	 * Create the service.
	 * @param policies the policy of each route
	 * @param store where responses are kept
	 * @param events where served stale responses are published
	 * @param defaultName the cache's name in {@code Cache-Status} when the route's policy
	 * has no {@code Proxy-Status} name
	 * @param clock the current time in milliseconds since the epoch
	 */
	public StaleResponses(ErrorPolicyResolver policies, StaleStore store, UpstreamFailureEvents events,
			String defaultName, LongSupplier clock) {
		this.policies = policies;
		this.store = store;
		this.events = events;
		this.defaultName = defaultName;
		this.clock = clock;
	}

	/**
	 * Decide whether an upstream response will be kept, from its head.
	 * @param exchange the current exchange
	 * @param policy the route's policy
	 * @param status the response's status
	 * @param headers the response's headers, as the client gets them
	 * @return how to keep it once its body is read, or {@code null} if it is not kept
	 */
	public @Nullable Keeper keeper(ServerWebExchange exchange, ErrorPolicy policy, int status, HttpHeaders headers) {
		StalePolicy stale = policy.stale();
		Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
		ServerHttpRequest request = ClientRequest.of(exchange);
		if (!policy.isEnabled() || !stale.enabled() || route == null || request.getMethod() != HttpMethod.GET
				|| !KEPT_STATUSES.contains(status) || request.getHeaders().containsHeader(HttpHeaders.RANGE)
				|| headers.containsHeader(HttpHeaders.SET_COOKIE)) {
			return null;
		}
		CacheDirectives response = CacheDirectives.parse(headers.getOrEmpty(HttpHeaders.CACHE_CONTROL));
		CacheDirectives asked = CacheDirectives.parse(request.getHeaders().getOrEmpty(HttpHeaders.CACHE_CONTROL));
		if (response.has("no-store") || response.has("private") || response.has("no-cache") || asked.has("no-store")) {
			return null;
		}
		if (request.getHeaders().containsHeader(HttpHeaders.AUTHORIZATION) && !response.has("public")
				&& !response.has("s-maxage") && !response.has("must-revalidate")) {
			return null;
		}
		List<String> vary = varyNames(headers);
		if (vary == null) {
			return null;
		}
		long contentLength = headers.getContentLength();
		if (contentLength > stale.maxEntrySize()) {
			return null;
		}
		Long allowed = response.seconds("stale-if-error");
		long staleFor = (allowed != null) ? allowed : 0;
		boolean revalidate = response.has("must-revalidate") || response.has("proxy-revalidate")
				|| response.has("s-maxage");
		if (!revalidate) {
			staleFor = Math.max(staleFor, stale.maxStale().toSeconds());
		}
		long now = this.clock.getAsLong();
		long freshFor = freshness(response, headers);
		long initialAge = initialAge(headers, now);
		long timeToLive = freshFor + staleFor - initialAge;
		if (staleFor <= 0 || timeToLive <= 0) {
			return null;
		}
		List<Map.Entry<String, String>> kept = new ArrayList<>();
		for (Map.Entry<String, List<String>> header : headers.headerSet()) {
			if (!NOT_KEPT.contains(header.getKey().toLowerCase(Locale.ROOT))) {
				header.getValue().forEach((value) -> kept.add(Map.entry(header.getKey(), value)));
			}
		}
		String base = baseKey(route, request);
		return new Keeper(base, vary, variantKey(base, vary, request.getHeaders()), status, List.copyOf(kept), now,
				initialAge, freshFor, staleFor, Duration.ofSeconds(timeToLive), stale.maxEntrySize());
	}

	/**
	 * Find a kept response that may answer a request whose upstream failed.
	 * @param exchange the current exchange
	 * @param policy the route's policy
	 * @return the response, or empty if there is none the request may get
	 */
	public Mono<KeptResponse> find(ServerWebExchange exchange, ErrorPolicy policy) {
		Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
		ServerHttpRequest request = ClientRequest.of(exchange);
		HttpMethod method = request.getMethod();
		if (!policy.isEnabled() || !policy.stale().enabled() || route == null
				|| (method != HttpMethod.GET && method != HttpMethod.HEAD)
				|| request.getHeaders().containsHeader(HttpHeaders.RANGE)) {
			return Mono.empty();
		}
		CacheDirectives asked = CacheDirectives.parse(request.getHeaders().getOrEmpty(HttpHeaders.CACHE_CONTROL));
		if (asked.has("no-cache") || asked.has("no-store")
				|| "no-cache".equalsIgnoreCase(request.getHeaders().getFirst(HttpHeaders.PRAGMA))) {
			return Mono.empty();
		}
		String base = baseKey(route, request);
		return this.store.get(base)
			.map((names) -> variantKey(base, split(new String(names, StandardCharsets.UTF_8)), request.getHeaders()))
			.flatMap(this.store::get)
			.flatMap((bytes) -> {
				try {
					return Mono.just(KeptResponse.fromBytes(bytes));
				}
				catch (IllegalArgumentException ex) {
					return Mono.empty();
				}
			})
			.filter((kept) -> mayServe(kept, asked));
	}

	private boolean mayServe(KeptResponse kept, CacheDirectives asked) {
		long staleness = kept.age(this.clock.getAsLong()) - kept.freshFor();
		long window = kept.staleFor();
		Long maxStale = asked.seconds("max-stale");
		if (maxStale != null) {
			window = Math.min(window, maxStale);
		}
		Long staleIfError = asked.seconds("stale-if-error");
		if (staleIfError != null) {
			window = Math.min(window, staleIfError);
		}
		return staleness <= window;
	}

	/**
	 * Answer a failed request with a kept response: its status, headers and body, with
	 * {@code Age}, {@code Cache-Status} and a {@code Proxy-Status} that names the failure
	 * it hides; counted with outcome {@code served-stale}.
	 * @param exchange the current exchange
	 * @param policy the route's policy
	 * @param kept the kept response
	 * @param type the error the upstream call failed with, or {@code null} if the
	 * upstream answered
	 * @param upstreamStatus the upstream's status, or 0 if it did not answer
	 * @return completion of the write
	 */
	public Mono<Void> serve(ServerWebExchange exchange, ErrorPolicy policy, KeptResponse kept, @Nullable ErrorType type,
			int upstreamStatus) {
		ServerHttpResponse response = exchange.getResponse();
		HttpHeaders headers = response.getHeaders();
		headers.clear();
		headers.addAll(kept.httpHeaders());
		long age = kept.age(this.clock.getAsLong());
		headers.set(HttpHeaders.AGE, Long.toString(age));
		ProxyStatus proxyStatus = policy.proxyStatus();
		String name = (proxyStatus != null) ? proxyStatus.name() : this.defaultName;
		StringBuilder cacheStatus = new StringBuilder(name).append("; hit");
		// fresh only while its age is below its lifetime (RFC 9111 §4.2)
		if (age >= kept.freshFor()) {
			cacheStatus.append("; fwd=stale");
			if (upstreamStatus > 0) {
				cacheStatus.append("; fwd-status=").append(upstreamStatus);
			}
		}
		headers.set(CACHE_STATUS, cacheStatus.toString());
		if (proxyStatus != null) {
			headers.set(ProxyStatus.HEADER,
					(type != null) ? proxyStatus.error(type) : proxyStatus.receivedStatus(upstreamStatus));
		}
		headers.setContentLength(kept.body().length);
		response.setStatusCode(HttpStatusCode.valueOf(kept.status()));
		this.events.publish(exchange, type, kept.status(), Outcome.SERVED_STALE, null);
		if (ClientRequest.of(exchange).getMethod() == HttpMethod.HEAD || kept.body().length == 0) {
			return response.setComplete();
		}
		return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(kept.body())));
	}

	/**
	 * Copy an upstream's body as it is written to the client, and keep the response once
	 * the body has ended, if it is one to keep. Keeping never delays or changes what the
	 * client gets: the copy is taken beside the write, a body that grows past the size
	 * limit stops being copied, and a store that fails is logged, never answered.
	 * @param exchange the current exchange
	 * @param status the response's status
	 * @param headers the response's headers, as the client gets them
	 * @param body the body being written
	 * @return the body to write
	 */
	public Publisher<? extends DataBuffer> keeping(ServerWebExchange exchange, int status, HttpHeaders headers,
			Publisher<? extends DataBuffer> body) {
		if (!KEPT_STATUSES.contains(status) || exchange.getRequest().getMethod() != HttpMethod.GET) {
			return body;
		}
		Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
		Keeper keeper = (route != null) ? keeper(exchange, this.policies.resolve(route), status, headers) : null;
		if (keeper == null) {
			return body;
		}
		BodyCopy copy = new BodyCopy(keeper.maxSize());
		Runnable end = () -> {
			byte[] bytes = copy.end();
			if (bytes != null) {
				keep(keeper, bytes).onErrorResume((error) -> {
					logger.warn("Could not keep a response for stale-if-error: " + error);
					return Mono.empty();
				}).subscribe();
			}
		};
		if (body instanceof Mono<? extends DataBuffer> single) {
			return single.doOnNext(copy::add).doOnSuccess((buffer) -> end.run());
		}
		return Flux.from(body).doOnNext(copy::add).doOnComplete(end);
	}

	/**
	 * Keep a response whose body was read.
	 * @param keeper the decision taken from its head
	 * @param body its body
	 * @return completion, also when the store failed
	 */
	Mono<Void> keep(Keeper keeper, byte[] body) {
		KeptResponse kept = new KeptResponse(keeper.status(), keeper.headers(), body, keeper.receivedAt(),
				keeper.initialAge(), keeper.freshFor(), keeper.staleFor());
		byte[] names = String.join(",", keeper.vary()).getBytes(StandardCharsets.UTF_8);
		return this.store.put(keeper.baseKey(), names, keeper.timeToLive())
			.then(this.store.put(keeper.variantKey(), kept.toBytes(), keeper.timeToLive()));
	}

	/**
	 * The names in {@code Vary}, lower case; {@code null} for {@code Vary: *}.
	 */
	private static @Nullable List<String> varyNames(HttpHeaders headers) {
		List<String> names = new ArrayList<>();
		for (String value : headers.getOrEmpty(HttpHeaders.VARY)) {
			for (String name : StringUtils.tokenizeToStringArray(value, ",")) {
				if ("*".equals(name)) {
					return null;
				}
				String lower = name.toLowerCase(Locale.ROOT);
				if (!names.contains(lower)) {
					names.add(lower);
				}
			}
		}
		return names;
	}

	private static List<String> split(String names) {
		return names.isEmpty() ? List.of() : List.of(names.split(","));
	}

	private static String baseKey(Route route, ServerHttpRequest request) {
		return KEY_PREFIX + route.getId() + ":GET " + request.getURI();
	}

	/**
	 * The key of the variant a request selects: the base key and the request's values of
	 * the headers the response varies on, and nothing else of the request.
	 */
	private static String variantKey(String base, List<String> vary, HttpHeaders requestHeaders) {
		if (vary.isEmpty()) {
			return base + "\n";
		}
		StringBuilder key = new StringBuilder(base);
		for (String name : vary) {
			key.append('\n').append(name).append(':');
			key.append(String.join(",", requestHeaders.getOrEmpty(name)).trim());
		}
		return key.toString();
	}

	/**
	 * The freshness lifetime (RFC 9111 §4.2.1): {@code s-maxage}, else {@code max-age},
	 * else {@code Expires} less {@code Date}; no heuristic freshness.
	 */
	private static long freshness(CacheDirectives response, HttpHeaders headers) {
		Long shared = response.seconds("s-maxage");
		if (shared != null) {
			return shared;
		}
		Long maxAge = response.seconds("max-age");
		if (maxAge != null) {
			return maxAge;
		}
		long expires = date(headers, HttpHeaders.EXPIRES);
		long date = date(headers, HttpHeaders.DATE);
		return (expires >= 0 && date >= 0) ? Math.max(0, (expires - date) / 1000) : 0;
	}

	/**
	 * The age when received (RFC 9111 §4.2.3): the larger of the {@code Age} header and
	 * the time since {@code Date}.
	 */
	private static long initialAge(HttpHeaders headers, long now) {
		long age = 0;
		String value = headers.getFirst(HttpHeaders.AGE);
		if (value != null && !value.isEmpty() && value.chars().allMatch(Character::isDigit)) {
			try {
				age = Long.parseLong(value);
			}
			catch (NumberFormatException ex) {
				age = Long.MAX_VALUE / 1000;
			}
		}
		long date = date(headers, HttpHeaders.DATE);
		return (date >= 0) ? Math.max(age, Math.max(0, now - date) / 1000) : age;
	}

	private static long date(HttpHeaders headers, String name) {
		try {
			return headers.getFirstDate(name);
		}
		catch (IllegalArgumentException ex) {
			return -1;
		}
	}

	/**
	 * What is known of a response to keep once its body has been read.
	 *
	 * @param baseKey the key of the names it varies on
	 * @param vary the names of the request headers it varies on
	 * @param variantKey its own key
	 * @param status its status
	 * @param headers its headers as kept
	 * @param receivedAt when it was received, in milliseconds since the epoch
	 * @param initialAge its age when received, in seconds
	 * @param freshFor its freshness lifetime, in seconds
	 * @param staleFor its stale window, in seconds
	 * @param timeToLive how long the store keeps it
	 * @param maxSize the most bytes of body kept
	 */
	public record Keeper(String baseKey, List<String> vary, String variantKey, int status,
			List<Map.Entry<String, String>> headers, long receivedAt, long initialAge, long freshFor, long staleFor,
			Duration timeToLive, long maxSize) {

	}

}
