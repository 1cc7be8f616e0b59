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

package io.github.gatewayerrorpolicy.autoconfigure;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.github.gatewayerrorpolicy.classify.ErrorType;
import io.github.gatewayerrorpolicy.health.HealthPolicy;
import io.github.gatewayerrorpolicy.retry.RetryPolicy;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.http.MediaType;
import org.springframework.util.unit.DataSize;

/**
 * Configuration of the gateway error policy. The same settings, under a route's
 * {@code error-policy} metadata, override these for that route, except
 * {@code read-timeout}, {@code problem-type-base}, {@code logging}, {@code endpoint} and
 * {@code pool}, which are global.
 */
@ConfigurationProperties(GatewayErrorPolicyProperties.PREFIX)
public class GatewayErrorPolicyProperties {

	/**
	 * Prefix of the properties.
	 */
	public static final String PREFIX = "gateway.error-policy";

	/**
	 * Whether the gateway answers upstream failures with the error policy. When off,
	 * Spring Cloud Gateway's own handling applies.
	 */
	private boolean enabled = true;

	/**
	 * Status to answer each error type with, instead of the one RFC 9209 recommends. Keys
	 * are error types such as 'connection-refused'; values must be 5xx statuses.
	 */
	private Map<ErrorType, Integer> status = new LinkedHashMap<>();

	/**
	 * How long clients should wait before retrying, per error type, sent as a
	 * 'Retry-After' header in whole seconds on 502, 503 and 504 answers.
	 */
	private Map<ErrorType, Duration> retryAfter = new LinkedHashMap<>();

	/**
	 * Whether answers carry technical details for internal environments: where in the
	 * upstream exchange the failure happened and which route failed. Never exception
	 * messages, stack traces or addresses.
	 */
	private boolean exposeDetails;

	/**
	 * Upstream error statuses (5xx) to replace with the gateway's own page and problem
	 * document, keeping the status, as nginx's 'proxy_intercept_errors' does. The
	 * upstream body is read and discarded.
	 */
	private List<Integer> maskUpstreamErrors = new ArrayList<>();

	/**
	 * Media types offered, in order of preference among those a client accepts equally,
	 * e.g. 'text/html' first to send pages to clients that accept anything. Empty to
	 * offer all: problem+json, json, HTML (with Thymeleaf) and plain text, in that order.
	 */
	private List<MediaType> mediaTypes = new ArrayList<>();

	private final ProxyStatusHeader proxyStatus = new ProxyStatusHeader();

	/**
	 * Base URI of the 'type' member of problem documents: the error type is appended, so
	 * 'https://errors.example.com/' gives
	 * 'https://errors.example.com/connection_refused'. Unset, every failure's type is the
	 * IANA registry of proxy error types, which documents them all, and the 'error'
	 * member tells which. Global only.
	 */
	private @Nullable URI problemTypeBase;

	private final Page page = new Page();

	/**
	 * Longest time the gateway's HTTP client waits between two reads of an upstream
	 * response, head or body; none by default. Global only.
	 */
	private @Nullable Duration readTimeout;

	private final Logging logging = new Logging();

	private final Endpoint endpoint = new Endpoint();

	private final Pool pool = new Pool();

	private final Health health = new Health();

	private final Retry retry = new Retry();

	private final StaleIfError staleIfError = new StaleIfError();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Map<ErrorType, Integer> getStatus() {
		return this.status;
	}

	public void setStatus(Map<ErrorType, Integer> status) {
		this.status = status;
	}

	public Map<ErrorType, Duration> getRetryAfter() {
		return this.retryAfter;
	}

	public void setRetryAfter(Map<ErrorType, Duration> retryAfter) {
		this.retryAfter = retryAfter;
	}

	public boolean isExposeDetails() {
		return this.exposeDetails;
	}

	public void setExposeDetails(boolean exposeDetails) {
		this.exposeDetails = exposeDetails;
	}

	public List<Integer> getMaskUpstreamErrors() {
		return this.maskUpstreamErrors;
	}

	public void setMaskUpstreamErrors(List<Integer> maskUpstreamErrors) {
		this.maskUpstreamErrors = maskUpstreamErrors;
	}

	public List<MediaType> getMediaTypes() {
		return this.mediaTypes;
	}

	public void setMediaTypes(List<MediaType> mediaTypes) {
		this.mediaTypes = mediaTypes;
	}

	public ProxyStatusHeader getProxyStatus() {
		return this.proxyStatus;
	}

	public @Nullable URI getProblemTypeBase() {
		return this.problemTypeBase;
	}

