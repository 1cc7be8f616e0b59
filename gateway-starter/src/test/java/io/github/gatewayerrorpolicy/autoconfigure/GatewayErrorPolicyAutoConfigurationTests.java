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

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.github.gatewayerrorpolicy.stale.StaleResponses;
import io.github.gatewayerrorpolicy.stale.MemoryStaleStore;
import io.github.gatewayerrorpolicy.actuate.GatewayErrorsEndpoint;
import io.github.gatewayerrorpolicy.actuate.UpstreamFailureRecorder;
import io.github.gatewayerrorpolicy.classify.DefaultUpstreamFailureClassifier;
import io.github.gatewayerrorpolicy.classify.ErrorType;
import io.github.gatewayerrorpolicy.classify.UpstreamFailureClassifier;
import io.github.gatewayerrorpolicy.client.UpstreamReadTimeout;
import io.github.gatewayerrorpolicy.client.UpstreamResponseValidation;
import io.github.gatewayerrorpolicy.filter.RequestValidationFilter;
import io.github.gatewayerrorpolicy.filter.UpstreamFailureFilter;
import io.github.gatewayerrorpolicy.filter.UpstreamResponseBodyFilter;
import io.github.gatewayerrorpolicy.health.HealthPolicy;
import io.github.gatewayerrorpolicy.health.UpstreamHealth;
import io.github.gatewayerrorpolicy.metrics.DefaultUpstreamFailureTagsProvider;
import io.github.gatewayerrorpolicy.metrics.UpstreamFailureMetrics;
import io.github.gatewayerrorpolicy.observe.ObservationUpstreamFailureListener;
import io.github.gatewayerrorpolicy.observe.TraceIdResolver;
import io.github.gatewayerrorpolicy.observe.UpstreamFailureEvents;
import io.github.gatewayerrorpolicy.observe.UpstreamFailureLog;
import io.github.gatewayerrorpolicy.policy.ErrorPolicy;
import io.github.gatewayerrorpolicy.policy.ErrorPolicyResolver;
import io.github.gatewayerrorpolicy.web.ErrorMessages;
import io.github.gatewayerrorpolicy.web.ErrorResponseWriter;
import io.github.gatewayerrorpolicy.web.HtmlErrorRenderer;
import io.github.gatewayerrorpolicy.web.PlainTextErrorRenderer;
import io.github.gatewayerrorpolicy.web.ProblemDetailRenderer;
import io.github.gatewayerrorpolicy.web.UpstreamErrorRenderer;
import io.github.gatewayerrorpolicy.web.UpstreamErrorWebExceptionHandler;
import io.github.resilience4j.core.IntervalFunction;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.tracing.handler.TracingObservationHandler;
import org.junit.jupiter.api.Test;
import org.thymeleaf.spring6.SpringTemplateEngine;

import reactor.core.publisher.Flux;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.ApplicationContextAssertProvider;
import org.springframework.boot.test.context.assertj.AssertableReactiveWebApplicationContext;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.boot.autoconfigure.context.MessageSourceAutoConfiguration;
import org.springframework.context.MessageSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.support.AbstractApplicationContext;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerCodecConfigurer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link GatewayErrorPolicyAutoConfiguration}.
 */
class GatewayErrorPolicyAutoConfigurationTests {

	private static final Class<?>[] POLICY_BEANS = { UpstreamFailureClassifier.class, ErrorMessages.class,
			ProblemDetailRenderer.class, PlainTextErrorRenderer.class, HtmlErrorRenderer.class,
			ErrorResponseWriter.class, ErrorPolicyResolver.class, RouteErrorPolicyVerifier.class,
			UpstreamResponseValidation.class, UpstreamReadTimeout.class, RequestValidationFilter.class,
			UpstreamFailureFilter.class, UpstreamResponseBodyFilter.class, UpstreamErrorWebExceptionHandler.class,
			UpstreamFailureLog.class, ObservationUpstreamFailureListener.class, UpstreamFailureEvents.class,
			TraceIdResolver.class, UpstreamHealth.class };

