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

import java.util.List;

import io.github.gatewayerrorpolicy.actuate.GatewayErrorsEndpoint;
import io.github.gatewayerrorpolicy.actuate.UpstreamFailureRecorder;
import io.github.gatewayerrorpolicy.classify.DefaultUpstreamFailureClassifier;
import io.github.gatewayerrorpolicy.classify.UpstreamFailureClassifier;
import io.github.gatewayerrorpolicy.client.UpstreamReadTimeout;
import io.github.gatewayerrorpolicy.client.UpstreamResponseValidation;
import io.github.gatewayerrorpolicy.filter.RequestBodyDecoding;
import io.github.gatewayerrorpolicy.filter.RequestValidationFilter;
import io.github.gatewayerrorpolicy.filter.UpstreamFailureFilter;
import io.github.gatewayerrorpolicy.filter.UpstreamResponseBodyFilter;
import io.github.gatewayerrorpolicy.health.UpstreamHealth;
import io.github.gatewayerrorpolicy.metrics.DefaultUpstreamFailureTagsProvider;
import io.github.gatewayerrorpolicy.metrics.GatewayMeterSanitizer;
import io.github.gatewayerrorpolicy.metrics.UpstreamFailureMetrics;
import io.github.gatewayerrorpolicy.metrics.UpstreamFailureTagsProvider;
import io.github.gatewayerrorpolicy.metrics.UpstreamRetryMetrics;
import io.github.gatewayerrorpolicy.observe.ObservationUpstreamFailureListener;
import io.github.gatewayerrorpolicy.observe.TraceIdResolver;
import io.github.gatewayerrorpolicy.observe.TracingTraceIdResolver;
import io.github.gatewayerrorpolicy.observe.UpstreamFailureEvents;
import io.github.gatewayerrorpolicy.observe.UpstreamFailureListener;
import io.github.gatewayerrorpolicy.observe.UpstreamFailureLog;
import io.github.gatewayerrorpolicy.policy.ErrorPolicyResolver;
import io.github.gatewayerrorpolicy.policy.PerRouteState;
import io.github.gatewayerrorpolicy.retry.RetryBudget;
import io.github.gatewayerrorpolicy.retry.RetryFilter;
import io.github.gatewayerrorpolicy.retry.RetryListener;
import io.github.gatewayerrorpolicy.stale.MemoryStaleStore;
import io.github.gatewayerrorpolicy.stale.RedisStaleStore;
import io.github.gatewayerrorpolicy.stale.StaleResponses;
import io.github.gatewayerrorpolicy.stale.StaleStore;
import io.github.gatewayerrorpolicy.web.ErrorMessages;
import io.github.gatewayerrorpolicy.web.ErrorResponseWriter;
import io.github.gatewayerrorpolicy.web.HtmlErrorRenderer;
import io.github.gatewayerrorpolicy.web.PlainTextErrorRenderer;
import io.github.gatewayerrorpolicy.web.ProblemDetailRenderer;
import io.github.gatewayerrorpolicy.web.UpstreamErrorRenderer;
import io.github.gatewayerrorpolicy.web.UpstreamErrorWebExceptionHandler;
import io.github.gatewayerrorpolicy.websocket.WebSocketRoutingFilter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.tracing.handler.TracingObservationHandler;
import org.thymeleaf.spring6.ISpringWebFluxTemplateEngine;
import org.thymeleaf.spring6.SpringTemplateEngine;

import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.cloud.gateway.config.HttpClientFactory;
import org.springframework.cloud.gateway.config.HttpClientProperties;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.loadbalancer.annotation.LoadBalancerClientSpecification;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveRedisTemplate;
import org.springframework.data.redis.serializer.RedisSerializationContext;
import org.springframework.data.redis.serializer.RedisSerializer;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.util.StringUtils;
import org.springframework.web.reactive.socket.client.WebSocketClient;
import org.springframework.web.reactive.socket.server.WebSocketService;

/**
 * Auto-configuration of the gateway error policy: upstream failures of Spring Cloud
 * Gateway's HTTP routes are classified and answered with 502, 503 or 504, a
 * {@code Proxy-Status} header and a page or problem document, as the global settings and
 * each route's metadata say.
 */
@AutoConfiguration(afterName = { "org.springframework.cloud.gateway.config.GatewayAutoConfiguration",
		"org.springframework.boot.thymeleaf.autoconfigure.ThymeleafAutoConfiguration",
		"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
		"org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration" })
