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

package io.github.gatewayerrorpolicy.client;

import java.util.Arrays;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.jspecify.annotations.Nullable;

/**
 * The start of a line that did not end in the bytes read so far, kept until its end
 * arrives. Most lines end where they start, so its array is made only when one does not,
 * and it holds a heap copy, never a buffer that would need releasing.
 */
final class PartialLine {

	/** The longest line kept; Netty rejects far shorter ones. */
	static final int MAX_LENGTH = 64 * 1024;

	private byte @Nullable [] bytes;

	private int length;

	boolean isEmpty() {
		return this.length == 0;
	}

	/**
	 * Keep the given bytes, after those kept before.
	 * @return whether the line is still within {@link #MAX_LENGTH}
	 */
	boolean append(ByteBuf in, int from, int to) {
		int added = to - from;
		if (this.length + added > MAX_LENGTH) {
			return false;
		}
		if (this.bytes == null || this.bytes.length < this.length + added) {
			int size = Math.max(256, Integer.highestOneBit(this.length + added) << 1);
			this.bytes = (this.bytes != null) ? Arrays.copyOf(this.bytes, size) : new byte[size];
		}
		in.getBytes(from, this.bytes, this.length, added);
		this.length += added;
		return true;
	}

	/**
	 * Complete the line with the bytes up to its end, and forget it.
	 * @return the whole line, or {@code null} if it is longer than {@link #MAX_LENGTH}
	 */
	@Nullable ByteBuf complete(ByteBuf in, int from, int end) {
		if (!append(in, from, end)) {
			return null;
		}
		ByteBuf line = Unpooled.wrappedBuffer(this.bytes, 0, this.length);
		this.length = 0;
		return line;
	}

	void clear() {
		this.length = 0;
	}

}
