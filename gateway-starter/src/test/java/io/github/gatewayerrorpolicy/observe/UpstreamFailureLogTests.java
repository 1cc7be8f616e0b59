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

package io.github.gatewayerrorpolicy.observe;

import java.io.ByteArrayOutputStream;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.read.ListAppender;
import io.github.gatewayerrorpolicy.classify.ErrorType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.logging.logback.StructuredLogEncoder;
import org.springframework.core.env.Environment;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link UpstreamFailureLog}, on Logback appenders attached to its logger.
 */
class UpstreamFailureLogTests {

	/**
	 * What the HTTP client raised, as every event of these tests carries it.
	 */
	static final ConnectException FAILURE = new ConnectException("Connection refused: /10.0.0.7:8080");

	private final MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/"));

	private final Logger logger = (Logger) LoggerFactory.getLogger(UpstreamFailureLog.class);

	private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

	@BeforeEach
	void attach() {
		this.lines.start();
		this.logger.addAppender(this.lines);
	}

	@AfterEach
	void detach() {
		this.logger.detachAppender(this.lines);
	}

	@Test
	void writesOneLineWithEveryValueAlsoAsAField() {
		new UpstreamFailureLog().onUpstreamFailure(event("orders", ErrorType.CONNECTION_REFUSED, 502, Outcome.RESPONDED,
				"4bf92f3577b34da6a3ce929d0e0e4736"), this.exchange);
		assertThat(this.lines.list).singleElement().satisfies((line) -> {
			assertThat(line.getLevel()).hasToString("WARN");
			assertThat(line.getFormattedMessage()).isEqualTo("Upstream failure: route=orders error=connection_refused "
					+ "status=502 outcome=responded request=1a2b3c4d-7 attempts=1 trace=4bf92f3577b34da6a3ce929d0e0e4736");
			assertThat(fields(line)).containsExactly(Map.entry("route", "orders"),
					Map.entry("error_type", "connection_refused"), Map.entry("status", "502"),
					Map.entry("outcome", "responded"), Map.entry("request_id", "1a2b3c4d-7"),
					Map.entry("attempts", "1"), Map.entry("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"));
			assertThat(line.getThrowableProxy()).as("no stack trace unless at debug").isNull();
		});
	}

	@Test
	void stackTraceOnlyAtDebug() {
		Level level = this.logger.getLevel();
		try {
			this.logger.setLevel(Level.DEBUG);
			new UpstreamFailureLog().onUpstreamFailure(
					event("orders", ErrorType.CONNECTION_REFUSED, 502, Outcome.RESPONDED, null), this.exchange);
			assertThat(this.lines.list).singleElement()
				.satisfies((line) -> assertThat(line.getThrowableProxy()).as("the cause, at debug")
					.isNotNull()
					.satisfies(
							(cause) -> assertThat(cause.getClassName()).isEqualTo(ConnectException.class.getName())));
		}
		finally {
			this.logger.setLevel(level);
		}
	}

	@Test
	void passedThroughIsInfoAndNeutralisesControlCharacters() {
		new UpstreamFailureLog().onUpstreamFailure(event("a\r\nfake line", null, 503, Outcome.PASSED_THROUGH, null),
				this.exchange);
		assertThat(this.lines.list).singleElement().satisfies((line) -> {
			assertThat(line.getLevel()).hasToString("INFO");
			assertThat(line.getFormattedMessage()).isEqualTo(
					"Upstream failure: route=a__fake line error=none status=503 outcome=passed-through request=1a2b3c4d-7 attempts=1");
		});
	}

