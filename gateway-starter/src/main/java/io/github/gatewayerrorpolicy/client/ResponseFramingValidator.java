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

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import org.jspecify.annotations.Nullable;
import reactor.netty.Connection;

/**
 * Finds where each upstream response on an HTTP/1.1 connection ends, and passes on to
 * Netty's codec exactly the bytes of that response. It sits between the socket (or TLS)
 * and the codec of the gateway's HTTP client.
 * <p>
 * Netty's decoder (4.2, with the defaults of {@code HttpDecoderConfig} that Reactor Netty
 * keeps) already rejects a missing colon, a bare CR or LF, invalid characters in header
 * names and values, more than one {@code Content-Length} or one that is not a number,
 * {@code Content-Length} with {@code Transfer-Encoding}, and malformed chunk sizes and
 * chunk delimiters. This handler checks only what Netty lets through, where a proxy must
 * not:
 * <ul>
 * <li>bytes after a complete response, or while no request is outstanding (including a
 * body on a response to {@code HEAD}, or on 204 and 304), which Netty would keep for the
 * next request on that pooled connection: they are dropped, and the connection is marked
 * as not reusable and closed before the response is passed on, so that it cannot go back
 * to the pool;</li>
 * <li>whitespace in a header name or before its colon, and obs-fold (a line that
 * continues the previous one), which Netty removes and joins;</li>
 * <li>a {@code Transfer-Encoding} other than {@code chunked} alone, which Netty reads
 * until the connection closes (RFC 9209 calls it {@code http_response_transfer_coding});
 * </li>
 * <li>a status line other than {@code HTTP/1.x} with a status in 100..599.</li>
 * </ul>
 * These fail the exchange with an {@link InvalidUpstreamResponseException} and close the
 * connection. The framing ({@code Content-Length}, chunk sizes) is read only as far as
 * finding the end of a response needs; when it cannot be read, the exchange fails the
 * same way, as Netty would fail it. After a {@code 101 Switching Protocols} the
 * connection is no longer HTTP and is left alone.
 */
public class ResponseFramingValidator extends ChannelDuplexHandler {

	/** The start of a HEAD request line: no other method starts so. */
	private static final byte[] HEAD = HttpLines.bytes("head ");

	private final PartialLine partialLine = new PartialLine();

	private State state = State.IDLE;

	private boolean headRequest;

	private boolean statusLineSeen;

	private int statusCode;

	private long contentLength;

	private int contentLengths;

	private int transferEncodings;

	private long remaining;