	public void setProblemTypeBase(@Nullable URI problemTypeBase) {
		this.problemTypeBase = problemTypeBase;
	}

	public Page getPage() {
		return this.page;
	}

	public @Nullable Duration getReadTimeout() {
		return this.readTimeout;
	}

	public void setReadTimeout(@Nullable Duration readTimeout) {
		this.readTimeout = readTimeout;
	}

	public Logging getLogging() {
		return this.logging;
	}

	public Endpoint getEndpoint() {
		return this.endpoint;
	}

	public Pool getPool() {
		return this.pool;
	}

	public Health getHealth() {
		return this.health;
	}

	public Retry getRetry() {
		return this.retry;
	}

	public StaleIfError getStaleIfError() {
		return this.staleIfError;
	}

	/**
	 * Settings of the log line written per failure; global only.
	 */
	public static class Logging {

		/**
		 * Most log lines per route in each period; further failures are counted, and the
		 * count is logged with the first failure of the next period. 0 for no limit.
		 */
		private int linesPerRoute;

		/**
		 * The period of the limit on log lines.
		 */
		private Duration period = Duration.ofSeconds(10);

		public int getLinesPerRoute() {
			return this.linesPerRoute;
		}

		public void setLinesPerRoute(int linesPerRoute) {
			this.linesPerRoute = linesPerRoute;
		}

		public Duration getPeriod() {
			return this.period;
		}

		public void setPeriod(Duration period) {
			this.period = period;
		}

	}

	/**
	 * Settings of the 'gatewayerrors' Actuator endpoint; global only.
	 */
	public static class Endpoint {

		/**
		 * How many of the most recent failures the endpoint keeps and shows.
		 */
		private int recentFailures = 100;

		public int getRecentFailures() {
			return this.recentFailures;
		}

		public void setRecentFailures(int recentFailures) {
			this.recentFailures = recentFailures;
		}

	}

	/**
	 * Settings of the connection pool of Spring Cloud Gateway's HTTP client; global only.
	 */
	public static class Pool {

		/**
		 * Most requests that may wait for a connection to an upstream whose fixed pool
		 * ('spring.cloud.gateway.server.webflux.httpclient.pool.type=fixed') is in full
		 * use; any further request is answered at once with 503 connection_limit_reached.
		 * 0 lets none wait. Unset, the wait is bounded in time only, by the pool's
		 * 'acquire-timeout'.
		 */
		private @Nullable Integer maxPending;

		public @Nullable Integer getMaxPending() {
			return this.maxPending;
		}

		public void setMaxPending(@Nullable Integer maxPending) {
			this.maxPending = maxPending;
		}

	}

	/**
	 * Passive health checking of upstreams: an upstream that keeps failing is ejected
	 * (not called; its requests get 503 destination_unavailable with a Retry-After) and
	 * brought back by a probe.
	 */
	public static class Health {

		/**
		 * Whether the upstreams of the route are tracked.
		 */
		private boolean enabled = true;

		/**
		 * Counted failures in a row that eject an upstream.
		 */
		private int consecutiveFailures = 5;

		/**
		 * Error types that count as failures; any other outcome that is an answer from
		 * the upstream resets the count.
		 */
		private Set<ErrorType> failureTypes = new LinkedHashSet<>(HealthPolicy.DEFAULT_FAILURE_TYPES);

		/**
		 * Upstream statuses that count as failures, for example 502, 503, 504; none by
		 * default.
		 */
		private Set<Integer> failureStatuses = new LinkedHashSet<>();

		/**
		 * How long the first ejection lasts; each further ejection in a row doubles it.
		 */
		private Duration baseEjectionTime = Duration.ofSeconds(5);

		/**
		 * The longest an ejection lasts.
		 */
		private Duration maxEjectionTime = Duration.ofSeconds(30);

		/**
		 * The most of a load-balanced service's instances, in percent, that are left out
		 * of the load balancer's choice.
		 */
		private int maxEjectedPercent = 50;

		/**
		 * The most upstreams tracked at once; the least recently used is forgotten first.
		 * Global only.
		 */
		private int maxTrackedUpstreams = 10_000;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public int getConsecutiveFailures() {
			return this.consecutiveFailures;
		}

		public void setConsecutiveFailures(int consecutiveFailures) {
			this.consecutiveFailures = consecutiveFailures;
		}

		public Set<ErrorType> getFailureTypes() {
			return this.failureTypes;
		}

		public void setFailureTypes(Set<ErrorType> failureTypes) {
			this.failureTypes = failureTypes;
		}

		public Set<Integer> getFailureStatuses() {
			return this.failureStatuses;
		}

