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

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.github.gatewayerrorpolicy.policy.ErrorPolicy;
import io.github.gatewayerrorpolicy.policy.ErrorPolicyResolver;
import io.github.gatewayerrorpolicy.policy.PerRouteState;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.PropertySourcesPlaceholdersResolver;
import org.springframework.boot.context.properties.bind.handler.NoUnboundElementsBindHandler;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyNameException;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.env.Environment;

/**
 * Resolves a route's {@link ErrorPolicy}: the {@code gateway.error-policy} settings with
 * whatever the route's metadata says under {@value #METADATA_KEY} bound over them, map
 * entries merged, other values replaced. The result is computed once per route and kept
 * while the route stays the same object, or has equal metadata (the only input besides
 * the environment); when the routes are refreshed, everything kept is dropped.
 * <p>
 * Invalid route settings stop start-up (see {@link RouteErrorPolicyVerifier}); on a route
 * added later, they are logged once and the global policy applies.
 */
public class RouteErrorPolicyResolver implements ErrorPolicyResolver, PerRouteState {

	/**
	 * The key of a route's error policy settings in its metadata.
	 */
	public static final String METADATA_KEY = "error-policy";

	private static final Log logger = LogFactory.getLog(RouteErrorPolicyResolver.class);

	private static final List<String> GLOBAL_ONLY = List.of("read-timeout", "problem-type-base", "logging", "endpoint",
			"pool", "health.max-tracked-upstreams", "stale-if-error.store", "stale-if-error.max-entries",
			"stale-if-error.max-total-size");

	private final ErrorPolicy global;

	private final ErrorPolicyFactory factory;

	private final Environment environment;

	private final Map<String, RoutePolicy> routes = new ConcurrentHashMap<>();

	RouteErrorPolicyResolver(ErrorPolicy global, ErrorPolicyFactory factory, Environment environment) {
		this.global = global;
		this.factory = factory;
		this.environment = environment;
	}

	@Override
	public ErrorPolicy resolve(@Nullable Route route) {
		if (route == null) {
			return this.global;
		}
		RoutePolicy cached = this.routes.get(route.getId());
		if (cached != null && cached.isFor(route)) {
			return cached.policy();
		}
		ErrorPolicy policy;
		try {
			policy = policyOf(route);
		}
		catch (InvalidErrorPolicyException ex) {
			logger.error("Ignoring the error policy settings of route '" + route.getId() + "': " + ex.getMessage());
			policy = this.global;
		}
		this.routes.put(route.getId(), new RoutePolicy(route, route.getMetadata(), policy));
		return policy;
	}

	/**
	 * Forget every route's policy when the routes are refreshed: those of routes that
	 * went away, and the others too, which are bound again when next needed, in case the
	 * refresh came with changed settings.
	 */
	@Override
	public void retainRoutes(Set<String> routeIds) {
		this.routes.clear();
	}

	/**
	 * Build the policy of a route.
	 * @param route the route
	 * @return its policy
	 * @throws InvalidErrorPolicyException if its settings are not allowed
	 */
	ErrorPolicy policyOf(Route route) {
		Map<String, Object> settings = new LinkedHashMap<>();
		route.getMetadata().forEach((key, value) -> {
			if (key.equals(METADATA_KEY) || key.startsWith(METADATA_KEY + ".")) {
				flatten(GatewayErrorPolicyProperties.PREFIX + key.substring(METADATA_KEY.length()), value, settings);
			}
		});
		if (settings.isEmpty()) {
			return this.global;
		}
		String prefix = "spring.cloud.gateway.server.webflux.routes[id=" + route.getId() + "].metadata." + METADATA_KEY;
		for (String name : settings.keySet()) {
			for (String global : GLOBAL_ONLY) {
				if (name.startsWith(GatewayErrorPolicyProperties.PREFIX + "." + global)) {
					throw new InvalidErrorPolicyException(routeProperty(prefix, name), settings.get(name),
							"a setting that applies per route; " + global + ".* is global only");
				}
			}
		}
		MapConfigurationPropertySource routeSource;
		try {
			routeSource = new MapConfigurationPropertySource(settings);
		}
		catch (InvalidConfigurationPropertyNameException ex) {
			throw new InvalidErrorPolicyException(routeProperty(prefix, ex.getName().toString()), null,
					"a setting name in lowercase letters, digits and '-', as in gateway.error-policy");
		}
		List<ConfigurationPropertySource> sources = new ArrayList<>();
		sources.add(routeSource);
		ConfigurationPropertySources.get(this.environment).forEach(sources::add);
		Binder binder = new Binder(sources, new PropertySourcesPlaceholdersResolver(this.environment),
				ApplicationConversionService.getSharedInstance());
		try {
			GatewayErrorPolicyProperties properties = binder.bindOrCreate(GatewayErrorPolicyProperties.PREFIX,
					Bindable.of(GatewayErrorPolicyProperties.class),
					new NoUnboundElementsBindHandler(BindHandler.DEFAULT, (source) -> source == routeSource));
			return this.factory.create(properties, prefix);
		}
		catch (BindException ex) {
			throw InvalidErrorPolicyException.from(ex, (name) -> routeProperty(prefix, name));
		}
	}

	private static String routeProperty(String prefix, String name) {
		return prefix + name.substring(Math.min(name.length(), GatewayErrorPolicyProperties.PREFIX.length()));
	}

	@SuppressWarnings("unchecked")
	private static void flatten(String name, @Nullable Object value, Map<String, Object> settings) {
		if (value instanceof Map<?, ?> map) {
			map.forEach((key, nested) -> flatten(name + "." + key, nested, settings));
		}
		else if (value instanceof List<?> list) {
			for (int i = 0; i < list.size(); i++) {
				flatten(name + "[" + i + "]", list.get(i), settings);
			}
		}
		else if (value != null) {
			settings.put(name, value);
		}
	}

	/**
	 * The policy of a route: a route object is built once per refresh, but its
	 * {@code getMetadata()} returns a new view each time, so equal metadata counts as the
	 * same route definition.
	 */
	private record RoutePolicy(Route route, Map<String, Object> metadata, ErrorPolicy policy) {

		boolean isFor(Route other) {
			return other == this.route || this.metadata.equals(other.getMetadata());
		}

	}

}
