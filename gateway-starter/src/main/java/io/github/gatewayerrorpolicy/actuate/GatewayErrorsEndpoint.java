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

package io.github.gatewayerrorpolicy.actuate;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import io.github.gatewayerrorpolicy.actuate.UpstreamFailureRecorder.RecentFailure;
import io.github.gatewayerrorpolicy.actuate.UpstreamFailureRecorder.Total;
import io.github.gatewayerrorpolicy.classify.ErrorType;
import io.github.gatewayerrorpolicy.health.HealthPolicy;
import io.github.gatewayerrorpolicy.health.UpstreamHealth;
import io.github.gatewayerrorpolicy.health.UpstreamHealth.UpstreamState;
import io.github.gatewayerrorpolicy.retry.RetryFilter;
import io.github.gatewayerrorpolicy.retry.RetryPolicy;
import io.github.gatewayerrorpolicy.policy.ErrorPolicy;
import io.github.gatewayerrorpolicy.policy.ErrorPolicyResolver;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.http.MediaType;

/**
 * The {@code gatewayerrors} Actuator endpoint: failed upstream exchanges since start-up,
 * per route, error type and outcome; the most recent ones; the upstreams that are or were
 * recently ejected; and the error policy in effect on every route. It shows route ids but
 * never a route's URI, nor any query string, header, body or exception; upstream
 * addresses appear only in the {@code upstreams} section, for operators.
 */
@Endpoint(id = "gatewayerrors")
public class GatewayErrorsEndpoint {

	private final UpstreamFailureRecorder recorder;

	private final RouteLocator routeLocator;

	private final ErrorPolicyResolver policies;

	private final UpstreamHealth health;

	public GatewayErrorsEndpoint(UpstreamFailureRecorder recorder, RouteLocator routeLocator,
			ErrorPolicyResolver policies, UpstreamHealth health) {
		this.recorder = recorder;
		this.routeLocator = routeLocator;
		this.policies = policies;
		this.health = health;
	}

	@ReadOperation
	public Mono<GatewayErrorsDescriptor> gatewayErrors() {
		return this.routeLocator.getRoutes()
			.collectMap(Route::getId, (route) -> describe(this.policies.resolve(route), route), LinkedHashMap::new)
			.map((routes) -> new GatewayErrorsDescriptor(this.recorder.count(), this.recorder.totals(),
					this.recorder.recent(), this.health.ejectedUpstreams(), routes));
	}

	private static PolicyDescriptor describe(ErrorPolicy policy, Route route) {
		Map<String, Integer> statuses = new LinkedHashMap<>();
		Map<String, Duration> retryAfter = new LinkedHashMap<>();
		for (ErrorType type : ErrorType.values()) {
			statuses.put(type.token(), policy.status(type).value());
			Duration delay = policy.retryAfter(type);
			if (delay != null) {
				retryAfter.put(type.token(), delay);
			}
		}
		ErrorPolicy.Page page = policy.page();
		HealthPolicy health = policy.health();
		return new PolicyDescriptor(policy.isEnabled(), statuses, retryAfter,
				(policy.proxyStatus() != null) ? policy.proxyStatus().name() : null, policy.exposesDetails(),
				List.copyOf(new TreeSet<>(policy.maskedStatuses())),
				policy.mediaTypes().stream().map(MediaType::toString).toList(),
				new PageDescriptor(page.siteName(), page.supportUrl(), page.statusPageUrl(), page.template()),
				new HealthDescriptor(health.enabled(), health.consecutiveFailures(),
						health.failureTypes().stream().map(ErrorType::token).sorted().toList(),
						List.copyOf(new TreeSet<>(health.failureStatuses())), health.baseEjectionTime(),
						health.maxEjectionTime(), health.maxEjectedPercent()),
				describeRetry(policy, route));
	}

