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
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.github.gatewayerrorpolicy.classify.ErrorType;
import io.github.gatewayerrorpolicy.health.HealthPolicy;
import io.github.gatewayerrorpolicy.policy.ErrorPolicy;
import io.github.gatewayerrorpolicy.policy.ProxyStatus;
import io.github.gatewayerrorpolicy.retry.RetryPolicy;
import io.github.gatewayerrorpolicy.stale.StalePolicy;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.util.StringUtils;
import org.springframework.util.unit.DataSize;

/**
 * Validates {@link GatewayErrorPolicyProperties} and turns them into an
 * {@link ErrorPolicy}. Every value that is not allowed stops with an
 * {@link InvalidErrorPolicyException} that names the setting, the value and what is
 * allowed.
 */
final class ErrorPolicyFactory {

	static final int MAX_RECENT_FAILURES = 10_000;

	static final int MAX_CONSECUTIVE_FAILURES = 100;

	static final int MAX_TRACKED_UPSTREAMS = 100_000;

	static final int MAX_ATTEMPTS = 10;

	static final DataSize MAX_KEPT_BODY = DataSize.ofMegabytes(16);

	static final long MAX_STALE_ENTRY_SIZE = DataSize.ofMegabytes(64).toBytes();

	private static final Pattern TEMPLATE_NAME = Pattern.compile("[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*");

	static final String ERROR_TYPES = Arrays.stream(ErrorType.values())
		.map(ErrorPolicyFactory::propertyKey)
		.collect(Collectors.joining(", "));

	private static final String SERVER_ERRORS = Arrays.stream(HttpStatus.values())
		.filter(HttpStatus::is5xxServerError)
		.map((status) -> String.valueOf(status.value()))
		.collect(Collectors.joining(", "));

	private final List<MediaType> mediaTypes;

	private final String defaultName;

	/**
	 * Create a factory.
	 * @param mediaTypes the media types the renderers can write
	 * @param defaultName the name in {@code Proxy-Status} when none is configured
	 */
	ErrorPolicyFactory(List<MediaType> mediaTypes, String defaultName) {
		this.mediaTypes = mediaTypes;
		this.defaultName = defaultName;
	}

	/**
	 * Create a policy.
	 * @param properties the settings
	 * @param prefix the name the settings are known by, for error messages
	 * @return the policy
	 * @throws InvalidErrorPolicyException if a setting is not allowed
	 */
	ErrorPolicy create(GatewayErrorPolicyProperties properties, String prefix) {
		ErrorPolicy.Builder policy = ErrorPolicy.builder()
			.enabled(properties.isEnabled())
			.exposeDetails(properties.isExposeDetails());
		properties.getStatus()
			.forEach((type, status) -> policy.status(configurable(prefix + ".status", type),
					serverError(prefix + ".status." + propertyKey(type), status)));
		properties.getRetryAfter()
			.forEach((type, delay) -> policy.retryAfter(configurable(prefix + ".retry-after", type),
					delay(prefix + ".retry-after." + propertyKey(type), delay)));
		Set<Integer> masked = new LinkedHashSet<>();
		List<Integer> statuses = properties.getMaskUpstreamErrors();
		for (int i = 0; i < statuses.size(); i++) {
			masked.add(serverError(prefix + ".mask-upstream-errors[" + i + "]", statuses.get(i)).value());
		}
		policy.maskedStatuses(masked);
		Set<MediaType> mediaTypes = new LinkedHashSet<>();
		List<MediaType> configured = properties.getMediaTypes();
		for (int i = 0; i < configured.size(); i++) {
			mediaTypes.add(mediaType(prefix + ".media-types[" + i + "]", configured.get(i)));
		}
		policy.mediaTypes(List.copyOf(mediaTypes));
		GatewayErrorPolicyProperties.ProxyStatusHeader header = properties.getProxyStatus();
		if (header.isEnabled()) {
			policy.proxyStatus(
					new ProxyStatus(StringUtils.hasText(header.getName()) ? header.getName() : this.defaultName));
		}
		GatewayErrorPolicyProperties.Page page = properties.getPage();
		policy.page(new ErrorPolicy.Page(page.getSiteName(),
				url(prefix + ".page.support-url", page.getSupportUrl(), "http", "https", "mailto"),
				url(prefix + ".page.status-page-url", page.getStatusPageUrl(), "http", "https"),
				template(prefix + ".page.template", page.getTemplate())));
		policy.health(health(properties.getHealth(), prefix + ".health"));
		policy.retry(retry(properties.getRetry(), prefix + ".retry"));
		policy.stale(stale(properties.getStaleIfError(), prefix + ".stale-if-error"));
		return policy.build();
	}