@ConditionalOnWebApplication(type = Type.REACTIVE)
@ConditionalOnClass(GlobalFilter.class)
@ConditionalOnBooleanProperty(name = "gateway.error-policy.enabled", matchIfMissing = true)
@EnableConfigurationProperties(GatewayErrorPolicyProperties.class)
public final class GatewayErrorPolicyAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	UpstreamFailureClassifier upstreamFailureClassifier() {
		return new DefaultUpstreamFailureClassifier();
	}

	@Bean
	@ConditionalOnMissingBean
	ErrorMessages gatewayErrorMessages(ApplicationContext applicationContext) {
		return new ErrorMessages(applicationContext, applicationContext.getClassLoader());
	}

	@Bean
	@ConditionalOnMissingBean
	ProblemDetailRenderer problemDetailRenderer(ServerCodecConfigurer codecs, GatewayErrorPolicyProperties properties) {
		ErrorPolicyFactory.validateGlobal(properties);
		return new ProblemDetailRenderer(codecs, properties.getProblemTypeBase());
	}

	@Bean
	@ConditionalOnMissingBean
	PlainTextErrorRenderer plainTextErrorRenderer() {
		return new PlainTextErrorRenderer();
	}

	@Bean
	@ConditionalOnMissingBean
	ErrorResponseWriter errorResponseWriter(ErrorMessages messages, ObjectProvider<UpstreamErrorRenderer> renderers) {
		return new ErrorResponseWriter(messages, renderers.orderedStream().toList());
	}

	@Bean
	@ConditionalOnMissingBean(ErrorPolicyResolver.class)
	RouteErrorPolicyResolver errorPolicyResolver(GatewayErrorPolicyProperties properties, Environment environment,
			ErrorResponseWriter writer) {
		ErrorPolicyFactory.validateGlobal(properties);
		ErrorPolicyFactory factory = new ErrorPolicyFactory(writer.getMediaTypes(),
				environment.getProperty("spring.application.name", "gateway"));
		return new RouteErrorPolicyResolver(factory.create(properties, GatewayErrorPolicyProperties.PREFIX), factory,
				environment);
	}

	@Bean
	@ConditionalOnMissingBean
	RouteErrorPolicyVerifier routeErrorPolicyVerifier(ObjectProvider<RouteLocator> routeLocator,
			ObjectProvider<RouteErrorPolicyResolver> resolver) {
		return new RouteErrorPolicyVerifier(routeLocator, resolver);
	}

	@Bean
	@ConditionalOnMissingBean
	RouteStatePruner routeStatePruner(ObjectProvider<PerRouteState> states) {
		return new RouteStatePruner(states);
	}

	@Bean
	@ConditionalOnMissingBean
	UpstreamFailureLog upstreamFailureLog(GatewayErrorPolicyProperties properties) {
		GatewayErrorPolicyProperties.Logging logging = properties.getLogging();
		return new UpstreamFailureLog(logging.getLinesPerRoute(), logging.getPeriod(), System::nanoTime);
	}

	@Bean
	@ConditionalOnMissingBean
	ObservationUpstreamFailureListener observationUpstreamFailureListener() {
		return new ObservationUpstreamFailureListener();
	}

	@Bean
	@ConditionalOnMissingBean
	UpstreamFailureEvents upstreamFailureEvents(ObjectProvider<UpstreamFailureListener> listeners,
			ObjectProvider<TraceIdResolver> traceIds) {
		return new UpstreamFailureEvents(listeners.orderedStream().toList(),
				traceIds.getIfAvailable(() -> TraceIdResolver.NONE));
	}

	@Bean
	@ConditionalOnMissingBean
	UpstreamResponseValidation upstreamResponseValidation() {
		return new UpstreamResponseValidation();
	}

	@Bean
	@ConditionalOnMissingBean
	UpstreamReadTimeout upstreamReadTimeout(GatewayErrorPolicyProperties properties) {
		return new UpstreamReadTimeout(properties.getReadTimeout());
	}

	@Bean
	@ConditionalOnMissingBean
	RequestValidationFilter requestValidationFilter() {
		return new RequestValidationFilter();
	}

	@Bean
	@ConditionalOnMissingBean
	UpstreamHealth upstreamHealth(GatewayErrorPolicyProperties properties) {
		ErrorPolicyFactory.validateGlobal(properties);
		return new UpstreamHealth(properties.getHealth().getMaxTrackedUpstreams());
	}

	@Bean
	@ConditionalOnMissingBean
	UpstreamFailureFilter upstreamFailureFilter(ErrorPolicyResolver policies, UpstreamFailureEvents events,
			UpstreamFailureClassifier classifier, UpstreamHealth health, StaleResponses stale,
			ErrorResponseWriter writer) {
		return new UpstreamFailureFilter(policies, events, classifier, health, stale, writer);
	}

	@Bean
	@ConditionalOnMissingBean
	StaleResponses staleResponses(ErrorPolicyResolver policies, ObjectProvider<StaleStore> stores,
			UpstreamFailureEvents events, GatewayErrorPolicyProperties properties, Environment environment) {
		ErrorPolicyFactory.validateGlobal(properties);
		GatewayErrorPolicyProperties.StaleIfError stale = properties.getStaleIfError();
		StaleStore store = stores.getIfAvailable();
		if (store == null) {
			if (stale.getStore() == GatewayErrorPolicyProperties.StaleIfError.Store.REDIS) {
				throw new InvalidErrorPolicyException(GatewayErrorPolicyProperties.PREFIX + ".stale-if-error.store",
						"redis", "memory, or redis with Spring Data Redis configured (spring.data.redis.*)");
			}
			store = new MemoryStaleStore(stale.getMaxEntries(), stale.getMaxTotalSize().toBytes());
		}
		return new StaleResponses(policies, store, events,
				environment.getProperty("spring.application.name", "gateway"), System::currentTimeMillis,
				stale.getMaxTotalSize().toBytes());
	}

	@Bean
	@ConditionalOnMissingBean
	RetryBudget retryBudget() {
		return new RetryBudget();
	}

	@Bean
	@ConditionalOnMissingBean
	RetryFilter retryFilter(ErrorPolicyResolver policies, UpstreamFailureClassifier classifier, UpstreamHealth health,
			RetryBudget budget, ObjectProvider<RetryListener> listeners,
			ObjectProvider<HttpClientProperties> httpClient, ObjectProvider<HttpClientFactory> httpClientFactory,
			ObjectProvider<UpstreamResponseValidation> responseValidation) {
		// the HTTP client tells when it sends a request only if Spring Cloud Gateway
		// built
		// it with the starter's customizer, not if the application defined its own
		boolean clientReportsSending = httpClientFactory.getIfAvailable() != null
				&& responseValidation.getIfAvailable() != null;
		// looked up once: a lookup per request costs more than the rest of the filter
		HttpClientProperties properties = httpClient.getIfAvailable();
		return new RetryFilter(policies, classifier, health, budget, listeners.orderedStream().toList(),
				() -> (properties != null) ? properties.getResponseTimeout() : null, clientReportsSending);
	}

	@Bean
	@ConditionalOnMissingBean
	UpstreamResponseBodyFilter upstreamResponseBodyFilter(StaleResponses stale) {
		return new UpstreamResponseBodyFilter(stale);
	}

	@Bean
	@ConditionalOnMissingBean
	UpstreamErrorWebExceptionHandler upstreamErrorWebExceptionHandler(UpstreamFailureClassifier classifier,
			ErrorPolicyResolver policies, ErrorResponseWriter writer, UpstreamFailureEvents events,
			StaleResponses stale) {
		return new UpstreamErrorWebExceptionHandler(classifier, policies, writer, events, stale);
	}

	/**
	 * Keeps stale-if-error responses in Redis where the application asks for it and
	 * configures Spring Data Redis's reactive connection factory.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ ReactiveRedisConnectionFactory.class, ReactiveRedisTemplate.class })
	@ConditionalOnBean(ReactiveRedisConnectionFactory.class)
	@ConditionalOnProperty(name = "gateway.error-policy.stale-if-error.store", havingValue = "redis")
	static class RedisStaleStoreConfiguration {

		@Bean
		@ConditionalOnMissingBean(StaleStore.class)
		RedisStaleStore redisStaleStore(ReactiveRedisConnectionFactory connectionFactory, Environment environment) {
			if (!StringUtils.hasText(environment.getProperty("spring.application.name"))) {
				LogFactory.getLog(RedisStaleStore.class)
					.warn("spring.application.name is not set: stale-if-error entries in Redis are shared by every "
							+ "application without a name that uses this Redis and has the same route ids");
			}
			RedisSerializationContext<String, byte[]> serialization = RedisSerializationContext
				.<String, byte[]>newSerializationContext(RedisSerializer.string())
				.value(RedisSerializer.byteArray())
				.build();
			return new RedisStaleStore(new ReactiveRedisTemplate<>(connectionFactory, serialization),
					RedisStaleStore.READ_TIMEOUT, RedisStaleStore.WRITE_TIMEOUT, System::nanoTime);
		}

	}

	/**
	 * Routes WebSocket handshakes so that the client is answered after the upstream, in
	 * front of Spring Cloud Gateway's own WebSocket routing filter, where the gateway
	 * dials upstreams with Reactor Netty.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBean({ WebSocketClient.class, WebSocketService.class })
	static class WebSocketConfiguration {

		@Bean
		@ConditionalOnMissingBean
		WebSocketRoutingFilter gatewayErrorPolicyWebSocketRoutingFilter(WebSocketClient client,
				WebSocketService service, ObjectProvider<List<HttpHeadersFilter>> headersFilters,
				ErrorPolicyResolver policies, UpstreamFailureClassifier classifier, UpstreamFailureEvents events,
				UpstreamHealth health, ErrorResponseWriter writer, ObjectProvider<HttpClientProperties> httpClient) {
			// injected by type, as Spring Cloud Gateway's own filter injects it: an
			// application's client, if it has one; looked up once, not per request
			HttpClientProperties properties = httpClient.getIfAvailable();
			return new WebSocketRoutingFilter(client, service, headersFilters, policies, classifier, events, health,
					writer, () -> (properties != null) ? properties.getResponseTimeout() : null);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(SpringTemplateEngine.class)
	static class HtmlPageConfiguration {

		@Bean
		@ConditionalOnMissingBean
		HtmlErrorRenderer htmlErrorRenderer(ErrorMessages messages,
				ObjectProvider<ISpringWebFluxTemplateEngine> webFluxEngines,
				ObjectProvider<SpringTemplateEngine> engines) {
			// the web engine if there is one (an application may add one for mail, say)
			ISpringWebFluxTemplateEngine webFluxEngine = webFluxEngines.getIfUnique();
			return new HtmlErrorRenderer(messages,
					(webFluxEngine instanceof SpringTemplateEngine engine) ? engine : engines.getIfUnique());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(NettyServerCustomizer.class)
	static class ReactorNettyServerConfiguration {

		@Bean
		@ConditionalOnMissingBean
		RequestBodyDecoding requestBodyDecoding() {
			return new RequestBodyDecoding();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(TracingObservationHandler.class)
	static class TracingConfiguration {

		@Bean
		@ConditionalOnMissingBean
		TraceIdResolver tracingTraceIdResolver() {
			return new TracingTraceIdResolver();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterRegistry.class)
	@ConditionalOnBean(MeterRegistry.class)
	static class MetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		DefaultUpstreamFailureTagsProvider defaultUpstreamFailureTagsProvider() {
			return new DefaultUpstreamFailureTagsProvider();
		}

		@Bean
		@ConditionalOnMissingBean
		GatewayMeterSanitizer gatewayMeterSanitizer() {
			return new GatewayMeterSanitizer();
		}

		@Bean
		@ConditionalOnMissingBean
		UpstreamRetryMetrics upstreamRetryMetrics(MeterRegistry registry) {
			return new UpstreamRetryMetrics(registry);
		}

		@Bean
		@ConditionalOnMissingBean
		UpstreamFailureMetrics upstreamFailureMetrics(MeterRegistry registry,
				ObjectProvider<UpstreamFailureTagsProvider> tagsProviders) {
			return new UpstreamFailureMetrics(registry, tagsProviders.orderedStream().toList());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(Endpoint.class)
	@ConditionalOnAvailableEndpoint(GatewayErrorsEndpoint.class)
	static class EndpointConfiguration {

		@Bean
		@ConditionalOnMissingBean
		UpstreamFailureRecorder upstreamFailureRecorder(GatewayErrorPolicyProperties properties) {
			return new UpstreamFailureRecorder(properties.getEndpoint().getRecentFailures());
		}

		@Bean
		@ConditionalOnMissingBean
		GatewayErrorsEndpoint gatewayErrorsEndpoint(UpstreamFailureRecorder recorder, RouteLocator routeLocator,
				ErrorPolicyResolver policies, UpstreamHealth health) {
			return new GatewayErrorsEndpoint(recorder, routeLocator, policies, health);
		}

	}

	/**
	 * Leaves ejected instances out of Spring Cloud LoadBalancer's choice, where the
	 * application uses it.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ ServiceInstanceListSupplier.class, LoadBalancerClientSpecification.class })
	static class LoadBalancerHealthConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "gatewayErrorPolicyEjectedInstances")
		LoadBalancerClientSpecification gatewayErrorPolicyEjectedInstances() {
			return new LoadBalancerClientSpecification("default." + EjectedInstancesConfiguration.class.getName(),
					new Class<?>[] { EjectedInstancesConfiguration.class });
		}

	}

}