	private static RetryDescriptor describeRetry(ErrorPolicy policy, Route route) {
		RetryPolicy retry = policy.retry();
		return new RetryDescriptor(RetryFilter.retries(policy, route), RetryFilter.hasOwnRetry(route),
				retry.maxAttempts(), retry.types().stream().map(ErrorType::token).sorted().toList(),
				List.copyOf(new TreeSet<>(retry.statuses())), retry.maxBodySize(), retry.perTryTimeout(),
				retry.firstBackoff(), retry.maxBackoff(), retry.budgetPercent(), retry.budgetMinConcurrency());
	}

	/**
	 * What the endpoint shows.
	 *
	 * @param failures how many failures were recorded since start-up
	 * @param totals failures per route, error type and outcome
	 * @param recent the most recent failures, newest first
	 * @param upstreams the upstreams that are or were recently ejected, most recently
	 * ejected first
	 * @param routes the policy in effect on each route, by route id
	 */
	public record GatewayErrorsDescriptor(long failures, List<Total> totals, List<RecentFailure> recent,
			List<UpstreamState> upstreams, Map<String, PolicyDescriptor> routes) implements OperationResponseBody {

	}

	/**
	 * The error policy in effect on a route.
	 *
	 * @param enabled whether the policy answers the route's failures
	 * @param statuses the status for each error type
	 * @param retryAfter the {@code Retry-After} for each error type that has one
	 * @param proxyStatusName the name in {@code Proxy-Status}, or {@code null} if it is
	 * not sent
	 * @param exposeDetails whether technical details are exposed
	 * @param maskUpstreamErrors the upstream statuses that are masked
	 * @param mediaTypes the media types offered in order, or empty for all
	 * @param page the page settings
	 * @param health how the route tracks the health of its upstreams
	 * @param retry when the route's failed requests are sent again
	 */
	public record PolicyDescriptor(boolean enabled, Map<String, Integer> statuses, Map<String, Duration> retryAfter,
			@Nullable String proxyStatusName, boolean exposeDetails, List<Integer> maskUpstreamErrors,
			List<String> mediaTypes, PageDescriptor page, HealthDescriptor health, RetryDescriptor retry) {

	}

	/**
	 * The retry settings of a route's policy.
	 *
	 * @param enabled whether the policy retries the route's requests
	 * @param leftToRetryFilter whether the route has Spring Cloud Gateway's own
	 * {@code Retry} filter, which the policy leaves it to
	 * @param maxAttempts the most attempts in all
	 * @param types the error types retried
	 * @param statuses the upstream statuses retried
	 * @param maxBodySize the largest body kept, in bytes
	 * @param perTryTimeout the limit of one attempt, if any
	 * @param firstBackoff the bound of the first wait
	 * @param maxBackoff the largest bound of a wait
	 * @param budgetPercent retries in flight allowed, in percent of requests in flight
	 * @param budgetMinConcurrency retries in flight always allowed
	 */
	public record RetryDescriptor(boolean enabled, boolean leftToRetryFilter, int maxAttempts, List<String> types,
			List<Integer> statuses, long maxBodySize, @Nullable Duration perTryTimeout, Duration firstBackoff,
			Duration maxBackoff, int budgetPercent, int budgetMinConcurrency) {

	}

	/**
	 * The health settings of a route's policy.
	 *
	 * @param enabled whether its upstreams are tracked
	 * @param consecutiveFailures counted failures in a row that eject an upstream
	 * @param failureTypes the error types that count
	 * @param failureStatuses the upstream statuses that count
	 * @param baseEjectionTime the first ejection's time
	 * @param maxEjectionTime the longest ejection
	 * @param maxEjectedPercent the most of a service's instances left out
	 */
	public record HealthDescriptor(boolean enabled, int consecutiveFailures, List<String> failureTypes,
			List<Integer> failureStatuses, Duration baseEjectionTime, Duration maxEjectionTime, int maxEjectedPercent) {

	}

	/**
	 * The page settings of a route's policy.
	 *
	 * @param siteName the site name
	 * @param supportUrl the support URL
	 * @param statusPageUrl the status page URL
	 * @param template the route's own template
	 */
	public record PageDescriptor(@Nullable String siteName, @Nullable URI supportUrl, @Nullable URI statusPageUrl,
			@Nullable String template) {

	}

}