	@Test
	void limitsLinesPerRouteAndReportsWhatItSuppressed() {
		AtomicLong now = new AtomicLong();
		UpstreamFailureLog log = new UpstreamFailureLog(3, Duration.ofSeconds(10), now::get);
		for (int i = 0; i < 10; i++) {
			log.onUpstreamFailure(
					event("orders", (i % 2 == 0) ? ErrorType.CONNECTION_REFUSED : ErrorType.HTTP_RESPONSE_TIMEOUT, 502,
							Outcome.RESPONDED, null),
					this.exchange);
			log.onUpstreamFailure(event("payments", ErrorType.DNS_ERROR, 502, Outcome.RESPONDED, null), this.exchange);
		}
		assertThat(messages()).hasSize(6).allMatch((message) -> message.startsWith("Upstream failure: route="));
		now.addAndGet(Duration.ofSeconds(10).toNanos());
		log.onUpstreamFailure(event("orders", ErrorType.CONNECTION_REFUSED, 502, Outcome.RESPONDED, null),
				this.exchange);
		assertThat(messages().subList(6, messages().size())).containsExactly(
				"Upstream failure log lines suppressed: route=orders count=7 period=10s "
						+ "by_error={connection_refused=3, http_response_timeout=4}",
				"Upstream failure: route=orders error=connection_refused status=502 outcome=responded request=1a2b3c4d-7 attempts=1");
		now.addAndGet(Duration.ofSeconds(10).toNanos());
		log.onUpstreamFailure(event("orders", ErrorType.CONNECTION_REFUSED, 502, Outcome.RESPONDED, null),
				this.exchange);
		assertThat(messages()).as("nothing was suppressed in the last period, so no summary").hasSize(9);
	}

	@Test
	void forgetsTheLimitOfRoutesThatWentAway() {
		AtomicLong now = new AtomicLong();
		UpstreamFailureLog log = new UpstreamFailureLog(1, Duration.ofSeconds(10), now::get);
		for (String route : List.of("kept", "gone", "kept", "gone")) {
			log.onUpstreamFailure(event(route, ErrorType.CONNECTION_REFUSED, 502, Outcome.RESPONDED, null),
					this.exchange);
		}
		assertThat(messages()).hasSize(2);
		log.retainRoutes(Set.of("kept"));
		for (String route : List.of("kept", "gone")) {
			log.onUpstreamFailure(event(route, ErrorType.CONNECTION_REFUSED, 502, Outcome.RESPONDED, null),
					this.exchange);
		}
		assertThat(messages().subList(2, messages().size())).as("a route of the same id starts afresh")
			.singleElement()
			.satisfies((message) -> assertThat(message).startsWith("Upstream failure: route=gone "));
	}

	@ParameterizedTest
	@ValueSource(strings = { "logstash", "ecs" })
	void structuredLoggingWritesTheFields(String format) {
		LoggerContext context = this.logger.getLoggerContext();
		if (context.getObject(Environment.class.getName()) == null) {
			context.putObject(Environment.class.getName(), new StandardEnvironment());
		}
		StructuredLogEncoder encoder = new StructuredLogEncoder();
		encoder.setContext(context);
		encoder.setFormat(format);
		encoder.start();
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
		appender.setContext(context);
		appender.setEncoder(encoder);
		appender.setOutputStream(out);
		appender.start();
		this.logger.addAppender(appender);
		try {
			new UpstreamFailureLog().onUpstreamFailure(
					event("orders", ErrorType.HTTP_RESPONSE_TIMEOUT, 504, Outcome.RESPONDED, "0af7651916cd43dd"),
					this.exchange);
		}
		finally {
			this.logger.detachAppender(appender);
			appender.stop();
		}
		JsonNode json = JsonMapper.builder().build().readTree(out.toString(StandardCharsets.UTF_8));
		assertThat(json.get("route").asString()).isEqualTo("orders");
		assertThat(json.get("error_type").asString()).isEqualTo("http_response_timeout");
		assertThat(json.get("status").asInt()).isEqualTo(504);
		assertThat(json.get("outcome").asString()).isEqualTo("responded");
		assertThat(json.get("request_id").asString()).isEqualTo("1a2b3c4d-7");
		assertThat(json.get("trace_id").asString()).isEqualTo("0af7651916cd43dd");
	}

	private List<String> messages() {
		return this.lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
	}

	private static Map<String, String> fields(ILoggingEvent line) {
		return line.getKeyValuePairs()
			.stream()
			.collect(Collectors.toMap((pair) -> pair.key, (pair) -> String.valueOf(pair.value), (a, b) -> a,
					java.util.LinkedHashMap::new));
	}

	static UpstreamFailureEvent event(String route, ErrorType type, int status, Outcome outcome, String traceId) {
		return new UpstreamFailureEvent(Instant.parse("2026-11-23T02:00:00Z"), route, "GET", type, status, outcome,
				"1a2b3c4d-7", traceId, Duration.ofMillis(12), 1, FAILURE);
	}

}