		public void setFailureStatuses(Set<Integer> failureStatuses) {
			this.failureStatuses = failureStatuses;
		}

		public Duration getBaseEjectionTime() {
			return this.baseEjectionTime;
		}

		public void setBaseEjectionTime(Duration baseEjectionTime) {
			this.baseEjectionTime = baseEjectionTime;
		}

		public Duration getMaxEjectionTime() {
			return this.maxEjectionTime;
		}

		public void setMaxEjectionTime(Duration maxEjectionTime) {
			this.maxEjectionTime = maxEjectionTime;
		}

		public int getMaxEjectedPercent() {
			return this.maxEjectedPercent;
		}

		public void setMaxEjectedPercent(int maxEjectedPercent) {
			this.maxEjectedPercent = maxEjectedPercent;
		}

		public int getMaxTrackedUpstreams() {
			return this.maxTrackedUpstreams;
		}

		public void setMaxTrackedUpstreams(int maxTrackedUpstreams) {
			this.maxTrackedUpstreams = maxTrackedUpstreams;
		}

	}

	/**
	 * When a failed upstream call is made again.
	 */
	public static class Retry {

		/**
		 * Whether failed upstream calls of the route are retried.
		 */
		private boolean enabled = true;

		/**
		 * The most attempts in all, the first included; 1 retries nothing.
		 */
		private int maxAttempts = 2;

		/**
		 * Error types that are retried: an attempt that never sent the request is retried
		 * whatever its method, one that may have reached the upstream only when it is
		 * idempotent or carries an Idempotency-Key.
		 */
		private Set<ErrorType> types = new LinkedHashSet<>(RetryPolicy.DEFAULT_TYPES);

		/**
		 * Upstream statuses that are retried, for idempotent requests only, for example
		 * 502, 503, 504; none by default.
		 */
		private Set<Integer> statuses = new LinkedHashSet<>();

		/**
		 * The largest request body of a known length that is read ahead and kept, so that
		 * the request can be sent again after it reached the upstream.
		 */
		private DataSize maxBodySize = DataSize.ofKilobytes(64);

		/**
		 * How long one attempt may wait for the response head; none by default: an
		 * attempt may use what the route's response timeout leaves.
		 */
		private @Nullable Duration perTryTimeout;

		private final Backoff backoff = new Backoff();

		private final Budget budget = new Budget();

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public int getMaxAttempts() {
			return this.maxAttempts;
		}

		public void setMaxAttempts(int maxAttempts) {
			this.maxAttempts = maxAttempts;
		}

		public Set<ErrorType> getTypes() {
			return this.types;
		}

		public void setTypes(Set<ErrorType> types) {
			this.types = types;
		}

		public Set<Integer> getStatuses() {
			return this.statuses;
		}

		public void setStatuses(Set<Integer> statuses) {
			this.statuses = statuses;
		}

		public DataSize getMaxBodySize() {
			return this.maxBodySize;
		}

		public void setMaxBodySize(DataSize maxBodySize) {
			this.maxBodySize = maxBodySize;
		}

		public @Nullable Duration getPerTryTimeout() {
			return this.perTryTimeout;
		}

		public void setPerTryTimeout(@Nullable Duration perTryTimeout) {
			this.perTryTimeout = perTryTimeout;
		}

		public Backoff getBackoff() {
			return this.backoff;
		}

		public Budget getBudget() {
			return this.budget;
		}

		/**
		 * The wait before a retry: a random time up to a bound that doubles with each
		 * retry (full jitter).
		 */
		public static class Backoff {

			/**
			 * The bound of the wait before the first retry.
			 */
			private Duration first = Duration.ofMillis(25);

			/**
			 * The largest bound of the wait before any retry.
			 */
			private Duration max = Duration.ofMillis(250);

			public Duration getFirst() {
				return this.first;
			}

			public void setFirst(Duration first) {
				this.first = first;
			}

			public Duration getMax() {
				return this.max;
			}

			public void setMax(Duration max) {
				this.max = max;
			}

		}

		/**
		 * How many retries may be in flight for the route at once.
		 */
		public static class Budget {

			/**
			 * Retries in flight allowed, in percent of the route's requests in flight.
			 */
			private int percent = 20;

			/**
			 * Retries in flight always allowed, however few requests are in flight.
			 */
			private int minConcurrency = 3;

			public int getPercent() {
				return this.percent;
			}

			public void setPercent(int percent) {
				this.percent = percent;
			}

			public int getMinConcurrency() {
				return this.minConcurrency;
			}

