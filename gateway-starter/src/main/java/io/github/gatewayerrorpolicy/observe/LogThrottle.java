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

package io.github.gatewayerrorpolicy.observe;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Lets a recurring problem be logged at most once per period, and says how many times it
 * happened unlogged in between: a failure that repeats on every request must not flood
 * the log.
 */
public final class LogThrottle {

	/**
	 * Returned by {@link #admit()} when this occurrence is not to be logged.
	 */
	public static final long SKIP = -1;

	private final long periodNanos;

	private final LongSupplier nanoTime;

	private final AtomicLong next;

	private final LongAdder unlogged = new LongAdder();

	/**
	 * Create a throttle whose first occurrence is logged.
	 * @param period the shortest time between two log lines
	 * @param nanoTime the clock, {@code System::nanoTime} outside tests
	 */
	public LogThrottle(Duration period, LongSupplier nanoTime) {
		this.periodNanos = period.toNanos();
		this.nanoTime = nanoTime;
		this.next = new AtomicLong(nanoTime.getAsLong());
	}

	/**
	 * Count an occurrence, and say whether to log it.
	 * @return {@link #SKIP} if it is not to be logged, otherwise how many occurrences
	 * went unlogged since the last one that was
	 */
	public long admit() {
		long now = this.nanoTime.getAsLong();
		long due = this.next.get();
		if (now - due < 0 || !this.next.compareAndSet(due, now + this.periodNanos)) {
			this.unlogged.increment();
			return SKIP;
		}
		return this.unlogged.sumThenReset();
	}

}
