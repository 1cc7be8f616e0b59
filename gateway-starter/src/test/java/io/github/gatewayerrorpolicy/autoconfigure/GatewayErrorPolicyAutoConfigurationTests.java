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
import java.util.ArrayList;
import java.util.List;

import io.github.gatewayerrorpolicy.classify.DefaultUpstreamFailureClassifier;
import io.github.gatewayerrorpolicy.classify.ErrorType;
import io.github.gatewayerrorpolicy.classify.UpstreamFailureClassifier;
import io.github.gatewayerrorpolicy.client.UpstreamResponseValidation;
import io.github.gatewayerrorpolicy.filter.UpstreamFailureFilter;
import io.github.gatewayerrorpolicy.filter.UpstreamResponseBodyFilter;
import io.github.gatewayerrorpolicy.web.ErrorMessages;
import io.github.gatewayerrorpolicy.web.HtmlErrorRenderer;
import io.github.gatewayerrorpolicy.web.PlainTextErrorRenderer;
import io.github.gatewayerrorpolicy.web.ProblemDetailRenderer;
import io.github.gatewayerrorpolicy.web.ProxyStatus;
import io.github.gatewayerrorpolicy.web.UpstreamErrorRenderer;
import io.github.gatewayerrorpolicy.web.UpstreamErrorWebExceptionHandler;
import org.junit.jupiter.api.Test;
import org.thymeleaf.spring6.SpringTemplateEngine;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.http.codec.ServerCodecConfigurer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link GatewayErrorPolicyAutoConfiguration}.
 */
class GatewayErrorPolicyAutoConfigurationTests {

	private static final Class<?>[] POLICY_BEANS = { UpstreamFailureClassifier.class, ProxyStatus.class,
			UpstreamResponseValidation.class, UpstreamFailureFilter.class, UpstreamResponseBodyFilter.class,
			ErrorMessages.class, ProblemDetailRenderer.class, PlainTextErrorRenderer.class, HtmlErrorRenderer.class,
			UpstreamErrorWebExceptionHandler.class };

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
			assertThat(context.getBean(ProxyStatus.class).error(ErrorType.CONNECTION_REFUSED))
				.isEqualTo("gateway; error=connection_refused");
		});
	}

	@Test
	void namesTheGatewayAfterTheApplication() {
		this.contextRunner.withPropertyValues("spring.application.name=edge")
			.run((context) -> assertThat(context.getBean(ProxyStatus.class).receivedStatus(503))
				.isEqualTo("edge; received-status=503"));
	}

	@Test
	void proxyStatusNameWinsOverTheApplicationName() {
		this.contextRunner
			.withPropertyValues("spring.application.name=edge", "gateway.error-policy.proxy-status.name=Edge Proxy")
			.run((context) -> assertThat(context.getBean(ProxyStatus.class).error(ErrorType.DNS_ERROR))
				.isEqualTo("\"Edge Proxy\"; error=dns_error"));
	}

	@Test
	void backsOffFromEveryBeanTheUserDefines() {
		UpstreamFailureClassifier classifier = (failure) -> ErrorType.PROXY_INTERNAL_ERROR;
		ProxyStatus proxyStatus = new ProxyStatus("mine");
		this.contextRunner.withBean("myClassifier", UpstreamFailureClassifier.class, () -> classifier)
			.withBean("myProxyStatus", ProxyStatus.class, () -> proxyStatus)
			.withBean("myValidation", UpstreamResponseValidation.class, UpstreamResponseValidation::new)
			.withBean("myFilter", UpstreamFailureFilter.class, () -> new UpstreamFailureFilter(proxyStatus))
			.withBean("myBodyFilter", UpstreamResponseBodyFilter.class, UpstreamResponseBodyFilter::new)
			.withBean("myMessages", ErrorMessages.class, ErrorMessages::new)
			.withBean("myText", PlainTextErrorRenderer.class, PlainTextErrorRenderer::new)
			.run((context) -> {
				assertThat(context).getBean(UpstreamFailureClassifier.class).isSameAs(classifier);
				assertThat(context).getBean(ProxyStatus.class).isSameAs(proxyStatus);
				for (Class<?> type : POLICY_BEANS) {
					assertThat(context).hasSingleBean(type);
				}
				assertThat(context.getBeanNamesForType(UpstreamFailureFilter.class)).containsExactly("myFilter");
				assertThat(context.getBeanNamesForType(PlainTextErrorRenderer.class)).containsExactly("myText");
			});
	}

	@Test
	void rendersNoPageWithoutThymeleaf() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(SpringTemplateEngine.class)).run((context) -> {
			assertThat(context).doesNotHaveBean(HtmlErrorRenderer.class);
			assertThat(context).hasSingleBean(UpstreamErrorWebExceptionHandler.class);
			assertThat(context.getBeansOfType(UpstreamErrorRenderer.class)).hasSize(2);
		});
	}

	@Test
	void providesNothingWhenDisabled() {
		this.contextRunner.withPropertyValues("gateway.error-policy.enabled=false").run((context) -> {
			for (Class<?> type : POLICY_BEANS) {
				assertThat(context).doesNotHaveBean(type);
			}
		});
	}

	@Test
	void providesNothingWithoutTheGateway() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(GlobalFilter.class))
			.run((context) -> assertThat(context).doesNotHaveBean(UpstreamErrorWebExceptionHandler.class));
	}

	@Test
	void providesNothingInAServletApplication() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(GatewayErrorPolicyAutoConfiguration.class))
			.run((context) -> assertThat(context).doesNotHaveBean(UpstreamErrorWebExceptionHandler.class));
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

}
