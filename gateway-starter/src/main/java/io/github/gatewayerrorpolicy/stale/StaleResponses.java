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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import io.github.gatewayerrorpolicy.classify.ErrorType;
import io.github.gatewayerrorpolicy.observe.ClientRequest;
import io.github.gatewayerrorpolicy.observe.LogThrottle;
import io.github.gatewayerrorpolicy.observe.Outcome;
import io.github.gatewayerrorpolicy.observe.UpstreamFailureEvents;
import io.github.gatewayerrorpolicy.policy.ErrorPolicy;
import io.github.gatewayerrorpolicy.policy.ErrorPolicyResolver;
import io.github.gatewayerrorpolicy.policy.GatewayHeaders;
import io.github.gatewayerrorpolicy.policy.PerRouteState;
import io.github.gatewayerrorpolicy.policy.ProxyStatus;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
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
import org.springframework.web.server.ServerWebExchange;

/**
 * Decides which upstream responses are kept, finds a kept response for a failed request,
 * and serves it, as RFC 5861 ({@code stale-if-error}) and RFC 9111 (shared caches) allow.
 * <p>
 * A response is kept when a shared cache may store it and serve it stale: a GET's
 * response with status 200, 203, 204, 300, 301, 308, 404, 405, 410, 414 or 501; not
 * {@code no-store}, {@code no-cache} or {@code private}; no {@code Set-Cookie}; nothing
 * that forbids serving it stale ({@code must-revalidate}, {@code proxy-revalidate},
 * {@code s-maxage}, RFC 9111 §4.2.4); a {@code Vary} other than {@code *}; and a stale
 * window: the response's {@code stale-if-error}, or the route's {@code max-stale}. A
 * request with credentials ({@code Authorization} or {@code Cookie}, as the client sent
 * it or as the route's filters forwarded it) has its response kept only when the response
 * says {@code public} and {@code stale-if-error} itself.
 * <p>
 * It is served when the request is a GET or HEAD without {@code no-cache} or
 * {@code no-store}, and its staleness (age past its freshness lifetime, RFC 9111 §4.2) is
 * within the window and within what the request's {@code max-stale} or
 * {@code stale-if-error} accept.
 */
public class StaleResponses implements MeterBinder, PerRouteState {

	/**
	 * The upstream statuses a kept response may replace (RFC 5861 §4).
	 */
	public static final Set<Integer> REPLACED_STATUSES = Set.of(500, 502, 503, 504);

	private static final String CREDENTIALS_ATTRIBUTE = StaleResponses.class.getName() + ".credentials";

	/**
	 * The RFC 9211 header that says how a cache handled a request.
	 */
	public static final String CACHE_STATUS = "Cache-Status";

	static final Set<Integer> KEPT_STATUSES = Set.of(200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501);

	/**
	 * Upstream headers never kept: those that describe a message or its connection (RFC
	 * 9110 §7.6.1), and those the gateway writes itself when it serves a kept response.
	 */
	private static final Set<String> NOT_KEPT = Set.of("connection", "keep-alive", "proxy-connection", "te", "trailer",
			"transfer-encoding", "upgrade", "content-length", "age", "proxy-status", "set-cookie");

	private static final String KEY_PREFIX = "gateway-error-policy:stale:";

	private static final String SKIPPED_METER = "gateway.upstream.stale.skipped";

	private static final String SKIPPED_DESCRIPTION = "Responses that could have been kept but were not: "
			+ "larger than max-entry-size, or no room for their copy within max-total-size";

	private static final Log logger = LogFactory.getLog(StaleResponses.class);

	private final ErrorPolicyResolver policies;

	private final StaleStore store;

	private final UpstreamFailureEvents events;

	private final String name;

	private final LongSupplier clock;

	private final String cacheName;

	private final AtomicLong failures = new AtomicLong();

	/**
	 * The bytes that bodies being copied may still take.
	 */
	private final AtomicLong copying;

