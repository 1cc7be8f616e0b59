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

import io.github.gatewayerrorpolicy.health.EjectedInstanceFilter;
import io.github.gatewayerrorpolicy.health.UpstreamHealth;
import io.github.gatewayerrorpolicy.policy.ErrorPolicyResolver;
import io.github.gatewayerrorpolicy.retry.UntriedInstanceFilter;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Configuration of every Spring Cloud LoadBalancer client context, registered as a
 * default specification: whatever supplier chain the application configures, its
 * outermost {@link ServiceInstanceListSupplier} is wrapped in an
 * {@link EjectedInstanceFilter}, as Spring Cloud's own health-check supplier sits in a
 * chain, so that ejected instances are left out of the choice, and that in an
 * {@link UntriedInstanceFilter}, so that a retry goes to an instance not tried yet.
 */
@Configuration(proxyBeanMethods = false)
class EjectedInstancesConfiguration {

	@Bean
	static BeanPostProcessor gatewayErrorPolicyEjectedInstanceFilter(ObjectProvider<UpstreamHealth> health,
			ObjectProvider<ErrorPolicyResolver> policies) {
		return new BeanPostProcessor() {

			@Override
			public Object postProcessAfterInitialization(Object bean, String beanName) {
				if (bean instanceof ServiceInstanceListSupplier supplier && !(bean instanceof EjectedInstanceFilter)
						&& !(bean instanceof UntriedInstanceFilter)) {
					UpstreamHealth upstreams = health.getIfAvailable();
					ErrorPolicyResolver resolver = policies.getIfAvailable();
					if (upstreams != null && resolver != null) {
						return new UntriedInstanceFilter(new EjectedInstanceFilter(supplier, upstreams, resolver));
					}
				}
				return bean;
			}

		};
	}

}
