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

package io.github.gatewayerrorpolicy.health;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The memory of upstream health stays bounded whatever the churn of upstream addresses:
 * 100,000 distinct upstreams, each ejected, and then 100,000 more, in a tracker that may
 * hold 10,000.
 */
class UpstreamHealthMemoryTests {

	static final int MAX_TRACKED = 10_000;

	static final HealthPolicy POLICY = HealthPolicy.DEFAULT;

	final LoggingSystem logging = LoggingSystem.get(getClass().getClassLoader());

	@BeforeEach
	void quiet() {
		// one line per ejection is what operators need, and 200,000 of them are not
		this.logging.setLogLevel(UpstreamHealth.class.getName(), LogLevel.OFF);
	}

	@AfterEach
	void restore() {
		this.logging.setLogLevel(UpstreamHealth.class.getName(), null);
	}

	@Test
	void memoryStaysBoundedUnderAHundredThousandDistinctUpstreams() {
		UpstreamHealth health = new UpstreamHealth(MAX_TRACKED);
		long baseline = heapAfterGc();
		ejectUpstreams(health, 0, 100_000);
		long afterFirst = heapAfterGc();
		assertThat(health.trackedUpstreams()).isLessThanOrEqualTo(MAX_TRACKED);
		ejectUpstreams(health, 100_000, 200_000);
		long afterSecond = heapAfterGc();
		assertThat(health.trackedUpstreams()).isLessThanOrEqualTo(MAX_TRACKED);
		long first = afterFirst - baseline;
		long second = afterSecond - baseline;
		System.out.printf("Upstream health: %,d bytes for %,d tracked upstreams (%,d each); after 100,000 more: %,d%n",
				first, health.trackedUpstreams(), first / health.trackedUpstreams(), second);
		// about 1.7 KB each is measured and documented; 2.5 KB leaves room for the GC
		assertThat(first).as("heap held by %d tracked upstreams", MAX_TRACKED).isLessThan(MAX_TRACKED * 2560L);
		assertThat(second).as("heap after 100,000 more upstreams than it may track")
			.isLessThan(first + Math.max(first / 10, 2L * 1024 * 1024));
		assertThat(health.ejectedUpstreams()).as("every tracked upstream, each ejected, in the endpoint")
			.hasSize((int) health.trackedUpstreams());
	}

	private static void ejectUpstreams(UpstreamHealth health, int from, int to) {
		for (int i = from; i < to; i++) {
			UpstreamAddress address = new UpstreamAddress("http",
					"10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255), 8080 + (i >> 24));
			for (int attempt = 0; attempt < POLICY.consecutiveFailures(); attempt++) {
				UpstreamHealth.Admission admission = health.admit("churn", POLICY, address, false);
				assertThat(admission.isRefused()).isFalse();
				admission.failed("connection_refused");
			}
			assertThat(health.admit("churn", POLICY, address, false).isRefused()).isTrue();
		}
	}

	private static long heapAfterGc() {
		for (int i = 0; i < 3; i++) {
			System.gc();
		}
		return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
	}

}