	private final LogThrottle failureLog = new LogThrottle(Duration.ofMinutes(1), System::nanoTime);

	private final AtomicLong skippedTooLarge = new AtomicLong();

	private final AtomicLong skippedNoRoom = new AtomicLong();

	private final LogThrottle skipLog = new LogThrottle(Duration.ofMinutes(1), System::nanoTime);

	/**
	 * The routes this gateway has kept a response of, so that a failure on any other
	 * route looks nothing up in a local store.
	 */
	private final Set<String> keepingRoutes = ConcurrentHashMap.newKeySet();

	/**
	 * Create the service.
	 * @param policies the policy of each route
	 * @param store where responses are kept
	 * @param events where served stale responses are published
	 * @param name the application's name: part of every key (applications sharing a Redis
	 * do not share entries), and the cache's name in {@code Cache-Status} where the
	 * route's policy has no {@code Proxy-Status} name
	 * @param clock the current time in milliseconds since the epoch
	 * @param maxCopying the most bytes that bodies being copied to be kept may hold
	 * together: a body that does not fit is not kept
	 */
	public StaleResponses(ErrorPolicyResolver policies, StaleStore store, UpstreamFailureEvents events, String name,
			LongSupplier clock, long maxCopying) {
		this.policies = policies;
		this.copying = new AtomicLong(maxCopying);
		this.store = store;
		this.events = events;
		this.name = name;
		this.cacheName = new ProxyStatus(name).name();
		this.clock = clock;
	}

	/**
	 * Decide whether an upstream GET's response with a status that may be kept is kept,
	 * from its head.
	 * @return how to keep it once its body is read, or {@code null} if it is not kept
	 */
	private @Nullable Keeper keeper(ServerWebExchange exchange, Route route, ErrorPolicy policy, int status,
			HttpHeaders headers) {
		StalePolicy stale = policy.stale();
		List<String> cacheControl = headers.getOrEmpty(HttpHeaders.CACHE_CONTROL);
		// most responses have no stale window: told without parsing anything
		if (!policy.isEnabled() || !stale.enabled() || headers.containsHeader(HttpHeaders.SET_COOKIE)
				|| (stale.maxStale().isZero()
						&& cacheControl.stream().noneMatch(StaleResponses::mentionsStaleIfError))) {
			return null;
		}
		CacheDirectives response = CacheDirectives.parse(cacheControl);
		Long allowed = response.seconds("stale-if-error");
		long staleFor = Math.max((allowed != null) ? allowed : 0, stale.maxStale().toSeconds());
		if (staleFor <= 0 || response.has("no-store") || response.has("private") || response.has("no-cache")
				|| response.has("must-revalidate") || response.has("proxy-revalidate") || response.has("s-maxage")) {
			return null;
		}
		ServerHttpRequest request = ClientRequest.of(exchange);
		HttpHeaders asked = request.getHeaders();
		if (asked.containsHeader(HttpHeaders.RANGE) || asked.containsHeader(HttpHeaders.UPGRADE)
				|| CacheDirectives.parse(asked.getOrEmpty(HttpHeaders.CACHE_CONTROL)).has("no-store")) {
			return null;
		}
		boolean credentials = asked.containsHeader(HttpHeaders.AUTHORIZATION)
				|| asked.containsHeader(HttpHeaders.COOKIE) || exchange.getAttribute(CREDENTIALS_ATTRIBUTE) != null;
		if (credentials) {
			if (!response.has("public") || allowed == null || allowed <= 0) {
				return null;
			}
			staleFor = allowed;
		}
		List<String> vary = varyNames(headers);
		if (vary == null) {
			return null;
		}
		if (headers.getContentLength() > stale.maxEntrySize()) {
			this.skippedTooLarge.incrementAndGet();
			return null;
		}
		long now = this.clock.getAsLong();
		long freshFor = freshness(response, headers, now);
		long initialAge = initialAge(headers, now);
		if (freshFor + staleFor - initialAge <= 0) {
			return null;
		}
		String base = baseKey(route, request);
		this.keepingRoutes.add(route.getId());
		KeptResponse kept = new KeptResponse(status, upstreamHeaders(exchange, headers), new byte[0], now, initialAge,
				freshFor, staleFor);
		return new Keeper(base, vary, variantKey(base, vary, asked), kept, stale.maxEntrySize());
	}

