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

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;

import org.springframework.core.io.buffer.DataBuffer;

/**
 * The copy of a body being kept, taken as the body streams to the client: into one array
 * sized by the {@code Content-Length} where there is one, bounded, dropped once it grows
 * past the limit, and handed on when the body has ended. The arrays of all copies are
 * held within one shared budget until they are stored: a copy that does not fit is
 * dropped, and each copy gives its bytes back however it ends, once ({@link #release()}).
 */
final class BodyCopy {

	private final long maxSize;

	private final AtomicLong budget;

	private byte @Nullable [] bytes;

	private int size;

	/**
	 * The bytes of the budget this copy holds.
	 */
	private long held;

	private boolean ended;

	private boolean outOfBudget;

	private boolean tooLong;

	/**
	 * Create a copy.
	 * @param maxSize the most bytes copied
	 * @param contentLength the body's length if known, else -1
	 * @param budget the bytes that copies may still take, shared by all
	 */
	BodyCopy(long maxSize, long contentLength, AtomicLong budget) {
		this.maxSize = maxSize;
		this.budget = budget;
		int length = (int) ((contentLength >= 0) ? Math.min(contentLength, maxSize) : Math.min(1024, maxSize));
		if (take(length)) {
			this.bytes = new byte[length];
		}
	}

	synchronized void add(DataBuffer buffer) {
		byte[] bytes = this.bytes;
		int length = buffer.readableByteCount();
		if (bytes == null) {
			return;
		}
		if (this.size + (long) length > this.maxSize) {
			// too long to keep: nothing more is held
			this.tooLong = true;
			release();
			return;
		}
		if (this.size + length > bytes.length) {
			int grown = (int) Math.min(this.maxSize, Math.max(2L * bytes.length, this.size + length));
			if (!take(grown - bytes.length)) {
				release();
				return;
			}
			bytes = Arrays.copyOf(bytes, grown);
			this.bytes = bytes;
		}
		buffer.toByteBuffer(buffer.readPosition(), ByteBuffer.wrap(bytes), this.size, length);
		this.size += length;
	}

	/**
	 * The whole body, once, when it ended within the limit; otherwise {@code null}. The
	 * copy still holds its bytes of the budget until it is {@linkplain #release()
	 * released}, once the body is stored.
	 */
	synchronized byte @Nullable [] end() {
		byte[] bytes = this.bytes;
		if (bytes == null || this.ended) {
			return null;
		}
		this.ended = true;
		this.bytes = null;
		return (bytes.length == this.size) ? bytes : Arrays.copyOf(bytes, this.size);
	}

	/**
	 * Give back what a copy that was not handed on holds: for a body that ended in error,
	 * was cancelled or was too long. A copy handed on by {@link #end()} is released by
	 * its taker.
	 */
	synchronized void discard() {
		if (!this.ended) {
			release();
		}
	}

	/**
	 * Give the bytes held back to the budget and hold nothing more. Nothing is done the
	 * second time.
	 */
	synchronized void release() {
		this.bytes = null;
		if (this.held > 0) {
			this.budget.addAndGet(this.held);
			this.held = 0;
		}
	}

	/**
	 * Whether the copy was dropped because the copies already held the budget.
	 */
	synchronized boolean outOfBudget() {
		return this.outOfBudget;
	}

	/**
	 * Whether the copy was dropped because the body grew past the most bytes copied.
	 */
	synchronized boolean tooLong() {
		return this.tooLong;
	}

	private boolean take(int length) {
		long left;
		do {
			left = this.budget.get();
			if (left < length) {
				this.outOfBudget = true;
				return false;
			}
		}
		while (!this.budget.compareAndSet(left, left - length));
		this.held += length;
		return true;
	}

}