	@Override
	public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
		if (this.state == State.IDLE && msg instanceof ByteBuf request && request.isReadable()) {
			this.headRequest = request.readableBytes() > HEAD.length
					&& HttpLines.equalsIgnoreCase(request, request.readerIndex(), HEAD);
			startHead();
		}
		super.write(ctx, msg, promise);
	}

	@Override
	public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
		if (!(msg instanceof ByteBuf in) || this.state == State.PASS) {
			super.channelRead(ctx, msg);
			return;
		}
		if (this.state == State.CLOSED) {
			in.release();
			return;
		}
		int start = in.readerIndex();
		int end = in.writerIndex();
		int index = start;
		String violation = null;
		while (index < end && violation == null && this.state != State.IDLE && this.state != State.PASS) {
			switch (this.state) {
				case BODY, CHUNK_DATA, CHUNK_DELIMITER -> {
					long take = Math.min(this.remaining, end - index);
					index += (int) take;
					this.remaining -= take;
					if (this.remaining == 0) {
						afterData();
					}
				}
				case UNTIL_CLOSE -> index = end;
				default -> {
					int lf = in.indexOf(index, end, (byte) '\n');
					violation = (lf != -1) ? line(in, index, lf)
							: this.partialLine.append(in, index, end) ? null : "line too long";
					index = (lf != -1) ? lf + 1 : end;
				}
			}
		}
		if (violation != null) {
			this.state = State.CLOSED;
			in.release();
			ctx.fireExceptionCaught(new InvalidUpstreamResponseException(violation));
			ctx.close();
		}
		else if (index < end && this.state == State.IDLE) {
			// bytes after a complete response, or while none is expected: mark the
			// connection as not reusable and close it first, so that it cannot go back to
			// the pool when the response completes (a TLS close waits for close_notify)
			this.state = State.CLOSED;
			Connection.from(ctx.channel()).markPersistent(false);
			ctx.close();
			if (index > start) {
				ctx.fireChannelRead(in.retainedSlice(start, index - start));
			}
			in.release();
		}
		else if (end > start || this.state != State.IDLE) {
			super.channelRead(ctx, msg);
		}
		else {
			in.release();
		}
	}

	/**
	 * One line, from {@code from} up to its LF at {@code lf}, after any part of it that
	 * came in earlier reads.
	 * @return what is wrong, or {@code null}
	 */
	private @Nullable String line(ByteBuf in, int from, int lf) {
		ByteBuf line = in;
		int start = from;
		int end = lf;
		if (!this.partialLine.isEmpty()) {
			line = this.partialLine.complete(in, from, lf);
			if (line == null) {
				return "line too long";
			}
			start = line.readerIndex();
			end = line.writerIndex();
		}
		if (end > start && line.getByte(end - 1) == '\r') {
			end--;
		}
		return switch (this.state) {
			case HEAD -> headLine(line, start, end);
			case TRAILERS ->
				(start == end) ? endOfMessage() : HttpLines.nameViolation(HttpLines.colon(line, start, end));
			case CHUNK_SIZE -> chunkSize(HttpLines.chunkSize(line, start, end));
			default -> "unexpected state " + this.state;
		};
	}

	private @Nullable String headLine(ByteBuf line, int start, int end) {
		if (!this.statusLineSeen) {
			this.statusLineSeen = true;
			this.statusCode = HttpLines.statusCode(line, start, end);
			return (this.statusCode < 0) ? "invalid status line" : null;
		}
		if (start == end) {
			return endOfHead();
		}
		int colon = HttpLines.colon(line, start, end);
		if (colon < 0) {
			return HttpLines.nameViolation(colon);
		}
		if (HttpLines.isContentLength(line, start, colon)) {
			this.contentLengths++;
			this.contentLength = HttpLines.number(line, colon + 1, end);
			return (this.contentLength < 0) ? "invalid Content-Length" : null;
		}
		if (HttpLines.isTransferEncoding(line, start, colon)) {
			this.transferEncodings++;
			return HttpLines.isChunked(line, colon + 1, end) ? null : "unsupported Transfer-Encoding";
		}
		return null;
	}

	private @Nullable String endOfHead() {
		if (this.statusCode == 101) {
			this.state = State.PASS;
			return null;
		}
		if (this.statusCode < 200) {
			startHead();
			return null;
		}
		if (this.contentLengths > 1) {
			return "more than one Content-Length";
		}
		if (this.transferEncodings > 0 && this.contentLengths > 0) {
			return "both Content-Length and Transfer-Encoding";
		}
		if (this.transferEncodings > 1) {
			return "unsupported Transfer-Encoding";
		}
		if (this.headRequest || this.statusCode == 204 || this.statusCode == 304) {
			return endOfMessage();
		}
		if (this.transferEncodings > 0) {
			this.state = State.CHUNK_SIZE;
		}
		else if (this.contentLengths > 0) {
			this.remaining = this.contentLength;
			this.state = State.BODY;
			if (this.remaining == 0) {
				afterData();
			}
		}
		else {
			this.state = State.UNTIL_CLOSE;
		}
		return null;
	}

	private @Nullable String chunkSize(long size) {
		if (size < 0) {
			return "invalid chunk size";
		}
		this.remaining = size;
		this.state = (size == 0) ? State.TRAILERS : State.CHUNK_DATA;
		return null;
	}

	private void afterData() {
		if (this.state == State.CHUNK_DATA) {
			this.remaining = 2;
			this.state = State.CHUNK_DELIMITER;
		}
		else {
			this.state = (this.state == State.CHUNK_DELIMITER) ? State.CHUNK_SIZE : State.IDLE;
		}
	}

	private @Nullable String endOfMessage() {
		this.state = State.IDLE;
		return null;
	}

	private void startHead() {
		this.state = State.HEAD;
		this.statusLineSeen = false;
		this.statusCode = 0;
		this.contentLength = -1;
		this.contentLengths = 0;
		this.transferEncodings = 0;
		this.partialLine.clear();
	}

	/**
	 * Where in the exchange the connection is: no response expected ({@code IDLE}), a
	 * head, a body of known length, a chunk-size line, chunk data, the CRLF after it
	 * (which Netty checks), trailers, a body that ends with the connection; then
	 * {@code PASS} (no longer HTTP after 101) or {@code CLOSED} (nothing more is passed
	 * on).
	 */
	private enum State {

		IDLE, HEAD, BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_DELIMITER, TRAILERS, UNTIL_CLOSE, PASS, CLOSED

	}

}