	private static StalePolicy stale(GatewayErrorPolicyProperties.StaleIfError stale, String prefix) {
		Duration maxStale = stale.getMaxStale();
		if (maxStale == null || maxStale.isNegative()) {
			throw new InvalidErrorPolicyException(prefix + ".max-stale", maxStale,
					"a duration of 0 or more, e.g. 10m (0 keeps only what the upstream allows)");
		}
		DataSize maxEntrySize = stale.getMaxEntrySize();
		if (maxEntrySize == null || maxEntrySize.toBytes() < 0 || maxEntrySize.toBytes() > MAX_STALE_ENTRY_SIZE) {
			throw new InvalidErrorPolicyException(prefix + ".max-entry-size", maxEntrySize,
					"a size from 0B to " + DataSize.ofBytes(MAX_STALE_ENTRY_SIZE).toMegabytes() + "MB");
		}
		return new StalePolicy(stale.isEnabled(), maxStale, maxEntrySize.toBytes());
	}

	private static HealthPolicy health(GatewayErrorPolicyProperties.Health health, String prefix) {
		int failures = health.getConsecutiveFailures();
		if (failures < 1 || failures > MAX_CONSECUTIVE_FAILURES) {
			throw new InvalidErrorPolicyException(prefix + ".consecutive-failures", failures,
					"a number from 1 to " + MAX_CONSECUTIVE_FAILURES);
		}
		for (ErrorType type : health.getFailureTypes()) {
			if (type == null || type == ErrorType.HTTP_REQUEST_ERROR || type == ErrorType.DESTINATION_UNAVAILABLE) {
				throw new InvalidErrorPolicyException(prefix + ".failure-types",
						(type != null) ? propertyKey(type) : null,
						"error types of an upstream call: not http-request-error (the client's) or "
								+ "destination-unavailable (the gateway's own answer)");
			}
		}
		for (Integer status : health.getFailureStatuses()) {
			serverError(prefix + ".failure-statuses", status);
		}
		Duration base = health.getBaseEjectionTime();
		if (base == null || base.toMillis() < 1) {
			throw new InvalidErrorPolicyException(prefix + ".base-ejection-time", base,
					"a duration of at least 1ms, e.g. 5s");
		}
		Duration max = health.getMaxEjectionTime();
		if (max == null || max.compareTo(base) < 0) {
			throw new InvalidErrorPolicyException(prefix + ".max-ejection-time", max,
					"a duration no shorter than base-ejection-time (" + base + "), e.g. 30s");
		}
		int percent = health.getMaxEjectedPercent();
		if (percent < 0 || percent > 100) {
			throw new InvalidErrorPolicyException(prefix + ".max-ejected-percent", percent, "a number from 0 to 100");
		}
		return new HealthPolicy(health.isEnabled(), failures, health.getFailureTypes(), health.getFailureStatuses(),
				base, max, percent);
	}

