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
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import io.github.gatewayerrorpolicy.observe.LogThrottle;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

import org.springframework.data.redis.core.ReactiveRedisTemplate;

/**
 * Kept responses in Redis, through Spring Data Redis, so that every gateway sharing that
 * Redis can serve what any one of them kept; each entry has a time to live equal to its
 * freshness and stale window. Redis is never in the way of a request: every command is
 * bounded by a timeout, a failed or slow command is empty (a lookup) or dropped (a
 * write), after a failure Redis is left alone for a few seconds, and failures are logged
 * once per period.
 */
public class RedisStaleStore implements StaleStore {

	/**
	 * How often at most a failing Redis is logged.
	 */
	public static final Duration LOG_PERIOD = Duration.ofMinutes(1);

	/**
	 * The longest a read may take before the store gives up on it. A failed request reads
	 * once where a response that varies on nothing was kept, three times where it varies
	 * (the plain key, the names it varies on, the variant); after a read that timed out,
	 * Redis is left alone for {@link #PAUSE}, so a hung Redis costs the reads in flight
	 * one timeout, then one every pause while it stays hung.
	 */
	public static final Duration READ_TIMEOUT = Duration.ofMillis(500);

	/**
	 * The longest a write may take: it runs beside the response, which never waits for
	 * it, and may have to wait for the first connection to Redis.
	 */
	public static final Duration WRITE_TIMEOUT = Duration.ofSeconds(5);

	/**
	 * How long the store leaves Redis alone after a command failed.
	 */
	public static final Duration PAUSE = Duration.ofSeconds(5);

	private static final Log logger = LogFactory.getLog(RedisStaleStore.class);

	private final ReactiveRedisTemplate<String, byte[]> redis;

	private final Duration readTimeout;

	private final Duration writeTimeout;

	private final LongSupplier nanoTime;

	private final LogThrottle failureLog;

	private final AtomicLong failures = new AtomicLong();

	private volatile long pausedUntil;

	/**
	 * Create a store.
	 * @param redis a template with string keys and byte values
	 * @param readTimeout the longest a lookup may take
	 * @param writeTimeout the longest a write may take
	 * @param nanoTime the clock for the log period
	 */
	public RedisStaleStore(ReactiveRedisTemplate<String, byte[]> redis, Duration readTimeout, Duration writeTimeout,
			LongSupplier nanoTime) {
		this.redis = redis;
		this.readTimeout = readTimeout;
		this.writeTimeout = writeTimeout;
		this.nanoTime = nanoTime;
		this.failureLog = new LogThrottle(LOG_PERIOD, nanoTime);
	}

	@Override
	public Mono<byte[]> get(String key) {
		// whether Redis is paused is decided when the read runs, not when it is built
		return Mono.defer(() -> isPaused() ? Mono.empty()
				: this.redis.opsForValue()
					.get(key)
					.timeout(this.readTimeout)
					.onErrorResume((error) -> failed("read", error)));
	}

	@Override
	public Mono<Void> put(String key, byte[] value, Duration timeToLive) {
		return Mono.defer(() -> isPaused() ? Mono.empty()
				: this.redis.opsForValue()
					.set(key, value, timeToLive)
					.timeout(this.writeTimeout)
					.then()
					.onErrorResume((error) -> failed("write", error)));
	}

	/**
	 * Whether Redis failed less than {@link #PAUSE} ago: while it is unreachable, the
	 * client would queue commands (and their values) until its own timeout, so none are
	 * sent.
	 */
	private boolean isPaused() {
		long until = this.pausedUntil;
		return until != 0 && this.nanoTime.getAsLong() - until < 0;
	}

	@Override
	public long failures() {
		return this.failures.get();
	}

	private <T> Mono<T> failed(String what, Throwable error) {
		this.failures.incrementAndGet();
		this.pausedUntil = this.nanoTime.getAsLong() + PAUSE.toNanos();
		long more = this.failureLog.admit();
		if (more != LogThrottle.SKIP) {
			logger.warn("Stale-if-error store unavailable: could not " + what + " Redis (" + error
					+ ((more > 0) ? "; " + more + " more failure(s) not logged" : "") + ")");
		}
		return Mono.empty();
	}

}
