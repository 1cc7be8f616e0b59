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

import java.time.Duration;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import reactor.core.publisher.Mono;

/**
 * Kept responses in this gateway's memory, in a Caffeine cache bounded both by entries
 * and by bytes: each entry weighs what it holds on the heap (its key, its value and the
 * objects that hold them), and at least the total allowed divided by the entries allowed,
 * so that neither bound can be passed. Each entry expires at the end of its stale window.
 */
public class MemoryStaleStore implements StaleStore {

	/**
	 * What an entry costs beyond its key's characters and its value's bytes: the key's
	 * and the value's object headers, the entry, the cache's node and the map's node.
	 * Measured at about 150 bytes on a 64-bit JVM with compressed references (a heap
	 * under 32 GB); counted larger for a heap without them, where the keys' characters,
	 * counted at two bytes each, leave room too.
	 */
	static final int ENTRY_OVERHEAD = 192;

	private final Cache<String, Entry> entries;

	/**
	 * Create a store.
	 * @param maxEntries the most entries kept
	 * @param maxTotalSize the most bytes kept in all
	 */
	public MemoryStaleStore(int maxEntries, long maxTotalSize) {
		long minWeight = Math.max(1, (maxTotalSize + maxEntries - 1) / maxEntries);
		this.entries = Caffeine.newBuilder()
			.maximumWeight(maxTotalSize)
			.<String, Entry>weigher((key,
					entry) -> (int) Math.min(Integer.MAX_VALUE,
							Math.max(minWeight, ENTRY_OVERHEAD + entry.value().length + 2L * key.length())))
			.expireAfter(new Expiry<String, Entry>() {

				@Override
				public long expireAfterCreate(String key, Entry entry, long currentTime) {
					return entry.timeToLiveNanos();
				}

				@Override
				public long expireAfterUpdate(String key, Entry entry, long currentTime, long currentDuration) {
					return entry.timeToLiveNanos();
				}

				@Override
				public long expireAfterRead(String key, Entry entry, long currentTime, long currentDuration) {
					return currentDuration;
				}

			})
			.executor(Runnable::run)
			.build();
	}

	@Override
	public boolean isLocal() {
		return true;
	}

	@Override
	public Mono<byte[]> get(String key) {
		Entry entry = this.entries.getIfPresent(key);
		return (entry != null) ? Mono.just(entry.value()) : Mono.empty();
	}

	@Override
	public Mono<Void> put(String key, byte[] value, Duration timeToLive) {
		long nanos = (timeToLive.getSeconds() >= Long.MAX_VALUE / 1_000_000_000L) ? Long.MAX_VALUE
				: timeToLive.toNanos();
		this.entries.put(key, new Entry(value, nanos));
		return Mono.empty();
	}

	/**
	 * Return how many entries are kept, for tests.
	 * @return the estimated number of entries
	 */
	long size() {
		this.entries.cleanUp();
		return this.entries.estimatedSize();
	}

	/**
	 * Return the weight kept, at least the bytes of all values.
	 * @return the weight
	 */
	long weight() {
		this.entries.cleanUp();
		return this.entries.policy().eviction().map((eviction) -> eviction.weightedSize().orElse(0)).orElse(0L);
	}

	private record Entry(byte[] value, long timeToLiveNanos) {

	}

}