	private static RetryPolicy retry(GatewayErrorPolicyProperties.Retry retry, String prefix) {
		int attempts = retry.getMaxAttempts();
		if (attempts < 1 || attempts > MAX_ATTEMPTS) {
			throw new InvalidErrorPolicyException(prefix + ".max-attempts", attempts,
					"a number from 1 (no retries) to " + MAX_ATTEMPTS);
		}
		for (ErrorType type : retry.getTypes()) {
			if (type == null || type == ErrorType.HTTP_REQUEST_ERROR || type == ErrorType.DESTINATION_UNAVAILABLE
					|| type == ErrorType.PROXY_INTERNAL_ERROR) {
				throw new InvalidErrorPolicyException(prefix + ".types", (type != null) ? propertyKey(type) : null,
						"error types of an upstream call: not http-request-error (the client's), "
								+ "destination-unavailable (an upstream taken out of service) or proxy-internal-error");
			}
		}
		for (Integer status : retry.getStatuses()) {
			serverError(prefix + ".statuses", status);
		}
		DataSize maxBodySize = retry.getMaxBodySize();
		if (maxBodySize == null || maxBodySize.isNegative() || maxBodySize.toBytes() > MAX_KEPT_BODY.toBytes()) {
			throw new InvalidErrorPolicyException(prefix + ".max-body-size", maxBodySize,
					"a size from 0B (no body kept) to " + MAX_KEPT_BODY.toMegabytes() + "MB, e.g. 64KB");
		}
		Duration perTry = retry.getPerTryTimeout();
		if (perTry != null && (perTry.isNegative() || perTry.isZero())) {
			throw new InvalidErrorPolicyException(prefix + ".per-try-timeout", perTry,
					"a duration of more than zero, e.g. 2s, or no value for none");
		}
		Duration first = retry.getBackoff().getFirst();
		if (first == null || first.isNegative()) {
			throw new InvalidErrorPolicyException(prefix + ".backoff.first", first,
					"a duration of zero or more, e.g. 25ms");
		}
		Duration max = retry.getBackoff().getMax();
		if (max == null || max.compareTo(first) < 0) {
			throw new InvalidErrorPolicyException(prefix + ".backoff.max", max,
					"a duration no shorter than backoff.first (" + first + "), e.g. 250ms");
		}
		int percent = retry.getBudget().getPercent();
		if (percent < 0 || percent > 100) {
			throw new InvalidErrorPolicyException(prefix + ".budget.percent", percent, "a number from 0 to 100");
		}
		int minConcurrency = retry.getBudget().getMinConcurrency();
		if (minConcurrency < 0) {
			throw new InvalidErrorPolicyException(prefix + ".budget.min-concurrency", minConcurrency, "0 or more");
		}
		return new RetryPolicy(retry.isEnabled(), attempts, retry.getTypes(), retry.getStatuses(),
				maxBodySize.toBytes(), first, max, perTry, percent, minConcurrency);
	}

	/**
	 * Validate the settings that only exist globally.
	 * @param properties the settings
	 * @throws InvalidErrorPolicyException if a setting is not allowed
	 */
	static void validateGlobal(GatewayErrorPolicyProperties properties) {
		String prefix = GatewayErrorPolicyProperties.PREFIX;
		GatewayErrorPolicyProperties.Logging logging = properties.getLogging();
		if (logging.getLinesPerRoute() < 0) {
			throw new InvalidErrorPolicyException(prefix + ".logging.lines-per-route", logging.getLinesPerRoute(),
					"0 (no limit) or more");
		}
		if (logging.getPeriod() == null || logging.getPeriod().isNegative() || logging.getPeriod().isZero()) {
			throw new InvalidErrorPolicyException(prefix + ".logging.period", logging.getPeriod(),
					"a duration of more than zero, e.g. 10s");
		}
		Duration readTimeout = properties.getReadTimeout();
		if (readTimeout != null && (readTimeout.isNegative() || readTimeout.isZero())) {
			throw new InvalidErrorPolicyException(prefix + ".read-timeout", readTimeout,
					"a duration of more than zero, e.g. 30s, or no value for none");
		}
		Integer maxPending = properties.getPool().getMaxPending();
		if (maxPending != null && maxPending < 0) {
			throw new InvalidErrorPolicyException(prefix + ".pool.max-pending", maxPending,
					"0 or more, or no value for no limit but the acquire timeout");
		}
		URI problemTypeBase = properties.getProblemTypeBase();
		if (problemTypeBase != null) {
			url(prefix + ".problem-type-base", problemTypeBase, "http", "https");
		}
		int tracked = properties.getHealth().getMaxTrackedUpstreams();
		if (tracked < 1 || tracked > MAX_TRACKED_UPSTREAMS) {
			throw new InvalidErrorPolicyException(prefix + ".health.max-tracked-upstreams", tracked,
					"a number from 1 to " + MAX_TRACKED_UPSTREAMS);
		}
		int recent = properties.getEndpoint().getRecentFailures();
		if (recent < 0 || recent > MAX_RECENT_FAILURES) {
			throw new InvalidErrorPolicyException(prefix + ".endpoint.recent-failures", recent,
					"a number from 0 to " + MAX_RECENT_FAILURES);
		}
		GatewayErrorPolicyProperties.StaleIfError stale = properties.getStaleIfError();
		if (stale.getStore() == null) {
			throw new InvalidErrorPolicyException(prefix + ".stale-if-error.store", null, "memory or redis");
		}
		if (stale.getMaxEntries() < 1) {
			throw new InvalidErrorPolicyException(prefix + ".stale-if-error.max-entries", stale.getMaxEntries(),
					"1 or more");
		}
		DataSize total = stale.getMaxTotalSize();
		if (total == null || total.toBytes() < 1) {
			throw new InvalidErrorPolicyException(prefix + ".stale-if-error.max-total-size", total,
					"a size of 1B or more, e.g. 64MB");
		}
	}

