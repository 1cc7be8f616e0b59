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

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;

import io.github.gatewayerrorpolicy.classify.DefaultUpstreamFailureClassifier;
import io.github.gatewayerrorpolicy.classify.ErrorType;
import io.github.gatewayerrorpolicy.classify.UpstreamFailure;
import io.github.gatewayerrorpolicy.classify.UpstreamPhase;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.timeout.ReadTimeoutException;
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
import reactor.netty.http.client.PrematureCloseException;

/**
 * The classifier, for failures of the kinds the gateway's HTTP client raises. The
 * exceptions are made once: making them is the client's cost, not the policy's.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ClassifierBenchmark {

	@Param({ "connection_refused", "connection_timeout", "dns_error", "connection_terminated",
			"http_response_timeout" })
	public String failure;

	private final DefaultUpstreamFailureClassifier classifier = new DefaultUpstreamFailureClassifier();

	private UpstreamFailure upstreamFailure;

	@Setup
	public void createFailure() {
		Throwable error = switch (this.failure) {
			case "connection_refused" -> new ConnectException("Connection refused: /127.0.0.1:9");
			case "connection_timeout" -> new ConnectTimeoutException("connection timed out after 1000 ms");
			case "dns_error" -> new UnknownHostException("Failed to resolve 'upstream.invalid'");
			case "connection_terminated" -> PrematureCloseException.TEST_EXCEPTION;
			case "http_response_timeout" -> ReadTimeoutException.INSTANCE;
			default -> throw new IllegalArgumentException(this.failure);
		};
		this.upstreamFailure = new UpstreamFailure(error, UpstreamPhase.BEFORE_RESPONSE);
	}

	@Benchmark
	public ErrorType classify() {
		return this.classifier.classify(this.upstreamFailure);
	}

}
