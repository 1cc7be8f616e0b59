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

import org.jspecify.annotations.Nullable;

import org.springframework.core.io.buffer.DataBuffer;

/**
 * The copy of a body being kept, taken as the body streams to the client: into one array
 * sized by the {@code Content-Length} where there is one, bounded, dropped once it grows
 * past the limit, and handed on when the body has ended.
 */
final class BodyCopy {

	private final long maxSize;

	private byte @Nullable [] bytes;

	private int size;

	private boolean ended;

	/**
	 * Create a copy.
	 * @param maxSize the most bytes copied
	 * @param contentLength the body's length if known, else -1
	 */
	BodyCopy(long maxSize, long contentLength) {
		this.maxSize = maxSize;
		this.bytes = new byte[(int) ((contentLength >= 0) ? Math.min(contentLength, maxSize)
				: Math.min(1024, maxSize))];
	}

	void add(DataBuffer buffer) {
		byte[] bytes = this.bytes;
		int length = buffer.readableByteCount();
		if (bytes == null) {
			return;
		}
		if (this.size + (long) length > this.maxSize) {
			// too long to keep: nothing more is held
			this.bytes = null;
			return;
		}
		if (this.size + length > bytes.length) {
			bytes = Arrays.copyOf(bytes, (int) Math.min(this.maxSize, Math.max(2L * bytes.length, this.size + length)));
			this.bytes = bytes;
		}
		buffer.toByteBuffer(buffer.readPosition(), ByteBuffer.wrap(bytes), this.size, length);
		this.size += length;
	}

	/**
	 * The whole body, once, when it ended within the limit; otherwise {@code null}.
	 */
	byte @Nullable [] end() {
		byte[] bytes = this.bytes;
		if (bytes == null || this.ended) {
			return null;
		}
		this.ended = true;
		return (bytes.length == this.size) ? bytes : Arrays.copyOf(bytes, this.size);
	}

}