	/**
	 * The key of an error type in property names: {@code connection-refused}.
	 * @param type the error type
	 * @return the key
	 */
	static String propertyKey(ErrorType type) {
		return type.token().replace('_', '-');
	}

	/**
	 * An error type whose answer can be configured: not {@code http_request_error}, which
	 * the server answers itself.
	 */
	private static ErrorType configurable(String property, ErrorType type) {
		if (type == ErrorType.HTTP_REQUEST_ERROR) {
			throw new InvalidErrorPolicyException(property + "." + propertyKey(type), propertyKey(type),
					"an error type the gateway answers: http-request-error is answered 400 by the server");
		}
		return type;
	}

	private static HttpStatus serverError(String property, @Nullable Integer status) {
		HttpStatus resolved = (status != null) ? HttpStatus.resolve(status) : null;
		if (resolved == null || !resolved.is5xxServerError()) {
			throw new InvalidErrorPolicyException(property, status,
					"a 5xx status, since an upstream failure is never a success or the client's fault: one of "
							+ SERVER_ERRORS);
		}
		return resolved;
	}

	private static Duration delay(String property, @Nullable Duration delay) {
		if (delay == null || delay.isNegative()) {
			throw new InvalidErrorPolicyException(property, delay, "a duration of zero or more, e.g. 30s");
		}
		return delay;
	}

	private MediaType mediaType(String property, MediaType value) {
		for (MediaType offered : this.mediaTypes) {
			if (offered.equalsTypeAndSubtype(value)) {
				return offered;
			}
		}
		throw new InvalidErrorPolicyException(property, value, "a media type the gateway can write: one of "
				+ this.mediaTypes.stream().map(MediaType::toString).collect(Collectors.joining(", ")));
	}

	private static @Nullable URI url(String property, @Nullable URI url, String... schemes) {
		if (url == null) {
			return null;
		}
		String scheme = (url.getScheme() != null) ? url.getScheme().toLowerCase(Locale.ROOT) : "";
		boolean needsHost = scheme.startsWith("http");
		if (Arrays.asList(schemes).contains(scheme) && (!needsHost || StringUtils.hasText(url.getHost()))) {
			return url;
		}
		throw new InvalidErrorPolicyException(property, url, "an absolute " + String.join(", ", schemes) + " URL");
	}

	private static @Nullable String template(String property, @Nullable String name) {
		if (name != null && !TEMPLATE_NAME.matcher(name).matches()) {
			throw new InvalidErrorPolicyException(property, name,
					"a template name of letters, digits, '-', '_' and '/', e.g. orders/unavailable");
		}
		return name;
	}

}
