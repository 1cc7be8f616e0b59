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

import reactor.core.publisher.Mono;

/**
 * Where kept responses live. A store never fails a request: a lookup that fails is empty,
 * and a write that fails is dropped; the store logs such failures itself.
 */
public interface StaleStore {

	/**
	 * Return what is kept under a key.
	 * @param key the key
	 * @return the value, or empty if none, or if the store could not be read
	 */
	Mono<byte[]> get(String key);

	/**
	 * Keep a value under a key for a time.
	 * @param key the key
	 * @param value the value
	 * @param timeToLive how long it is kept
	 * @return completion, also when the store could not be written
	 */
	Mono<Void> put(String key, byte[] value, Duration timeToLive);

	/**
	 * Return how many reads and writes failed so far.
	 * @return the failures, 0 for a store that cannot fail
	 */
	default long failures() {
		return 0;
	}

	/**
	 * Whether only this gateway writes to the store: then a route it never kept a
	 * response for has nothing to look up.
	 * @return whether the store is this gateway's own
	 */
	default boolean isLocal() {
		return false;
	}

}
