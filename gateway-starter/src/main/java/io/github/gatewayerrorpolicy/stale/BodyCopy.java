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

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

import org.springframework.core.io.buffer.DataBuffer;

/**
 * The copy of a body being kept, taken as the body streams to the client: bounded,
 * dropped once it grows past the limit, and handed on when the body has ended.
 */
final class BodyCopy {

	private final long maxSize;

	private ByteArrayOutputStream bytes;

	private final AtomicBoolean ended = new AtomicBoolean();

	private boolean tooLong;

	/**
	 * Create a copy.
	 * @param maxSize the most bytes copied
	 * @param contentLength the body's length if known, else -1
	 */
	BodyCopy(long maxSize, long contentLength) {
		this.maxSize = maxSize;
		this.bytes = new ByteArrayOutputStream(
				(contentLength >= 0 && contentLength <= maxSize) ? (int) contentLength : 1024);
	}

	void add(DataBuffer buffer) {
		int length = buffer.readableByteCount();
		if (this.tooLong || this.bytes.size() + (long) length > this.maxSize) {
			this.tooLong = true;
			this.bytes = new ByteArrayOutputStream(0);
			return;
		}
		byte[] copy = new byte[length];
		buffer.toByteBuffer(buffer.readPosition(), ByteBuffer.wrap(copy), 0, length);
		this.bytes.writeBytes(copy);
	}

	/**
	 * The whole body, once, when it ended within the limit; otherwise {@code null}.
	 */
	byte[] end() {
		return (!this.tooLong && this.ended.compareAndSet(false, true)) ? this.bytes.toByteArray() : null;
	}

}
