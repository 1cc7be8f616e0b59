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

package io.github.gatewayerrorpolicy.policy;

import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.github.gatewayerrorpolicy.classify.ErrorType;
import io.github.gatewayerrorpolicy.health.HealthPolicy;
import io.github.gatewayerrorpolicy.retry.RetryPolicy;
import io.github.gatewayerrorpolicy.stale.StalePolicy;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.util.Assert;

/**
 * How the gateway answers upstream failures on one route, or on all routes: the resolved,
 * validated form of the {@code gateway.error-policy} settings and a route's
 * {@code error-policy} metadata. Instances are immutable and built once per route.
 */
public final class ErrorPolicy {

	private final boolean enabled;

	private final Map<ErrorType, HttpStatus> statuses;

	private final Map<ErrorType, Duration> retryAfter;

	private final @Nullable ProxyStatus proxyStatus;

	private final boolean exposeDetails;

	private final Page page;

	private final Set<Integer> maskedStatuses;

	private final List<MediaType> mediaTypes;

	private final HealthPolicy health;

	private final RetryPolicy retry;

	private final StalePolicy stale;

	private ErrorPolicy(Builder builder) {
		this.enabled = builder.enabled;
		this.statuses = Collections.unmodifiableMap(new EnumMap<>(builder.statuses));
		this.retryAfter = Collections.unmodifiableMap(new EnumMap<>(builder.retryAfter));
		this.proxyStatus = builder.proxyStatus;
		this.exposeDetails = builder.exposeDetails;
		this.page = builder.page;
		this.maskedStatuses = Set.copyOf(builder.maskedStatuses);
		this.mediaTypes = List.copyOf(builder.mediaTypes);
		this.health = builder.health;
		this.retry = builder.retry;
		this.stale = builder.stale;
	}

	public static Builder builder() {
		return new Builder();
	}

	/**
	 * Return whether the policy answers failures at all; when not, they are left to
	 * Spring Boot, as if the starter were absent.
	 * @return whether the policy is on
	 */
	public boolean isEnabled() {
		return this.enabled;
	}

	/**
	 * Return the status to answer a failure of the given type with.
	 * @param type the error type
	 * @return the configured status, else the one RFC 9209 recommends
	 */
	public HttpStatus status(ErrorType type) {
		HttpStatus status = this.statuses.get(type);
		return (status != null) ? status : type.defaultStatus();
	}

	/**
	 * Return how long clients should wait before they retry after a failure of the given
	 * type.
	 * @param type the error type
	 * @return the delay, or {@code null} to send no {@code Retry-After}
	 */
	public @Nullable Duration retryAfter(ErrorType type) {
		return this.retryAfter.get(type);
	}

	/**
	 * Return the formatter of the {@code Proxy-Status} header.
	 * @return the formatter, or {@code null} if the header is not sent
	 */
	public @Nullable ProxyStatus proxyStatus() {
		return this.proxyStatus;
	}

	/**
	 * Return whether answers carry technical details: where in the exchange the failure
	 * happened and which route failed. Never exception messages or addresses.
	 * @return whether details are exposed
	 */
	public boolean exposesDetails() {
		return this.exposeDetails;
	}

	public Page page() {
		return this.page;
	}

	/**
	 * Return whether an upstream response with the given status is replaced by the
	 * gateway's own answer, with the same status.
	 * @param status the upstream's status
	 * @return whether to mask it
	 */
	public boolean masks(int status) {
		return this.maskedStatuses.contains(status);
	}

	/**
	 * Return the upstream statuses that are masked.
	 * @return the statuses
	 */
	public Set<Integer> maskedStatuses() {
		return this.maskedStatuses;
	}

	/**
	 * Return the media types offered, in order of preference among equally acceptable
	 * ones; empty to offer every renderer's in the renderers' order.
	 * @return the media types
	 */
	public List<MediaType> mediaTypes() {
		return this.mediaTypes;
	}

	/**
	 * Return how the route tracks the health of its upstreams.
	 * @return the health settings
	 */
	public HealthPolicy health() {
		return this.health;
	}

	/**
	 * Return when the route sends a failed request again.
	 * @return the retry settings
	 */
	public RetryPolicy retry() {
		return this.retry;
	}

	/**
	 * Return when the route answers a failed request with a kept response.
	 * @return the stale-if-error settings
	 */
	public StalePolicy stale() {
		return this.stale;
	}

	/**
	 * Settings of the page shown to people.
	 *
	 * @param siteName the name of the site, shown on the page
	 * @param supportUrl where to contact support
	 * @param statusPageUrl a status page
	 * @param template the name of an application template to render instead of the
	 * default lookup
	 */
	public record Page(@Nullable String siteName, @Nullable URI supportUrl, @Nullable URI statusPageUrl,
			@Nullable String template) {

		/**
		 * A page with no site name, links or template.
		 */
		public static final Page DEFAULT = new Page(null, null, null, null);

	}

	/**
	 * Builds an {@link ErrorPolicy}; values are expected to be validated already.
	 */
	public static final class Builder {

		private boolean enabled = true;

		private final Map<ErrorType, HttpStatus> statuses = new EnumMap<>(ErrorType.class);

		private final Map<ErrorType, Duration> retryAfter = new EnumMap<>(ErrorType.class);

		private @Nullable ProxyStatus proxyStatus;

		private boolean exposeDetails;

		private Page page = Page.DEFAULT;

		private Set<Integer> maskedStatuses = Set.of();

		private List<MediaType> mediaTypes = List.of();

		private HealthPolicy health = HealthPolicy.DEFAULT;

		private RetryPolicy retry = RetryPolicy.DEFAULT;

		private StalePolicy stale = StalePolicy.DEFAULT;

		private Builder() {
		}

		public Builder enabled(boolean enabled) {
			this.enabled = enabled;
			return this;
		}

		public Builder status(ErrorType type, HttpStatus status) {
			Assert.isTrue(status.is5xxServerError(), "'status' must be a 5xx status");
			this.statuses.put(type, status);
			return this;
		}

		public Builder retryAfter(ErrorType type, Duration delay) {
			Assert.isTrue(!delay.isNegative(), "'delay' must not be negative");
			this.retryAfter.put(type, delay);
			return this;
		}

		public Builder proxyStatus(@Nullable ProxyStatus proxyStatus) {
			this.proxyStatus = proxyStatus;
			return this;
		}

		public Builder exposeDetails(boolean exposeDetails) {
			this.exposeDetails = exposeDetails;
			return this;
		}

		public Builder page(Page page) {
			this.page = page;
			return this;
		}

		public Builder maskedStatuses(Set<Integer> statuses) {
			this.maskedStatuses = statuses;
			return this;
		}

		public Builder mediaTypes(List<MediaType> mediaTypes) {
			this.mediaTypes = mediaTypes;
			return this;
		}

		public Builder health(HealthPolicy health) {
			this.health = health;
			return this;
		}

		public Builder retry(RetryPolicy retry) {
			this.retry = retry;
			return this;
		}

		public Builder stale(StalePolicy stale) {
			this.stale = stale;
			return this;
		}

		public ErrorPolicy build() {
			return new ErrorPolicy(this);
		}

	}

}
