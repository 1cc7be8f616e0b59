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

package io.github.gatewayerrorpolicy.benchmarks;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import io.github.gatewayerrorpolicy.client.ResponseFramingValidator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The framing validator on a typical upstream exchange: a request goes out, and a
 * response with a dozen headers and a 1 KiB body comes back in one read, framed by
 * {@code Content-Length} or chunked. The handlers around it only release what they get,
 * so the time is the validator's and the pipeline's.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ResponseFramingValidatorBenchmark {

	private static final String HEAD = "HTTP/1.1 200 OK\r\nDate: Sun, 29 Nov 2026 10:00:00 GMT\r\n"
			+ "Server: nginx/1.22.1\r\nContent-Type: application/json\r\nCache-Control: max-age=60\r\n"
			+ "ETag: \"5f3a9c1e-400\"\r\nLast-Modified: Sun, 29 Nov 2026 09:00:00 GMT\r\n"
			+ "Vary: Accept-Encoding\r\nX-Request-Id: 7d9f2c4e-1b3a-4c5d-8e6f-0a1b2c3d4e5f\r\n"
			+ "Strict-Transport-Security: max-age=31536000\r\nX-Content-Type-Options: nosniff\r\n"
			+ "Connection: keep-alive\r\n";

	private static final String BODY = "{\"items\":[" + "{\"id\":1,\"name\":\"item\"},".repeat(44) + "{}]}   ";

	@Param({ "content-length", "chunked" })
	public String framing;

	private EmbeddedChannel channel;

	private ChannelHandlerContext last;

	private EmbeddedChannel bare;

	private ChannelHandlerContext bareLast;

	private ByteBuf request;

	private ByteBuf response;

	@Setup
	public void setUp() {
		String response = "content-length".equals(this.framing)
				? HEAD + "Content-Length: " + BODY.length() + "\r\n\r\n" + BODY
				: HEAD + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(512) + "\r\n"
						+ BODY.substring(0, 512) + "\r\n" + Integer.toHexString(BODY.length() - 512) + "\r\n"
						+ BODY.substring(512) + "\r\n0\r\n\r\n";
		this.request = direct("GET /items HTTP/1.1\r\nHost: upstream\r\nAccept: application/json\r\n\r\n");
		this.response = direct(response);
		this.channel = new EmbeddedChannel(new ReleasingOutbound(), new ResponseFramingValidator(),
				new ReleasingInbound());
		this.last = this.channel.pipeline().lastContext();
		this.bare = new EmbeddedChannel(new ReleasingOutbound(), new ReleasingInbound());
		this.bareLast = this.bare.pipeline().lastContext();
	}

	private static ByteBuf direct(String text) {
		byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
		return Unpooled.directBuffer(bytes.length).writeBytes(bytes);
	}

	@Benchmark
	public void exchange() {
		this.last.write(this.request.retainedDuplicate(), this.last.voidPromise());
		this.channel.pipeline().fireChannelRead(this.response.retainedDuplicate());
	}

	/**
	 * The same exchange without the validator: what the pipeline itself costs.
	 */
	@Benchmark
	public void exchangeWithoutValidator() {
		this.bareLast.write(this.request.retainedDuplicate(), this.bareLast.voidPromise());
		this.bare.pipeline().fireChannelRead(this.response.retainedDuplicate());
	}

	@TearDown
	public void tearDown() {
		if (!this.channel.isOpen()) {
			throw new IllegalStateException("The validator closed the connection: a response was not accepted");
		}
		this.channel.finishAndReleaseAll();
		this.bare.finishAndReleaseAll();
		this.request.release();
		this.response.release();
	}

	/**
	 * Stands for the socket: takes what is written.
	 */
	private static final class ReleasingOutbound extends ChannelOutboundHandlerAdapter {

		@Override
		public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
			ReferenceCountUtil.release(msg);
		}

	}

	/**
	 * Stands for the codec: takes what is read.
	 */
	private static final class ReleasingInbound extends ChannelInboundHandlerAdapter {

		@Override
		public void channelRead(ChannelHandlerContext ctx, Object msg) {
			ReferenceCountUtil.release(msg);
		}

	}

}
