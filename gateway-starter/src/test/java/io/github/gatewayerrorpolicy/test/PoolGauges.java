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

package io.github.gatewayerrorpolicy.test;

import java.util.Arrays;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;

/**
 * Reactor Netty's connection pool gauges (with
 * {@code spring.cloud.gateway.server.webflux.httpclient.pool.metrics}), tagged with the
 * upstream's address. Reactor Netty registers them in Micrometer's global registry, which
 * passes them on to the registry of every context started afterwards in the same JVM, and
 * which also holds the registries of contexts closed before, whose gauges read nothing:
 * read them from the context's own registry, and take them out of the global one when the
 * test class is done.
 */
public final class PoolGauges {

	private PoolGauges() {
	}

	/**
	 * The value of a pool gauge for the pool of one upstream.
	 * @param registry the context's registry
	 * @param name the gauge, such as
	 * {@code reactor.netty.connection.provider.pending.connections}
	 * @param port the upstream's port
	 * @return the value, 0 if there is no such gauge yet
	 */
	public static double value(MeterRegistry registry, String name, int port) {
		return registry.find(name)
			.gauges()
			.stream()
			.filter((gauge) -> isFor(gauge, port))
			.mapToDouble(Gauge::value)
			.sum();
	}

	/**
	 * Remove the pool gauges of the given upstreams from the global registry.
	 * @param ports the upstreams' ports
	 */
	public static void forget(int... ports) {
		Metrics.globalRegistry.getMeters()
			.stream()
			.filter((meter) -> Arrays.stream(ports).anyMatch((port) -> isFor(meter, port)))
			.forEach(Metrics.globalRegistry::remove);
	}

	private static boolean isFor(Meter meter, int port) {
		return String.valueOf(meter.getId().getTag("remote.address")).endsWith(":" + port);
	}

}