	private final ReactiveWebApplicationContextRunner contextRunner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(GatewayErrorPolicyAutoConfiguration.class))
		.withBean(ServerCodecConfigurer.class, ServerCodecConfigurer::create);

	@Test
	void providesEveryPartByDefault() {
		this.contextRunner.run((context) -> {
			for (Class<?> type : POLICY_BEANS) {
				assertThat(context).hasSingleBean(type);
			}
			assertThat(context).getBean(UpstreamFailureClassifier.class)
				.isInstanceOf(DefaultUpstreamFailureClassifier.class);
			assertThat(context.getBeansOfType(UpstreamErrorRenderer.class)).hasSize(3);
			ErrorPolicy policy = globalPolicy(context);
			assertThat(policy.isEnabled()).isTrue();
			assertThat(policy.status(ErrorType.CONNECTION_TIMEOUT)).isEqualTo(HttpStatus.GATEWAY_TIMEOUT);
			assertThat(policy.retryAfter(ErrorType.CONNECTION_REFUSED)).isNull();
			assertThat(policy.exposesDetails()).isFalse();
			assertThat(policy.masks(503)).isFalse();
			assertThat(policy.mediaTypes()).isEmpty();
			assertThat(policy.proxyStatus().error(ErrorType.CONNECTION_REFUSED))
				.isEqualTo("gateway; error=connection_refused");
			assertThat(context.getBean(ErrorResponseWriter.class).getMediaTypes()).containsExactly(
					MediaType.APPLICATION_PROBLEM_JSON, MediaType.APPLICATION_JSON, MediaType.TEXT_HTML,
					MediaType.TEXT_PLAIN);
		});
	}

	@Test
	void addsNoCandidateForTypesApplicationsInject() {
		this.contextRunner.withConfiguration(AutoConfigurations.of(MessageSourceAutoConfiguration.class))
			.withPropertyValues("spring.messages.basename=test-messages")
			.withUserConfiguration(InjectsMessageSource.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(InjectsMessageSource.class).messages)
					.isSameAs(context.getBean(AbstractApplicationContext.MESSAGE_SOURCE_BEAN_NAME));
				assertThat(context.getBeanNamesForType(MessageSource.class)).hasSize(1);
			});
	}

	@Test
	void bindsEverySetting() {
		this.contextRunner
			.withPropertyValues("spring.application.name=edge", "gateway.error-policy.status.connection-refused=503",
					"gateway.error-policy.status[dns_error]=504",
					"gateway.error-policy.retry-after.connection-refused=1500ms",
					"gateway.error-policy.expose-details=true", "gateway.error-policy.mask-upstream-errors=500,503",
					"gateway.error-policy.media-types=text/html,application/problem+json",
					"gateway.error-policy.page.site-name=Example Shop",
					"gateway.error-policy.page.support-url=mailto:help@example.com",
					"gateway.error-policy.page.status-page-url=https://status.example.com",
					"gateway.error-policy.page.template=shop/unavailable")
			.run((context) -> {
				ErrorPolicy policy = globalPolicy(context);
				assertThat(policy.status(ErrorType.CONNECTION_REFUSED)).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
				assertThat(policy.status(ErrorType.DNS_ERROR)).isEqualTo(HttpStatus.GATEWAY_TIMEOUT);
				assertThat(policy.status(ErrorType.CONNECTION_TERMINATED)).isEqualTo(HttpStatus.BAD_GATEWAY);
				assertThat(policy.retryAfter(ErrorType.CONNECTION_REFUSED)).isEqualTo(Duration.ofMillis(1500));
				assertThat(policy.exposesDetails()).isTrue();
				assertThat(policy.masks(500)).isTrue();
				assertThat(policy.masks(502)).isFalse();
				assertThat(policy.mediaTypes()).containsExactly(MediaType.TEXT_HTML,
						MediaType.APPLICATION_PROBLEM_JSON);
				assertThat(policy.page().siteName()).isEqualTo("Example Shop");
				assertThat(policy.page().supportUrl()).hasToString("mailto:help@example.com");
				assertThat(policy.page().statusPageUrl()).hasToString("https://status.example.com");
				assertThat(policy.page().template()).isEqualTo("shop/unavailable");
				assertThat(policy.proxyStatus().receivedStatus(503)).isEqualTo("edge; received-status=503");
			});
	}

	@Test
	void proxyStatusNameWinsOverTheApplicationName() {
		this.contextRunner
			.withPropertyValues("spring.application.name=edge", "gateway.error-policy.proxy-status.name=Edge Proxy")
			.run((context) -> assertThat(globalPolicy(context).proxyStatus().error(ErrorType.DNS_ERROR))
				.isEqualTo("\"Edge Proxy\"; error=dns_error"));
	}

	@Test
	void proxyStatusCanBeSwitchedOff() {
		this.contextRunner.withPropertyValues("gateway.error-policy.proxy-status.enabled=false")
			.run((context) -> assertThat(globalPolicy(context).proxyStatus()).isNull());
	}

	@Test
	void statusOutsideTheServerErrorsStopsStartUp() {
		assertInvalid("gateway.error-policy.status.connection-refused=404",
				"gateway.error-policy.status.connection-refused", "404", "a 5xx status", "500, 501, 502, 503, 504");
		assertInvalid("gateway.error-policy.mask-upstream-errors=503,200",
				"gateway.error-policy.mask-upstream-errors[1]", "200", "a 5xx status");
	}

	@Test
	void unknownErrorTypeStopsStartUp() {
		assertInvalid("gateway.error-policy.status.connection-refuse=503",
				"gateway.error-policy.status.connection-refuse", "connection-refuse", "an error type",
				"connection-refused, connection-terminated");
		assertInvalid("gateway.error-policy.retry-after.dns=5s", "gateway.error-policy.retry-after.dns", "dns",
				"dns-timeout, dns-error");
	}

	@Test
	void requestErrorsAreNotTheGatewaysToAnswer() {
		assertInvalid("gateway.error-policy.status.http-request-error=502",
				"gateway.error-policy.status.http-request-error", "http-request-error", "answered 400 by the server");
	}

	@Test
	void negativeDurationStopsStartUp() {
		assertInvalid("gateway.error-policy.retry-after.connection-refused=-5s",
				"gateway.error-policy.retry-after.connection-refused", "PT-5S", "a duration of zero or more");
	}

	@Test
	void malformedUrlStopsStartUp() {
		assertInvalid("gateway.error-policy.page.support-url=support page", "gateway.error-policy.page.support-url",
				"support page", "an absolute URL");
		assertInvalid("gateway.error-policy.page.support-url=ftp://files.example.com",
				"gateway.error-policy.page.support-url", "ftp://files.example.com",
				"an absolute http, https, mailto URL");
		assertInvalid("gateway.error-policy.problem-type-base=urn:problems", "gateway.error-policy.problem-type-base",
				"urn:problems", "an absolute http, https URL");
		assertInvalid("gateway.error-policy.page.status-page-url=javascript:alert(1)",
				"gateway.error-policy.page.status-page-url", "javascript:alert(1)", "an absolute http, https URL");
		assertInvalid("gateway.error-policy.page.status-page-url=https:///status",
				"gateway.error-policy.page.status-page-url", "https:///status", "an absolute http, https URL");
	}

	@Test
	void unknownMediaTypeStopsStartUp() {
		assertInvalid("gateway.error-policy.media-types=application/problem+json,text/xml",
				"gateway.error-policy.media-types[1]", "text/xml", "a media type the gateway can write",
				"application/problem+json, application/json, text/html, text/plain");
		assertInvalid("gateway.error-policy.media-types=html", "gateway.error-policy.media-types", "html",
				"a media type the gateway can write");
	}

	@Test
	void pageNeedsThymeleafToBeOffered() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(SpringTemplateEngine.class))
			.withPropertyValues("gateway.error-policy.media-types=text/html")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("application/problem+json, application/json, text/plain"));
	}

	@Test
	void countsFailuresWhereAMeterRegistryExists() {
		this.contextRunner.run((context) -> assertThat(context).doesNotHaveBean(UpstreamFailureMetrics.class));
		this.contextRunner.withBean(MeterRegistry.class, SimpleMeterRegistry::new).run((context) -> {
			assertThat(context).hasSingleBean(UpstreamFailureMetrics.class);
			assertThat(context).hasSingleBean(DefaultUpstreamFailureTagsProvider.class);
		});
		this.contextRunner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.withClassLoader(new FilteredClassLoader(MeterRegistry.class))
			.run((context) -> assertThat(context).doesNotHaveBean(UpstreamFailureMetrics.class));
	}

	@Test
	void findsTraceIdsOnlyWithMicrometerTracing() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(TracingObservationHandler.class)).run((context) -> {
			assertThat(context).doesNotHaveBean(TraceIdResolver.class);
			assertThat(context).hasSingleBean(UpstreamFailureEvents.class);
		});
	}

	@Test
	void recordsFailuresOnlyWhenTheEndpointIsExposed() {
		ReactiveWebApplicationContextRunner runner = this.contextRunner.withBean(RouteLocator.class, () -> Flux::empty);
		runner.run((context) -> {
			assertThat(context).doesNotHaveBean(GatewayErrorsEndpoint.class);
			assertThat(context).doesNotHaveBean(UpstreamFailureRecorder.class);
		});
		runner
			.withPropertyValues("management.endpoints.web.exposure.include=gatewayerrors",
					"gateway.error-policy.endpoint.recent-failures=7")
			.run((context) -> {
				assertThat(context).hasSingleBean(GatewayErrorsEndpoint.class);
				assertThat(context.getBean(UpstreamFailureRecorder.class).recent()).isEmpty();
			});
		runner.withPropertyValues("management.endpoints.web.exposure.include=gatewayerrors")
			.withClassLoader(new FilteredClassLoader(Endpoint.class))
			.run((context) -> assertThat(context).doesNotHaveBean(GatewayErrorsEndpoint.class));
	}

	@Test
	void invalidGlobalOnlySettingsStopStartUp() {
		assertInvalid("gateway.error-policy.logging.lines-per-route=-1", "gateway.error-policy.logging.lines-per-route",
				"-1", "0 (no limit) or more");
		assertInvalid("gateway.error-policy.logging.period=0s", "gateway.error-policy.logging.period", "PT0S",
				"a duration of more than zero");
		assertInvalid("gateway.error-policy.endpoint.recent-failures=20000",
				"gateway.error-policy.endpoint.recent-failures", "20000", "a number from 0 to 10000");
	}

	@Test
	void invalidHealthSettingsStopStartUp() {
		assertInvalid("gateway.error-policy.health.consecutive-failures=0",
				"gateway.error-policy.health.consecutive-failures", "0", "a number from 1 to 100");
		assertInvalid("gateway.error-policy.health.failure-types=destination-unavailable",
				"gateway.error-policy.health.failure-types", "destination-unavailable",
				"error types of an upstream call");
		assertInvalid("gateway.error-policy.health.failure-statuses=404",
				"gateway.error-policy.health.failure-statuses", "404", "a 5xx status");
		assertInvalid("gateway.error-policy.health.base-ejection-time=0s",
				"gateway.error-policy.health.base-ejection-time", "PT0S", "a duration of at least 1ms");
		assertInvalid("gateway.error-policy.health.max-ejection-time=1s",
				"gateway.error-policy.health.max-ejection-time", "PT1S", "no shorter than base-ejection-time (PT5S)");
		assertInvalid("gateway.error-policy.health.max-ejected-percent=101",
				"gateway.error-policy.health.max-ejected-percent", "101", "a number from 0 to 100");
		assertInvalid("gateway.error-policy.health.max-tracked-upstreams=0",
				"gateway.error-policy.health.max-tracked-upstreams", "0", "a number from 1 to 100000");
	}

	@Test
	void healthIsTrackedByDefaultAndBindsEverySetting() {
		assertThat(HealthPolicy.DEFAULT.ejectionTimes().apply(1)).isEqualTo(5000L);
		this.contextRunner.run((context) -> assertThat(globalPolicy(context).health()).isEqualTo(HealthPolicy.DEFAULT));
		this.contextRunner.withPropertyValues("gateway.error-policy.health.enabled=false",
				"gateway.error-policy.health.consecutive-failures=3",
				"gateway.error-policy.health.failure-types=connection-refused,http-response-timeout",
				"gateway.error-policy.health.failure-statuses=502,503",
				"gateway.error-policy.health.base-ejection-time=2s", "gateway.error-policy.health.max-ejection-time=9s",
				"gateway.error-policy.health.max-ejected-percent=30")
			.run((context) -> {
				HealthPolicy health = globalPolicy(context).health();
				assertThat(health).isEqualTo(new HealthPolicy(false, 3,
						Set.of(ErrorType.CONNECTION_REFUSED, ErrorType.HTTP_RESPONSE_TIMEOUT), Set.of(502, 503),
						Duration.ofSeconds(2), Duration.ofSeconds(9), 30));
				IntervalFunction ejectionTimes = health.ejectionTimes();
				assertThat(List.of(ejectionTimes.apply(1), ejectionTimes.apply(2), ejectionTimes.apply(3),
						ejectionTimes.apply(4), ejectionTimes.apply(40)))
					.containsExactly(2000L, 4000L, 8000L, 9000L, 9000L);
			});
	}

	@Test
	void invalidTemplateNameStopsStartUp() {
		assertInvalid("gateway.error-policy.page.template=../secrets", "gateway.error-policy.page.template",
				"../secrets", "a template name");
	}

	private void assertInvalid(String setting, String property, String value, String... expected) {
		this.contextRunner.withPropertyValues(setting).run((context) -> {
			assertThat(context).hasFailed();
			Throwable failure = context.getStartupFailure();
			FailureAnalysis analysis = new ErrorPolicyFailureAnalyzer().analyze(failure);
			assertThat(analysis).as(setting).isNotNull();
			assertThat(analysis.getDescription()).contains("Property: " + property)
				.contains("Value: \"" + value + "\"")
				.contains(expected);
			assertThat(analysis.getAction()).startsWith("Change '" + property + "' to ");
		});
	}

	@Test
	void backsOffFromEveryBeanTheUserDefines() {
		UpstreamFailureClassifier classifier = (failure) -> ErrorType.PROXY_INTERNAL_ERROR;
		ErrorPolicyResolver resolver = (route) -> ErrorPolicy.builder().build();
		this.contextRunner.withBean("myClassifier", UpstreamFailureClassifier.class, () -> classifier)
			.withBean("myResolver", ErrorPolicyResolver.class, () -> resolver)
			.withBean("myValidation", UpstreamResponseValidation.class, UpstreamResponseValidation::new)
			.withBean("myBodyFilter", UpstreamResponseBodyFilter.class,
					() -> new UpstreamResponseBodyFilter(new StaleResponses(resolver, new MemoryStaleStore(10, 1024),
							new UpstreamFailureEvents(List.of(), TraceIdResolver.NONE), "gateway",
							System::currentTimeMillis, 1024)))
			.withBean("myMessages", ErrorMessages.class, ErrorMessages::new)
			.withBean("myText", PlainTextErrorRenderer.class, PlainTextErrorRenderer::new)
			.run((context) -> {
				assertThat(context).getBean(UpstreamFailureClassifier.class).isSameAs(classifier);
				assertThat(context).getBean(ErrorPolicyResolver.class).isSameAs(resolver);
				assertThat(context).doesNotHaveBean(RouteErrorPolicyResolver.class);
				assertThat(context.getBeanNamesForType(UpstreamResponseBodyFilter.class))
					.containsExactly("myBodyFilter");
				assertThat(context.getBeanNamesForType(PlainTextErrorRenderer.class)).containsExactly("myText");
				assertThat(context.getBeanNamesForType(ErrorMessages.class)).containsExactly("myMessages");
				assertThat(context).hasSingleBean(UpstreamErrorWebExceptionHandler.class);
			});
	}

	@Test
	void rendersNoPageWithoutThymeleaf() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(SpringTemplateEngine.class)).run((context) -> {
			assertThat(context).doesNotHaveBean(HtmlErrorRenderer.class);
			assertThat(context).hasSingleBean(UpstreamErrorWebExceptionHandler.class);
			assertThat(context.getBean(ErrorResponseWriter.class).getMediaTypes())
				.containsExactly(MediaType.APPLICATION_PROBLEM_JSON, MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN);
		});
	}

	@Test
	void providesNothingWhenDisabled() {
		this.contextRunner.withPropertyValues("gateway.error-policy.enabled=false")
			.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.run(GatewayErrorPolicyAutoConfigurationTests::assertNoPolicyBean);
	}

	@Test
	void providesNothingWithoutTheGateway() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(GlobalFilter.class))
			.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.run(GatewayErrorPolicyAutoConfigurationTests::assertNoPolicyBean);
	}

	@Test
	void providesNothingInAServletApplication() {
		new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(GatewayErrorPolicyAutoConfiguration.class,
					GatewayErrorPolicyHttpClientAutoConfiguration.class))
			.withPropertyValues("gateway.error-policy.pool.max-pending=5")
			.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.run(GatewayErrorPolicyAutoConfigurationTests::assertNoPolicyBean);
	}

	/**
	 * No bean at all of the starter's: every bean type is looked at, so a bean added
	 * later cannot slip through.
	 */
	private static void assertNoPolicyBean(ApplicationContextAssertProvider<?> context) {
		assertThat(context.getStartupFailure()).isNull();
		assertThat(context.getBeanDefinitionNames()).isNotEmpty().allSatisfy((name) -> {
			Class<?> type = context.getType(name);
			assertThat((type != null) ? type.getName() : "").as(name).doesNotStartWith("io.github.gatewayerrorpolicy.");
		});
	}

	@Test
	void everyBeanCanBeReplaced() {
		List<String> unconditional = new ArrayList<>();
		List<Class<?>> classes = new ArrayList<>(List.of(GatewayErrorPolicyAutoConfiguration.class));
		classes.addAll(List.of(GatewayErrorPolicyAutoConfiguration.class.getDeclaredClasses()));
		for (Class<?> type : classes) {
			for (Method method : type.getDeclaredMethods()) {
				if (method.isAnnotationPresent(Bean.class)
						&& !method.isAnnotationPresent(ConditionalOnMissingBean.class)) {
					unconditional.add(type.getSimpleName() + "." + method.getName());
				}
			}
		}
		assertThat(classes).hasSizeGreaterThan(1);
		assertThat(unconditional).isEmpty();
	}

	private static ErrorPolicy globalPolicy(AssertableReactiveWebApplicationContext context) {
		return context.getBean(ErrorPolicyResolver.class).resolve(null);
	}

	@Configuration(proxyBeanMethods = false)
	static class InjectsMessageSource {

		final MessageSource messages;

		InjectsMessageSource(MessageSource messages) {
			this.messages = messages;
		}

	}

}
