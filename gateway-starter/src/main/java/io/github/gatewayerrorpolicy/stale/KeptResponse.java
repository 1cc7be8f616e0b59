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

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * A response kept to be served stale: its status, headers and body, and what its
 * freshness and stale window were when it was kept. It is stored as bytes, in memory or
 * in Redis alike.
 *
 * @param status the status
 * @param headers the end-to-end headers, in order
 * @param body the body
 * @param receivedAt when the gateway received it, in milliseconds since the epoch
 * @param initialAge its age when received (RFC 9111 §4.2.3), in seconds
 * @param freshFor its freshness lifetime, in seconds
 * @param staleFor how long after that it may be served on error, in seconds
 */
public record KeptResponse(int status, List<Map.Entry<String, String>> headers, byte[] body, long receivedAt,
		long initialAge, long freshFor, long staleFor) {

	private static final int FORMAT = 1;

	/**
	 * Its age now, in seconds (RFC 9111 §4.2.3).
	 */
	long age(long now) {
		return this.initialAge + Math.max(0, now - this.receivedAt) / 1000;
	}

	/**
	 * How long a store keeps it: its freshness and stale window, less its age when
	 * received.
	 */
	Duration timeToLive() {
		return Duration.ofSeconds(this.freshFor + this.staleFor - this.initialAge);
	}

	KeptResponse withBody(byte[] body) {
		return new KeptResponse(this.status, this.headers, body, this.receivedAt, this.initialAge, this.freshFor,
				this.staleFor);
	}

	byte[] toBytes() {
		try {
			ByteArrayOutputStream bytes = new ByteArrayOutputStream(this.body.length + 256);
			DataOutputStream out = new DataOutputStream(bytes);
			out.writeInt(FORMAT);
			out.writeInt(this.status);
			out.writeLong(this.receivedAt);
			out.writeLong(this.initialAge);
			out.writeLong(this.freshFor);
			out.writeLong(this.staleFor);
			out.writeInt(this.headers.size());
			for (Map.Entry<String, String> header : this.headers) {
				out.writeUTF(header.getKey());
				out.writeUTF(header.getValue());
			}
			out.writeInt(this.body.length);
			out.write(this.body);
			return bytes.toByteArray();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Read a kept response.
	 * @return the response, or {@code null} if the bytes are not one of this format (a
	 * store's value written by another version, or damaged)
	 */
	static @Nullable KeptResponse read(byte[] bytes) {
		try {
			DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
			if (in.readInt() != FORMAT) {
				return null;
			}
			int status = in.readInt();
			long receivedAt = in.readLong();
			long initialAge = in.readLong();
			long freshFor = in.readLong();
			long staleFor = in.readLong();
			int count = in.readInt();
			// each header takes at least four bytes: nothing is allocated on a bad count
			if (count < 0 || count > in.available() / 4) {
				return null;
			}
			List<Map.Entry<String, String>> headers = new ArrayList<>(count);
			for (int i = 0; i < count; i++) {
				headers.add(Map.entry(in.readUTF(), in.readUTF()));
			}
			int length = in.readInt();
			if (length < 0 || length != in.available()) {
				return null;
			}
			byte[] body = new byte[length];
			in.readFully(body);
			return new KeptResponse(status, List.copyOf(headers), body, receivedAt, initialAge, freshFor, staleFor);
		}
		catch (IOException | RuntimeException ex) {
			return null;
		}
	}

}