			public void setMinConcurrency(int minConcurrency) {
				this.minConcurrency = minConcurrency;
			}

		}

	}

	/**
	 * Settings of the RFC 9209 Proxy-Status header.
	 */
	public static class ProxyStatusHeader {

		/**
		 * Whether to send the Proxy-Status header.
		 */
		private boolean enabled = true;

		/**
		 * Name this gateway gives itself in the Proxy-Status header. Defaults to
		 * 'spring.application.name', else 'gateway'.
		 */
		private @Nullable String name;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public @Nullable String getName() {
			return this.name;
		}

		public void setName(@Nullable String name) {
			this.name = name;
		}

	}

	/**
	 * Settings of the page shown to people.
	 */
	public static class Page {

		/**
		 * Name of the site, shown at the top of the page and in its title.
		 */
		private @Nullable String siteName;

		/**
		 * Where visitors can contact support: an http, https or mailto URL, linked from
		 * the page.
		 */
		private @Nullable URI supportUrl;

		/**
		 * A status page of the service: an http or https URL, linked from the page.
		 */
		private @Nullable URI statusPageUrl;

		/**
		 * Name of an application Thymeleaf template to render, e.g. 'orders/unavailable';
		 * looked up before 'gateway-errors/<status>' and 'gateway-errors/5xx'.
		 */
		private @Nullable String template;

		public @Nullable String getSiteName() {
			return this.siteName;
		}

		public void setSiteName(@Nullable String siteName) {
			this.siteName = siteName;
		}

		public @Nullable URI getSupportUrl() {
			return this.supportUrl;
		}

		public void setSupportUrl(@Nullable URI supportUrl) {
			this.supportUrl = supportUrl;
		}

		public @Nullable URI getStatusPageUrl() {
			return this.statusPageUrl;
		}

		public void setStatusPageUrl(@Nullable URI statusPageUrl) {
			this.statusPageUrl = statusPageUrl;
		}

		public @Nullable String getTemplate() {
			return this.template;
		}

		public void setTemplate(@Nullable String template) {
			this.template = template;
		}

	}

	/**
	 * Serving the last good response when the upstream fails (RFC 5861
	 * {@code stale-if-error}): which responses are kept, for how long, and where.
	 */
	public static class StaleIfError {

		/**
		 * Whether a failed GET is answered with a kept response where HTTP allows it:
		 * where the upstream's {@code Cache-Control} says {@code stale-if-error}, or the
		 * route's {@code max-stale} is set.
		 */
		private boolean enabled = true;

		/**
		 * How long after it stops being fresh a route's GET response is kept and served
		 * on error without the upstream's say-so; 0 keeps only what the upstream allows.
		 */
		private Duration maxStale = Duration.ZERO;

		/**
		 * Where responses are kept: in this gateway's memory, or in Redis, shared by
		 * every gateway using it (needs Spring Data Redis configured); global only.
		 */
		private Store store = Store.MEMORY;

		/**
		 * The most responses the memory store keeps; global only.
		 */
		private int maxEntries = 10_000;

		/**
		 * The most bytes the memory store keeps in all, and the most that bodies being
		 * copied to be kept hold together, with any store; global only.
		 */
		private DataSize maxTotalSize = DataSize.ofMegabytes(64);

		/**
		 * The largest response body that is kept; a larger one passes without being kept.
		 */
		private DataSize maxEntrySize = DataSize.ofMegabytes(1);

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public Duration getMaxStale() {
			return this.maxStale;
		}

		public void setMaxStale(Duration maxStale) {
			this.maxStale = maxStale;
		}

		public Store getStore() {
			return this.store;
		}

		public void setStore(Store store) {
			this.store = store;
		}

		public int getMaxEntries() {
			return this.maxEntries;
		}

		public void setMaxEntries(int maxEntries) {
			this.maxEntries = maxEntries;
		}

		public DataSize getMaxTotalSize() {
			return this.maxTotalSize;
		}

		public void setMaxTotalSize(DataSize maxTotalSize) {
			this.maxTotalSize = maxTotalSize;
		}

		public DataSize getMaxEntrySize() {
			return this.maxEntrySize;
		}

		public void setMaxEntrySize(DataSize maxEntrySize) {
			this.maxEntrySize = maxEntrySize;
		}

		/**
		 * Where kept responses are stored.
		 */
		public enum Store {

			/**
			 * In this gateway's memory (Caffeine), bounded by entries and bytes.
			 */
			MEMORY,

			/**
			 * In Redis, through Spring Data Redis, shared by every gateway that uses it.
			 */
			REDIS

		}

	}

}
