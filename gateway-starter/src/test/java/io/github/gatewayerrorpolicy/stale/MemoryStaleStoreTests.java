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

package io.github.gatewayerrorpolicy.stale;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * The memory store stays within both of its bounds, entries and bytes, whatever the
 * number of distinct URLs, and drops an entry when its time is over.
 */
class MemoryStaleStoreTests {

	@Test
	void aHundredThousandDistinctUrlsStayWithinTheBounds() {
		MemoryStaleStore store = new MemoryStaleStore(1_000, 512 * 1024);
		byte[] body = new byte[1024];
		for (int i = 0; i < 100_000; i++) {
			store.put("gateway-error-policy:stale:catalog:GET http://gateway/items/" + i, body, Duration.ofMinutes(5))
				.block();
		}
		assertThat(store.size()).isLessThanOrEqualTo(1_000);
		assertThat(store.weight()).isLessThanOrEqualTo(512 * 1024);
		assertThat(store.size()).as("still keeping about as many as the bytes allow (500)").isGreaterThanOrEqualTo(250);
	}

	@Test
	void aHundredThousandDistinctUrlsKeepTheHeapWithinTheBound() {
		List<String> options = ManagementFactory.getRuntimeMXBean().getInputArguments();
		assumeFalse(options.contains("-XX:+DisableExplicitGC") || options.contains("-XX:+ExplicitGCInvokesConcurrent"),
				"needs System.gc() to collect in full");
		long bound = 8 * 1024 * 1024;
		long before = usedHeapAfterGc();
		MemoryStaleStore store = new MemoryStaleStore(100_000, bound);
		for (int i = 0; i < 100_000; i++) {
			// each a response of its own, as the gateway keeps them: a small head and
			// body
			store
				.put("gateway-error-policy:stale:catalog:GET http://gateway/items/" + i, new byte[200],
						Duration.ofMinutes(5))
				.block();
		}
		long held = usedHeapAfterGc() - before;
		// the bound, and the map's and sketch's tables, which do not shrink
		assertThat(held).as("heap held by the store").isLessThanOrEqualTo(bound + 1024 * 1024);
		assertThat(held).as("measured: the store holds most of what it may").isGreaterThan(bound / 2);
		assertThat(store.size()).as("still keeping about as many as the bytes allow").isGreaterThanOrEqualTo(10_000);
		Reference.reachabilityFence(store);
	}

	@Test
	void manySmallEntriesAreBoundedByTheirNumber() {
		MemoryStaleStore store = new MemoryStaleStore(100, 64 * 1024 * 1024);
		for (int i = 0; i < 10_000; i++) {
			store.put("key-" + i, new byte[10], Duration.ofMinutes(5)).block();
		}
		assertThat(store.size()).isLessThanOrEqualTo(100);
	}

	@Test
	void anEntryWhoseTimeIsOverIsGone() {
		MemoryStaleStore store = new MemoryStaleStore(100, 1024 * 1024);
		store.put("short", new byte[] { 1 }, Duration.ofNanos(1)).block();
		store.put("long", new byte[] { 2 }, Duration.ofMinutes(5)).block();
		assertThat(store.get("short").blockOptional()).isEmpty();
		assertThat(store.get("long").block()).containsExactly(2);
	}

	private static long usedHeapAfterGc() {
		MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
		long used = Long.MAX_VALUE;
		for (int i = 0; i < 3; i++) {
			System.gc();
			used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
		}
		return used;
	}

}
