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
import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link ResponseFramingValidator}, on an embedded channel: what it passes on,
 * what it rejects, and when it closes the connection, whether bytes come at once or one
 * at a time.
 */
class ResponseFramingValidatorTests {

	@ParameterizedTest
	@ValueSource(booleans = { false, true })
	void passesValidResponsesOnUnchanged(boolean byteByByte) {
		String[] responses = { "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Empty:\r\nX-Tab: a\tb\r\n\r\nok",
				"HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n2;name=\"v a\"\r\nok\r\n3 \r\nabc\r\n0\r\n"
						+ "Trailer-One: x\r\n\r\n",
				"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
				"HTTP/1.1 503 \u00c9chec\u0085 ok\r\nContent-Length: 1\r\n\r\nx", "HTTP/1.1 204 No Content\r\n\r\n",
				"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabc" };
		EmbeddedChannel channel = channel();
		for (String response : responses) {
			request(channel, "GET");
			assertThat(receive(channel, response, byteByByte)).isEqualTo(response);
			assertThat(channel.isOpen()).as(response).isTrue();
		}
	}

	@Test
	void headResponseHasNoBody() {
		EmbeddedChannel channel = channel();
		request(channel, "HEAD");
		String head = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
		assertThat(receive(channel, head, false)).isEqualTo(head);
		assertThat(channel.isOpen()).isTrue();
		request(channel, "GET");
		assertThat(receive(channel, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", false)).endsWith("\r\n\r\nx");
	}

	@ParameterizedTest
	@ValueSource(booleans = { false, true })
	void dropsBytesBeyondTheFrameAndCloses(boolean byteByByte) {
		EmbeddedChannel channel = channel();
		request(channel, "GET");
		String framed = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
		assertThat(receive(channel, framed + "HTTP/1.1 200 OK\r\n", byteByByte)).isEqualTo(framed);
		assertThat(channel.isOpen()).isFalse();
	}

	@ParameterizedTest
	@ValueSource(booleans = { false, true })
	void closesOnBytesWhileNoResponseIsExpected(boolean byteByByte) {
		EmbeddedChannel channel = channel();
		assertThat(receive(channel, "HTTP/1.1 200 OK\r\n\r\n", byteByByte)).isEmpty();
		assertThat(channel.isOpen()).isFalse();
	}

	@ParameterizedTest
	@ValueSource(strings = { "HTTP/1.1 200 OK\r\nX-A : b\r\n\r\n", "HTTP/1.1 200 OK\r\nX A: b\r\n\r\n",
			"HTTP/1.1 200 OK\r\n X-A: b\r\n\r\n", "HTTP/1.1 200 OK\r\nX-A: b\r\n\tc\r\n\r\n",
			"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
			"HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\nx",
			"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
			"HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\n", "HTTP/1.1 99 Low\r\n\r\n",
			"HTTP/1.1 600 High\r\n\r\n", "HTTP/2.0 200 OK\r\n\r\n",
			"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n",
			"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n",
			"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T : a\r\n\r\n", "junk\r\n\r\n" })
	void rejectsAndCloses(String response) {
		for (boolean byteByByte : new boolean[] { false, true }) {
			EmbeddedChannel channel = channel();
			request(channel, "GET");
			assertThatExceptionOfType(InvalidUpstreamResponseException.class)
				.isThrownBy(() -> receive(channel, response, byteByByte));
			assertThat(channel.isOpen()).isFalse();
		}
	}

	/**
	 * What Netty's decoder rejects itself (a name that is empty or not a token, a control
	 * character in a value, a bare CR, a chunk size followed by anything but an
	 * extension) is passed on for it to reject; {@code MalformedResponseTests} proves
	 * that it does.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "HTTP/1.1 200 OK\r\n: b\r\nContent-Length: 0\r\n\r\n",
			"HTTP/1.1 200 OK\r\nX-A: \u007f\r\nContent-Length: 0\r\n\r\n",
			"HTTP/1.1 200 OK\r\nX-A: b\rc\r\nContent-Length: 0\r\n\r\n",
			"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2 3\r\nok\r\n0\r\n\r\n" })
	void passesOnWhatNettyRejects(String response) {
		for (boolean byteByByte : new boolean[] { false, true }) {
			EmbeddedChannel channel = channel();
			request(channel, "GET");
			assertThat(receive(channel, response, byteByByte)).isEqualTo(response);
		}
	}

	@Test
	void leavesUpgradedConnectionsAlone() {
		EmbeddedChannel channel = channel();
		request(channel, "GET");
		String upgrade = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
		assertThat(receive(channel, upgrade + "\u0081\u0002hi", false)).isEqualTo(upgrade + "\u0081\u0002hi");
		assertThat(receive(channel, "\u0082\u0000", false)).isEqualTo("\u0082\u0000");
		assertThat(channel.isOpen()).isTrue();
	}

	@ParameterizedTest
	@ValueSource(booleans = { false, true })
	void bodyUntilCloseIsPassedOn(boolean byteByByte) {
		EmbeddedChannel channel = channel();
		request(channel, "GET");
		assertThat(receive(channel, "HTTP/1.1 200 OK\r\n\r\nstream", byteByByte))
			.isEqualTo("HTTP/1.1 200 OK\r\n\r\nstream");
		assertThat(receive(channel, " goes on", byteByByte)).isEqualTo(" goes on");
		assertThat(channel.isOpen()).isTrue();
	}

	/**
	 * Every buffer the tests feed in, or that the validator passes on: each must end with
	 * its reference count at zero, whatever the validator did with it.
	 */
	private final List<ByteBuf> buffers = new ArrayList<>();

	private EmbeddedChannel channel() {
		return new EmbeddedChannel(new ResponseFramingValidator());
	}

	@AfterEach
	void everyBufferIsReleased() {
		assertThat(this.buffers).isNotEmpty()
			.allSatisfy((buffer) -> assertThat(buffer.refCnt()).as("reference count").isZero());
	}

	private void request(EmbeddedChannel channel, String method) {
		channel.writeOutbound(
				Unpooled.copiedBuffer(method + " /x HTTP/1.1\r\nHost: up\r\n\r\n", StandardCharsets.ISO_8859_1));
		ByteBuf written = channel.readOutbound();
		written.release();
	}

	/**
	 * Feed bytes in, and return what the validator passed on; rethrows what it fired.
	 */
	private String receive(EmbeddedChannel channel, String response, boolean byteByByte) {
		byte[] bytes = response.getBytes(StandardCharsets.ISO_8859_1);
		StringBuilder passed = new StringBuilder();
		try {
			if (byteByByte) {
				for (byte b : bytes) {
					if (channel.isOpen()) {
						channel.writeInbound(tracked(new byte[] { b }));
					}
				}
			}
			else {
				channel.writeInbound(tracked(bytes));
			}
		}
		finally {
			// what was passed on before a write raised what the validator fired
			for (ByteBuf buffer = channel.readInbound(); buffer != null; buffer = channel.readInbound()) {
				this.buffers.add(buffer);
				passed.append(buffer.toString(StandardCharsets.ISO_8859_1));
				buffer.release();
			}
		}
		channel.checkException();
		return passed.toString();
	}

	/**
	 * A direct buffer, as a socket's would be, kept to check that it ends released.
	 */
	private ByteBuf tracked(byte[] bytes) {
		ByteBuf buffer = Unpooled.directBuffer(bytes.length).writeBytes(bytes);
		this.buffers.add(buffer);
		return buffer;
	}

}
