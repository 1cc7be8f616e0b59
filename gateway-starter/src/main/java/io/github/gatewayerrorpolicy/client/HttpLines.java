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

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;
import org.jspecify.annotations.Nullable;

/**
 * Reads what {@link ResponseFramingValidator} needs from one line of an HTTP/1.1 response
 * (a status line, a header or trailer, or a chunk size) in place, between the start of
 * the line and the end of its content (before CRLF), without copying it.
 */
final class HttpLines {

	/** What {@link #colon} returns for a line that continues the previous one. */
	static final int OBS_FOLD = -2;

	/** What {@link #colon} returns for whitespace in a name or before its colon. */
	static final int WHITESPACE_IN_NAME = -3;

	private static final byte[] CONTENT_LENGTH = bytes("content-length");

	private static final byte[] TRANSFER_ENCODING = bytes("transfer-encoding");

	private static final byte[] CHUNKED = bytes("chunked");

	/** Stops at the end of a field name: its colon, or whitespace where none belongs. */
	private static final ByteProcessor NAME_BYTE = (b) -> b != ':' && b != ' ' && b != '\t';

	private HttpLines() {
	}

	/**
	 * The status code of a status line, {@code HTTP/1.x nnn[ reason]}, if it is in
	 * 100..599.
	 * @return the code, or -1 if the line is no such status line
	 */
	static int statusCode(ByteBuf line, int start, int end) {
		if (end - start < 12 || !startsWith(line, start, "HTTP/1.") || line.getByte(start + 8) != ' '
				|| (line.getByte(start + 7) != '0' && line.getByte(start + 7) != '1')
				|| (end - start > 12 && line.getByte(start + 12) != ' ')) {
			return -1;
		}
		int code = (int) number(line, start + 9, start + 12);
		return (code >= 100 && code <= 599) ? code : -1;
	}

	/**
	 * The colon of a header or trailer line, checking the name on the way: no obs-fold,
	 * no whitespace in the name or before the colon.
	 * @return the index of the colon, -1 if there is none (Netty rejects such a line),
	 * {@link #OBS_FOLD} or {@link #WHITESPACE_IN_NAME}
	 */
	static int colon(ByteBuf line, int start, int end) {
		int stop = line.forEachByte(start, end - start, NAME_BYTE);
		if (stop == -1 || line.getByte(stop) == ':') {
			return stop;
		}
		return (stop == start) ? OBS_FOLD : WHITESPACE_IN_NAME;
	}

	/**
	 * What is wrong with a line, by what {@link #colon} returned for it.
	 * @return the violation, or {@code null}
	 */
	static @Nullable String nameViolation(int colon) {
		return switch (colon) {
			case OBS_FOLD -> "obs-fold";
			case WHITESPACE_IN_NAME -> "whitespace in a header name";
			default -> null;
		};
	}

	static boolean isContentLength(ByteBuf line, int start, int colon) {
		return colon - start == CONTENT_LENGTH.length && equalsIgnoreCase(line, start, CONTENT_LENGTH);
	}

	static boolean isTransferEncoding(ByteBuf line, int start, int colon) {
		return colon - start == TRANSFER_ENCODING.length && equalsIgnoreCase(line, start, TRANSFER_ENCODING);
	}

	/**
	 * Whether a header value is {@code chunked} alone, in any case, between optional
	 * whitespace.
	 */
	static boolean isChunked(ByteBuf line, int start, int end) {
		int from = skipWhitespace(line, start, end);
		int to = trimWhitespace(line, from, end);
		return to - from == CHUNKED.length && equalsIgnoreCase(line, from, CHUNKED);
	}

	/**
	 * A decimal number between optional whitespace, such as a {@code Content-Length}.
	 * @return the number, or -1 if the value is not one
	 */
	static long number(ByteBuf line, int start, int end) {
		int from = skipWhitespace(line, start, end);
		int to = trimWhitespace(line, from, end);
		if (from == to || to - from > 18) {
			return -1;
		}
		long value = 0;
		for (int i = from; i < to; i++) {
			byte b = line.getByte(i);
			if (b < '0' || b > '9') {
				return -1;
			}
			value = value * 10 + (b - '0');
		}
		return value;
	}

	/**
	 * The size at the start of a chunk-size line; what follows it (extensions) is left to
	 * Netty.
	 * @return the size, or -1 if the line does not start with one that Netty reads
	 */
	static long chunkSize(ByteBuf line, int start, int end) {
		long size = 0;
		int i = start;
		for (; i < end; i++) {
			int digit = Character.digit(line.getByte(i), 16);
			if (digit < 0) {
				break;
			}
			if (size > (Integer.MAX_VALUE >> 4)) {
				return -1;
			}
			size = (size << 4) + digit;
		}
		return (i > start) ? size : -1;
	}

	/**
	 * Whether the bytes at {@code start} are the given lower-case ASCII letters and
	 * punctuation, in any case.
	 */
	static boolean equalsIgnoreCase(ByteBuf line, int start, byte[] lowerCase) {
		for (int i = 0; i < lowerCase.length; i++) {
			if ((line.getByte(start + i) | 0x20) != lowerCase[i]) {
				return false;
			}
		}
		return true;
	}

	static byte[] bytes(String ascii) {
		return ascii.getBytes(StandardCharsets.US_ASCII);
	}

	private static boolean startsWith(ByteBuf line, int start, String prefix) {
		for (int i = 0; i < prefix.length(); i++) {
			if (line.getByte(start + i) != prefix.charAt(i)) {
				return false;
			}
		}
		return true;
	}

	private static int skipWhitespace(ByteBuf line, int start, int end) {
		while (start < end && (line.getByte(start) == ' ' || line.getByte(start) == '\t')) {
			start++;
		}
		return start;
	}

	private static int trimWhitespace(ByteBuf line, int start, int end) {
		while (end > start && (line.getByte(end - 1) == ' ' || line.getByte(end - 1) == '\t')) {
			end--;
		}
		return end;
	}

}
