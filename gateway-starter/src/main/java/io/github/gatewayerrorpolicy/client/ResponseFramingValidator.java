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
import java.util.Locale;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.ByteProcessor;
import org.jspecify.annotations.Nullable;

/**
 * Checks, byte by byte, that every upstream response on an HTTP/1.1 connection is framed
 * and written as RFC 9112 requires, and passes on to Netty's codec exactly the bytes of
 * that response. It sits between the socket (or TLS) and the codec of the gateway's HTTP
 * client.
 * <p>
 * Netty's decoder is lenient where a proxy should not be: it removes whitespace before a
 * header's colon, joins obs-fold lines, accepts header lines without a colon, forwards
 * unknown transfer codings, and keeps bytes that follow a complete response for the next
 * one, so that the next request on that pooled connection reads a corrupted answer. Here:
 * <ul>
 * <li>a response head that is not valid (status line and a status code in 100..599,
 * header names and values, bare CR or LF, obs-fold, a {@code Content-Length} that is not
 * a single number, a {@code Transfer-Encoding} other than {@code chunked}) or a chunked
 * body whose framing is broken fails the exchange with an
 * {@link InvalidUpstreamResponseException} and closes the connection;</li>
 * <li>bytes after a complete response, or while no request is outstanding (including a
 * body on a response to {@code HEAD}, or on 204 and 304), are dropped, and the connection
 * is closed instead of being returned to the pool.</li>
 * </ul>
 * After a {@code 101 Switching Protocols} the connection is no longer HTTP and is left
 * alone.
 */
public class ResponseFramingValidator extends ChannelDuplexHandler {

	private static final int MAX_LINE = 64 * 1024;

	private static final int MAX_NAME = 32;

	private static final int MAX_FRAMING_VALUE = 256;

	private static final boolean[] TCHAR = new boolean[128];