	/**
	 * The headers the upstream's response brought, as the client got them: not those that
	 * describe the message, and not the values the gateway had set before the call (CORS
	 * headers, say), which the request answered later gets from the gateway again.
	 */
	private static List<Map.Entry<String, String>> upstreamHeaders(ServerWebExchange exchange, HttpHeaders headers) {
		Set<String> upstream = exchange.getAttribute(ServerWebExchangeUtils.CLIENT_RESPONSE_HEADER_NAMES);
		HttpHeaders gateway = exchange.getAttribute(GatewayHeaders.ATTRIBUTE);
		List<Map.Entry<String, String>> kept = new ArrayList<>();
		for (String name : (upstream != null) ? upstream : headers.headerNames()) {
			if (NOT_KEPT.contains(name.toLowerCase(Locale.ROOT))) {
				continue;
			}
			List<String> own = (gateway != null) ? gateway.getOrEmpty(name) : List.of();
			for (String value : headers.getOrEmpty(name)) {
				if (!own.contains(value)) {
					kept.add(Map.entry(name, value));
				}
			}
		}
		return List.copyOf(kept);
	}

	/**
	 * Note that the request forwarded upstream carries credentials ({@code Authorization}
	 * or {@code Cookie}), which the route's filters may have added: a response to it is
	 * kept only if it says it may be shared. Called where the forwarded request is known.
	 * @param exchange the exchange with the request as forwarded
	 * @param policy the route's policy
	 */
	public static void noteCredentials(ServerWebExchange exchange, ErrorPolicy policy) {
		ServerHttpRequest forwarded = exchange.getRequest();
		if (policy.stale().enabled() && forwarded.getMethod() == HttpMethod.GET
				&& (forwarded.getHeaders().containsHeader(HttpHeaders.AUTHORIZATION)
						|| forwarded.getHeaders().containsHeader(HttpHeaders.COOKIE))) {
			exchange.getAttributes().put(CREDENTIALS_ATTRIBUTE, Boolean.TRUE);
		}
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
		HttpHeaders asked = request.getHeaders();
		if (!policy.isEnabled() || !policy.stale().enabled() || route == null
				|| (method != HttpMethod.GET && method != HttpMethod.HEAD) || asked.containsHeader(HttpHeaders.RANGE)
				|| asked.containsHeader(HttpHeaders.UPGRADE)) {
			return Mono.empty();
		}
		if (this.store.isLocal() && !this.keepingRoutes.contains(route.getId())) {
			// this gateway never kept a response of the route: nothing to look up
			return Mono.empty();
		}
		CacheDirectives directives = CacheDirectives.parse(asked.getOrEmpty(HttpHeaders.CACHE_CONTROL));
		if (directives.has("no-cache") || directives.has("no-store")
				|| asked.getOrEmpty(HttpHeaders.PRAGMA).stream().anyMatch((value) -> value.contains("no-cache"))) {
			return Mono.empty();
		}
		String base = baseKey(route, request);
		// a response that varies on nothing is under one key; one that varies, under the
		// key of the names it varies on and its own
		Mono<byte[]> varied = Mono.defer(() -> this.store.get(namesKey(base)))
			.map((names) -> variantKey(base, split(new String(names, StandardCharsets.UTF_8)), asked))
			.flatMap(this.store::get);
		return this.store.get(variantKey(base, List.of(), asked))
			.switchIfEmpty(varied)
			.flatMap((bytes) -> Mono.justOrEmpty(KeptResponse.read(bytes)))
			.filter((kept) -> mayServe(kept, directives))
			.onErrorResume((error) -> {
				// a store of the application's that fails: the usual answer, never an
				// error
				storeFailed(error);
				return Mono.empty();
			});
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
	 * Answer a failed request with a kept response: its status, its headers in place of
	 * the failed upstream's (the gateway's own headers for this request stay), its body,
	 * with {@code Age}, {@code Cache-Status} and a {@code Proxy-Status} that names the
	 * failure it hides; counted with outcome {@code served-stale}.
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
		if (response.isCommitted()) {
			return Mono.empty();
		}
		HttpHeaders headers = response.getHeaders();
		GatewayHeaders.removeUpstream(exchange, headers);
		headers.remove(HttpHeaders.CONTENT_LENGTH);
		headers.remove(HttpHeaders.TRANSFER_ENCODING);
		kept.headers().forEach((header) -> headers.add(header.getKey(), header.getValue()));
		long age = kept.age(this.clock.getAsLong());
		headers.set(HttpHeaders.AGE, Long.toString(age));
		ProxyStatus proxyStatus = policy.proxyStatus();
		headers.add(CACHE_STATUS, cacheStatus(proxyStatus, kept, age, upstreamStatus));
		if (proxyStatus != null) {
			headers.set(ProxyStatus.HEADER,
					(type != null) ? proxyStatus.error(type) : proxyStatus.receivedStatus(upstreamStatus));
		}
		boolean bodiless = kept.status() == 204;
		if (!bodiless) {
			headers.setContentLength(kept.body().length);
		}
		response.setStatusCode(HttpStatusCode.valueOf(kept.status()));
		this.events.publish(exchange, type, kept.status(), Outcome.SERVED_STALE, null);
		if (bodiless || ClientRequest.of(exchange).getMethod() == HttpMethod.HEAD || kept.body().length == 0) {
			return response.setComplete();
		}
		return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(kept.body())));
	}

	/**
	 * The RFC 9211 member: the request went forward because the kept response is stale
	 * (or, while it is still fresh, because the gateway does not answer from it unless
	 * the upstream fails), the status the upstream gave if it answered, and the kept
	 * response's remaining freshness, negative once stale.
	 */
	private String cacheStatus(@Nullable ProxyStatus proxyStatus, KeptResponse kept, long age, int upstreamStatus) {
		String cache = (proxyStatus != null) ? proxyStatus.name() : this.cacheName;
		StringBuilder member = new StringBuilder(cache)
			.append((age >= kept.freshFor()) ? "; fwd=stale" : "; fwd=bypass");
		if (upstreamStatus > 0) {
			member.append("; fwd-status=").append(upstreamStatus);
		}
		return member.append("; ttl=").append(kept.freshFor() - age).toString();
	}

	/**
	 * Copy an upstream's body as it is written to the client, and keep the response once
	 * the body has ended, if it is one to keep. Keeping never delays or changes what the
	 * client gets: the copy is taken beside the write, a body that grows past the size
	 * limit stops being copied, and a failure to keep is logged, never answered.
	 * @param exchange the current exchange
	 * @param status the response's status
	 * @param headers the response's headers, as the client gets them
	 * @param body the body being written
	 * @return the body to write
	 */
	public Publisher<? extends DataBuffer> keeping(ServerWebExchange exchange, int status, HttpHeaders headers,
			Publisher<? extends DataBuffer> body) {
		Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
		if (route == null || !KEPT_STATUSES.contains(status) || exchange.getRequest().getMethod() != HttpMethod.GET) {
			return body;
		}
		Keeper keeper = keeper(exchange, route, this.policies.resolve(route), status, headers);
		if (keeper == null) {
			return body;
		}
		long contentLength = headers.getContentLength();
		if (status == 204 || contentLength == 0) {
			// no body to wait for (the server may not even read one for a 204)
			keepQuietly(keeper, new byte[0], () -> {
			});
			return body;
		}
		// a copy per subscription, which holds its bytes of the budget from the first
		// byte to when it is stored or dropped, however the body ends
		Callable<BodyCopy> copy = () -> new BodyCopy(keeper.maxBodySize(), contentLength, this.copying);
		if (body instanceof Mono<? extends DataBuffer> single) {
			return Mono.using(copy,
					(taken) -> single.doOnNext(taken::add).doOnSuccess((buffer) -> ended(keeper, taken)),
					BodyCopy::discard);
		}
		return Flux.using(copy,
				(taken) -> Flux.from(body).doOnNext(taken::add).doOnComplete(() -> ended(keeper, taken)),
				BodyCopy::discard);
	}

	/**
	 * Keep a body that has ended, if its copy is whole, and give the copy's bytes back
	 * once it is stored; count a body that was not kept for its size.
	 */
	private void ended(Keeper keeper, BodyCopy copy) {
		byte[] bytes = copy.end();
		if (bytes != null) {
			keepQuietly(keeper, bytes, copy::release);
			return;
		}
		// a copy that was dropped gave its bytes back then
		if (copy.outOfBudget()) {
			this.skippedNoRoom.incrementAndGet();
			long more = this.skipLog.admit();
			if (more != LogThrottle.SKIP) {
				logger.warn("Stale-if-error did not keep a response: no room for its copy within "
						+ "gateway.error-policy.stale-if-error.max-total-size (shared by the bodies being copied)"
						+ ((more > 0) ? "; " + more + " more not logged" : ""));
			}
		}
		else if (copy.tooLong()) {
			this.skippedTooLarge.incrementAndGet();
		}
	}

	/**
	 * Keep a response beside the response to the client: whatever fails is logged, and
	 * nothing reaches the client's response.
	 */
	private void keepQuietly(Keeper keeper, byte[] bytes, Runnable stored) {
		try {
			keep(keeper, bytes).doFinally((signal) -> stored.run()).subscribe(null, this::storeFailed);
		}
		catch (RuntimeException ex) {
			stored.run();
			storeFailed(ex);
		}
	}

	private void storeFailed(Throwable error) {
		this.failures.incrementAndGet();
		long more = this.failureLog.admit();
		if (more != LogThrottle.SKIP) {
			logger.warn("Stale-if-error could not keep or look up a response (" + error
					+ ((more > 0) ? "; " + more + " more failure(s) not logged" : "") + ")");
		}
	}

	/**
	 * Return how many times keeping or looking up a response failed: the store's failures
	 * and the responses that could not be kept.
	 * @return the failures so far
	 */
	public long failures() {
		return this.store.failures() + this.failures.get();
	}

	@Override
	public void retainRoutes(Set<String> routeIds) {
		this.keepingRoutes.retainAll(routeIds);
	}

	/**
	 * Whether a {@code Cache-Control} value names {@code stale-if-error}, in any case,
	 * without copying it.
	 */
	private static boolean mentionsStaleIfError(String value) {
		String directive = "stale-if-error";
		for (int i = 0; i + directive.length() <= value.length(); i++) {
			if (value.regionMatches(true, i, directive, 0, directive.length())) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Return the bytes that bodies being copied may still take, for tests.
	 * @return the bytes left
	 */
	long copyBudgetLeft() {
		return this.copying.get();
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		FunctionCounter.builder("gateway.upstream.stale.store.failures", this, StaleResponses::failures)
			.description("Stale-if-error reads and writes that failed: never a client's failure")
			.register(registry);
		FunctionCounter.builder(SKIPPED_METER, this.skippedTooLarge, AtomicLong::get)
			.description(SKIPPED_DESCRIPTION)
			.tag("reason", "too-large")
			.register(registry);
		FunctionCounter.builder(SKIPPED_METER, this.skippedNoRoom, AtomicLong::get)
			.description(SKIPPED_DESCRIPTION)
			.tag("reason", "no-room")
			.register(registry);
	}

	/**
	 * Keep a response whose body was read: under one key if it varies on nothing, else
	 * under the key of the names it varies on and its own.
	 */
	private Mono<Void> keep(Keeper keeper, byte[] body) {
		return Mono.defer(() -> {
			KeptResponse kept = keeper.head().withBody(body);
			Mono<Void> variant = this.store.put(keeper.variantKey(), kept.toBytes(), kept.timeToLive());
			if (keeper.vary().isEmpty()) {
				return variant;
			}
			byte[] names = String.join(",", keeper.vary()).getBytes(StandardCharsets.UTF_8);
			return this.store.put(namesKey(keeper.base()), names, kept.timeToLive()).then(variant);
		});
	}

	/**
	 * The names in {@code Vary}, lower case; {@code null} for {@code Vary: *}.
	 */
	private static @Nullable List<String> varyNames(HttpHeaders headers) {
		List<String> names = new ArrayList<>();
		for (String name : headers.getVary()) {
			if ("*".equals(name)) {
				return null;
			}
			String lower = name.toLowerCase(Locale.ROOT);
			if (!names.contains(lower)) {
				names.add(lower);
			}
		}
		return names;
	}

	private static List<String> split(String names) {
		return names.isEmpty() ? List.of() : List.of(names.split(","));
	}

	/**
	 * What identifies a request's responses: the application, the route and the URI the
	 * client asked for. Keys are digests of it, so that neither a URI nor a header value
	 * is written to a store in the clear.
	 */
	private String baseKey(Route route, ServerHttpRequest request) {
		return this.name + "\n" + route.getId() + "\nGET " + request.getURI();
	}

	/**
	 * The key of the names of the request headers the responses to a request vary on.
	 */
	private static String namesKey(String base) {
		return digest(base + "\nvary");
	}

	/**
	 * The key of the variant a request selects: the base and the request's values of the
	 * headers the response varies on, and nothing else of the request.
	 */
	private static String variantKey(String base, List<String> vary, HttpHeaders requestHeaders) {
		StringBuilder key = new StringBuilder(base).append("\nvariant");
		for (String name : vary) {
			key.append('\n').append(name).append(':');
			key.append(String.join(",", requestHeaders.getOrEmpty(name)).trim());
		}
		return digest(key.toString());
	}

	static String digest(String key) {
		try {
			MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
			return KEY_PREFIX + HexFormat.of().formatHex(sha256.digest(key.getBytes(StandardCharsets.UTF_8)));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * The freshness lifetime (RFC 9111 §4.2.1): {@code max-age} (a response with
	 * {@code s-maxage} is never kept), else {@code Expires} less {@code Date} (or less
	 * the time received); no heuristic freshness.
	 */
	private static long freshness(CacheDirectives response, HttpHeaders headers, long now) {
		Long maxAge = response.seconds("max-age");
		if (maxAge != null) {
			return maxAge;
		}
		long expires = date(headers, HttpHeaders.EXPIRES);
		long date = date(headers, HttpHeaders.DATE);
		return (expires >= 0) ? Math.max(0, (expires - ((date >= 0) ? date : now)) / 1000) : 0;
	}

	/**
	 * The age when received (RFC 9111 §4.2.3): the larger of the {@code Age} header and
	 * the time since {@code Date}.
	 */
	private static long initialAge(HttpHeaders headers, long now) {
		String value = headers.getFirst(HttpHeaders.AGE);
		Long age = (value != null) ? CacheDirectives.deltaSeconds(value) : null;
		long date = date(headers, HttpHeaders.DATE);
		long sinceDate = (date >= 0) ? Math.max(0, now - date) / 1000 : 0;
		return Math.max((age != null) ? age : 0, sinceDate);
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
	 * @param base the key of the request, from which the key of the names it varies on is
	 * made
	 * @param vary the names of the request headers it varies on
	 * @param variantKey its own key
	 * @param head the response as it is kept, without its body
	 * @param maxBodySize the most bytes of body kept
	 */
	private record Keeper(String base, List<String> vary, String variantKey, KeptResponse head, long maxBodySize) {

	}

}
