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

import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.gatewayerrorpolicy.classify.ErrorType;
import io.github.gatewayerrorpolicy.classify.UpstreamPhase;
import io.github.gatewayerrorpolicy.policy.ErrorPolicy;
import io.github.gatewayerrorpolicy.policy.ProxyStatus;
import io.github.gatewayerrorpolicy.web.ErrorMessages;
import io.github.gatewayerrorpolicy.web.ErrorResponseWriter;
import io.github.gatewayerrorpolicy.web.HtmlErrorRenderer;
import io.github.gatewayerrorpolicy.web.PlainTextErrorRenderer;
import io.github.gatewayerrorpolicy.web.ProblemDetailRenderer;
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
import org.openjdk.jmh.annotations.Warmup;

import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

/**
 * The answer to one failure, as the policy writes it: language and media type chosen,
 * texts looked up, the body rendered by the problem document, page or plain-text renderer
 * and written to the response. Each invocation uses a new exchange, whose making is
 * measured too, as {@code exchangeOnly}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = { "-Xms1g", "-Xmx1g" })
public class ErrorResponseBenchmark {

	@Param({ "application/problem+json", "text/html", "text/plain" })
	public String accept;

	private ErrorResponseWriter writer;

	private ErrorPolicy policy;

	@Setup
	public void createWriter() {
		ErrorMessages messages = new ErrorMessages();
		this.writer = new ErrorResponseWriter(messages,
				List.of(new ProblemDetailRenderer(ServerCodecConfigurer.create()),
						new HtmlErrorRenderer(messages, null), new PlainTextErrorRenderer()));
		this.policy = ErrorPolicy.builder().proxyStatus(new ProxyStatus("gateway")).build();
	}

	private MockServerWebExchange exchange() {
		return MockServerWebExchange.from(MockServerHttpRequest.get("/orders/42")
			.header("Accept", this.accept)
			.header("Accept-Language", "en-US,en;q=0.9"));
	}

	@Benchmark
	public MockServerWebExchange exchangeOnly() {
		return exchange();
	}

	@Benchmark
	public MockServerWebExchange writeFailure() {
		MockServerWebExchange exchange = exchange();
		this.writer
			.writeFailure(exchange, this.policy, ErrorType.CONNECTION_REFUSED, UpstreamPhase.BEFORE_RESPONSE,
					"6b03c9e8b165c49f74e22660d5de101a")
			.block();
		return exchange;
	}

}