	static {
		for (char c = '0'; c <= '9'; c++) {
			TCHAR[c] = true;
		}
		for (char c = 'a'; c <= 'z'; c++) {
			TCHAR[c] = true;
			TCHAR[Character.toUpperCase(c)] = true;
		}
		for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
			TCHAR[c] = true;
		}
	}

	private State state = State.IDLE;

	private boolean headRequest;

	private final Line line = new Line();

	private int statusCode;

	private boolean statusLineSeen;

	private long contentLength = -1;

	private int contentLengths;

	private String transferEncoding;

	private int transferEncodings;

	private long remaining;

	private long chunkSize;

	private boolean chunkSizeDigits;

	private boolean chunkExtension;

	private boolean chunkSizeEnded;

	private int crlfExpected;

	private @Nullable String lineViolation;

	/**
	 * Takes bytes while a line is being read, the status line, a header, a chunk size or
	 * a trailer; stops after a violation or after the byte that ends the lines.
	 */
	private final ByteProcessor lineBytes = (b) -> {
		this.lineViolation = onLineByte(b);
		return this.lineViolation == null
				&& (this.state == State.HEAD || this.state == State.TRAILERS || this.state == State.CHUNK_SIZE);
	};

	@Override
	public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
		if (this.state == State.IDLE && msg instanceof ByteBuf request && request.isReadable()) {
			this.headRequest = startsWith(request, "HEAD ");
			startHead();
		}
		super.write(ctx, msg, promise);
	}

	@Override
	public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
		if (!(msg instanceof ByteBuf in) || this.state == State.UPGRADED || this.state == State.UNTIL_CLOSE) {
			super.channelRead(ctx, msg);
			return;
		}
		int start = in.readerIndex();
		int end = in.writerIndex();
		int index = start;
		String violation = null;
		while (index < end && violation == null && this.state != State.IDLE && this.state != State.UPGRADED
				&& this.state != State.UNTIL_CLOSE) {
			switch (this.state) {
				case BODY -> {
					long take = Math.min(this.remaining, end - index);
					index += (int) take;
					this.remaining -= take;
					if (this.remaining == 0) {
						this.state = State.IDLE;
					}
				}
				case CHUNK_DATA -> {
					long take = Math.min(this.remaining, end - index);
					index += (int) take;
					this.remaining -= take;
					if (this.remaining == 0) {
						this.state = State.CHUNK_DATA_END;
						this.crlfExpected = 0;
					}
				}
				case CHUNK_DATA_END -> {
					byte b = in.getByte(index++);
					if (b != "\r\n".charAt(this.crlfExpected)) {
						violation = "chunk data not followed by CRLF";
					}
					else if (++this.crlfExpected == 2) {
						startChunkSize();
					}
				}
				default -> {
					// a run of line bytes, scanned without a bounds check per byte
					int stopped = in.forEachByte(index, end - index, this.lineBytes);
					index = (stopped == -1) ? end : stopped + 1;
					violation = this.lineViolation;
				}
			}
		}
		if (violation != null) {
			in.release();
			ctx.fireExceptionCaught(new InvalidUpstreamResponseException(violation));
			ctx.close();
			return;
		}
		if (this.state == State.UPGRADED || this.state == State.UNTIL_CLOSE) {
			// the rest is the body, or no longer HTTP
			index = end;
		}
		if (index < end) {
			// bytes after a complete response, or while none is expected
			if (index > start) {
				ctx.fireChannelRead(in.retainedSlice(start, index - start));
			}
			in.release();
			ctx.close();
			return;
		}
		if (end > start || this.state != State.IDLE) {
			super.channelRead(ctx, msg);
		}
		else {
			in.release();
		}
	}

	/**
	 * One byte of a line: the status line, a header line, a chunk-size line or a trailer.
	 * @return what is wrong, or {@code null}
	 */
	private String onLineByte(byte b) {
		if (this.line.cr) {
			if (b != '\n') {
				return "bare CR";
			}
			this.line.cr = false;
			return endOfLine();
		}
		if (b == '\r') {
			this.line.cr = true;
			return null;
		}
		if (b == '\n') {
			return "bare LF";
		}
		if (this.line.length++ > MAX_LINE) {
			return "line too long";
		}
		return switch (this.state) {
			case HEAD, TRAILERS -> headByte(b);
			case CHUNK_SIZE -> chunkSizeByte(b);
			default -> "unexpected state " + this.state;
		};
	}

	private String headByte(byte b) {
		int c = b & 0xFF;
		if (this.state == State.HEAD && !this.statusLineSeen) {
			if (c < 0x20 && c != '\t' || c == 0x7F) {
				return "control character in status line";
			}
			this.line.append(b);
			return null;
		}
		if (this.line.length == 1 && (c == ' ' || c == '\t')) {
			return "obs-fold";
		}
		if (!this.line.colon) {
			if (c == ':') {
				if (this.line.nameLength == 0) {
					return "empty header name";
				}
				this.line.colon = true;
				return null;
			}
			if (c >= 128 || !TCHAR[c]) {
				return "invalid character in header name";
			}
			this.line.appendName(b);
			return null;
		}
		if (c < 0x20 && c != '\t' || c == 0x7F) {
			return "control character in header value";
		}
		if (this.line.framing) {
			this.line.append(b);
		}
		return null;
	}

	private String chunkSizeByte(byte b) {
		int c = b & 0xFF;
		if (this.chunkExtension) {
			return (c < 0x20 && c != '\t' || c == 0x7F) ? "control character in chunk extension" : null;
		}
		int digit = Character.digit(c, 16);
		if (digit >= 0 && !this.chunkSizeEnded) {
			if (this.chunkSize > (Long.MAX_VALUE >> 4)) {
				return "chunk size too large";
			}
			this.chunkSize = (this.chunkSize << 4) + digit;
			this.chunkSizeDigits = true;
			return null;
		}
		if (c == ';' && this.chunkSizeDigits) {
			this.chunkExtension = true;
			return null;
		}
		if ((c == ' ' || c == '\t') && this.chunkSizeDigits) {
			this.chunkSizeEnded = true;
			return null;
		}
		return "invalid chunk size";
	}

	private String endOfLine() {
		return switch (this.state) {
			case HEAD -> endOfHeadLine();
			case TRAILERS -> endOfTrailerLine();
			case CHUNK_SIZE -> endOfChunkSize();
			default -> "unexpected state " + this.state;
		};
	}

	private String endOfHeadLine() {
		if (!this.statusLineSeen) {
			this.statusLineSeen = true;
			this.statusCode = this.line.statusCode();
			if (this.statusCode < 0) {
				return "invalid status line";
			}
			this.line.reset();
			return null;
		}
		if (this.line.length == 0) {
			return endOfHead();
		}
		if (!this.line.colon) {
			return "header line without colon";
		}
		if (this.line.framing) {
			String value = this.line.text().trim();
			if (this.line.isContentLength) {
				this.contentLengths++;
				if (!isContentLength(value)) {
					return "invalid Content-Length";
				}
				this.contentLength = Long.parseLong(value);
			}
			else {
				this.transferEncodings++;
				this.transferEncoding = value.toLowerCase(Locale.ROOT);
			}
		}
		this.line.reset();
		return null;
	}

	private static boolean isContentLength(String value) {
		int length = value.length();
		if (length == 0 || length > 18) {
			return false;
		}
		for (int i = 0; i < length; i++) {
			if (value.charAt(i) < '0' || value.charAt(i) > '9') {
				return false;
			}
		}
		return true;
	}

	private String endOfHead() {
		if (this.statusCode == 101) {
			this.state = State.UPGRADED;
			return null;
		}
		if (this.statusCode < 200) {
			startHead();
			return null;
		}
		if (this.contentLengths > 1) {
			return "more than one Content-Length";
		}
		if (this.transferEncodings > 0) {
			if (this.contentLengths > 0) {
				return "both Content-Length and Transfer-Encoding";
			}
			if (this.transferEncodings > 1 || !"chunked".equals(this.transferEncoding)) {
				return "unsupported Transfer-Encoding";
			}
		}
		if (this.headRequest || this.statusCode == 204 || this.statusCode == 304) {
			this.state = State.IDLE;
		}
		else if (this.transferEncodings > 0) {
			startChunkSize();
		}
		else if (this.contentLength >= 0) {
			this.remaining = this.contentLength;
			this.state = (this.remaining == 0) ? State.IDLE : State.BODY;
		}
		else {
			this.state = State.UNTIL_CLOSE;
		}
		return null;
	}

	private String endOfChunkSize() {
		if (!this.chunkSizeDigits) {
			return "invalid chunk size";
		}
		if (this.chunkSize == 0) {
			this.state = State.TRAILERS;
			this.line.reset();
			return null;
		}
		this.remaining = this.chunkSize;
		this.state = State.CHUNK_DATA;
		return null;
	}

	private String endOfTrailerLine() {
		if (this.line.length == 0) {
			this.state = State.IDLE;
			return null;
		}
		if (!this.line.colon) {
			return "trailer line without colon";
		}
		this.line.reset();
		return null;
	}

	private void startHead() {
		this.state = State.HEAD;
		this.statusLineSeen = false;
		this.statusCode = 0;
		this.contentLength = -1;
		this.contentLengths = 0;
		this.transferEncoding = null;
		this.transferEncodings = 0;
		this.line.reset();
	}

	private void startChunkSize() {
		this.state = State.CHUNK_SIZE;
		this.chunkSize = 0;
		this.chunkSizeDigits = false;
		this.chunkExtension = false;
		this.chunkSizeEnded = false;
		this.line.reset();
	}

	private static boolean startsWith(ByteBuf buffer, String prefix) {
		if (buffer.readableBytes() < prefix.length()) {
			return false;
		}
		for (int i = 0; i < prefix.length(); i++) {
			if (buffer.getByte(buffer.readerIndex() + i) != prefix.charAt(i)) {
				return false;
			}
		}
		return true;
	}

	private enum State {

		/** No response is expected. */
		IDLE,

		/** Reading a response head. */
		HEAD,

		/** Reading a body of known length. */
		BODY,

		/** Reading a chunk-size line. */
		CHUNK_SIZE,

		/** Reading chunk data. */
		CHUNK_DATA,

		/** Expecting the CRLF after chunk data. */
		CHUNK_DATA_END,

		/** Reading trailer lines after the last chunk. */
		TRAILERS,

		/** A body delimited by the end of the connection, which is then not reused. */
		UNTIL_CLOSE,

		/** No longer HTTP after 101 Switching Protocols. */
		UPGRADED

	}

	/**
	 * The line being read: its length, whether its name is complete, and the bytes that
	 * are needed: the status line, and the values of the framing headers.
	 */
	private static final class Line {

		private final byte[] name = new byte[MAX_NAME];

		private byte[] value = new byte[128];

		private int length;

		private int nameLength;

		private int valueLength;

		private boolean colon;

		private boolean cr;

		private boolean framing;

		private boolean isContentLength;

		void reset() {
			this.length = 0;
			this.nameLength = 0;
			this.valueLength = 0;
			this.colon = false;
			this.cr = false;
			this.framing = false;
			this.isContentLength = false;
		}

		void appendName(byte b) {
			if (this.nameLength < MAX_NAME) {
				this.name[this.nameLength] = b;
			}
			this.nameLength++;
			if (this.nameLength == "content-length".length() || this.nameLength == "transfer-encoding".length()) {
				String name = new String(this.name, 0, this.nameLength, StandardCharsets.US_ASCII);
				this.isContentLength = "content-length".equalsIgnoreCase(name);
				this.framing = this.isContentLength || "transfer-encoding".equalsIgnoreCase(name);
			}
			else {
				this.framing = false;
			}
		}

		void append(byte b) {
			if (this.valueLength == this.value.length) {
				if (this.framing && this.valueLength >= MAX_FRAMING_VALUE) {
					return;
				}
				byte[] larger = new byte[this.value.length * 2];
				System.arraycopy(this.value, 0, larger, 0, this.valueLength);
				this.value = larger;
			}
			this.value[this.valueLength++] = b;
		}

		/**
		 * The status code of a status line, {@code HTTP/1.x nnn[ reason]}, or -1 if the
		 * line is not one.
		 */
		int statusCode() {
			byte[] v = this.value;
			int n = this.valueLength;
			if (n < 12 || v[0] != 'H' || v[1] != 'T' || v[2] != 'T' || v[3] != 'P' || v[4] != '/' || v[5] != '1'
					|| v[6] != '.' || (v[7] != '0' && v[7] != '1') || v[8] != ' ' || v[9] < '1' || v[9] > '5'
					|| v[10] < '0' || v[10] > '9' || v[11] < '0' || v[11] > '9' || (n > 12 && v[12] != ' ')) {
				return -1;
			}
			return (v[9] - '0') * 100 + (v[10] - '0') * 10 + (v[11] - '0');
		}

		String text() {
			return new String(this.value, 0, this.valueLength, StandardCharsets.ISO_8859_1);
		}

	}

}
