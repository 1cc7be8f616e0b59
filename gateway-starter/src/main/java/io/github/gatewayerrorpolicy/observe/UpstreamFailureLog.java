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

import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import io.github.gatewayerrorpolicy.policy.PerRouteState;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.slf4j.spi.LoggingEventBuilder;

import org.springframework.web.server.ServerWebExchange;

/**
 * Logs one line per failed upstream exchange: at WARN when the gateway answered or
 * aborted, at INFO when an upstream 5xx was passed through or masked, at DEBUG when the
 * request was turned away because its upstream is ejected (the ejection itself is logged
 * once, by {@link io.github.gatewayerrorpolicy.health.UpstreamHealth}). No stack trace
 * unless this logger is at DEBUG. Every value is also a key-value pair, which Spring
 * Boot's structured logging writes as a field: {@code route}, {@code error_type},
 * {@code status}, {@code outcome}, {@code request_id}, {@code attempts} and
 * {@code trace_id}.
 * <p>
 * With a limit, at most that many lines are written per route in each period; the number
 * suppressed, by error type, is logged with the first failure after the period.
 */
public class UpstreamFailureLog implements UpstreamFailureListener, PerRouteState {

	private static final Logger logger = LoggerFactory.getLogger(UpstreamFailureLog.class);

	private final int linesPerRoute;

	private final long periodNanos;

	private final LongSupplier nanoTime;

	private final Map<String, Window> windows = new ConcurrentHashMap<>();

	/**
	 * Create a log without a limit.
	 */
	public UpstreamFailureLog() {
		this(0, Duration.ofSeconds(10), System::nanoTime);
	}

	/**
	 * Create a log.
	 * @param linesPerRoute the most lines per route and period, or {@code 0} for no limit
	 * @param period the period
	 * @param nanoTime the clock
	 */
	public UpstreamFailureLog(int linesPerRoute, Duration period, LongSupplier nanoTime) {
		this.linesPerRoute = linesPerRoute;
		this.periodNanos = period.toNanos();
		this.nanoTime = nanoTime;
	}

	@Override
	public void onUpstreamFailure(UpstreamFailureEvent event, ServerWebExchange exchange) {
		Level level = switch (event.outcome()) {
			case RESPONDED, ABORTED -> Level.WARN;
			// the ejection was logged, with its upstream and cause; each request it turns
			// away is counted, and logged only at debug
			case EJECTED -> Level.DEBUG;
			default -> Level.INFO;
		};
		if (!logger.isEnabledForLevel(level)) {
			return;
		}
		String route = LogSanitizer.clean(event.routeId());
		String errorType = (event.type() != null) ? event.type().token() : "none";
		if (this.linesPerRoute > 0 && !admit(route, errorType)) {
			return;
		}
		LoggingEventBuilder line = logger.atLevel(level)
			.addKeyValue("route", route)
			.addKeyValue("error_type", errorType)
			.addKeyValue("status", event.status())
			.addKeyValue("outcome", event.outcome().tag())
			.addKeyValue("request_id", event.requestId())
			.addKeyValue("attempts", event.attempts());
		StringBuilder message = new StringBuilder(128).append("Upstream failure: route=")
			.append(route)
			.append(" error=")
			.append(errorType)
			.append(" status=")
			.append(event.status())
			.append(" outcome=")
			.append(event.outcome().tag())
			.append(" request=")
			.append(event.requestId())
			.append(" attempts=")
			.append(event.attempts());
		if (!UpstreamFailureEvent.HTTP.equals(event.protocol())) {
			line.addKeyValue("protocol", event.protocol());
			message.append(" protocol=").append(event.protocol());
		}
		if (event.traceId() != null) {
			line.addKeyValue("trace_id", event.traceId());
			message.append(" trace=").append(event.traceId());
		}
		if (event.error() != null && logger.isDebugEnabled()) {
			line.setCause(event.error());
		}
		line.log(message.toString());
	}

	@Override
	public void retainRoutes(Set<String> routeIds) {
		Set<String> kept = new HashSet<>();
		routeIds.forEach((id) -> kept.add(LogSanitizer.clean(id)));
		kept.add(LogSanitizer.clean(null));
		this.windows.keySet().retainAll(kept);
	}

	/**
	 * Whether a line may be written for the route now; reports what the last period
	 * suppressed when a new period begins.
	 */
	private boolean admit(String route, String errorType) {
		Window window = this.windows.computeIfAbsent(route, (key) -> new Window(this.nanoTime.getAsLong()));
		Map<String, Long> suppressed = null;
		boolean admitted;
		synchronized (window) {
			long now = this.nanoTime.getAsLong();
			if (now - window.start >= this.periodNanos) {
				if (!window.suppressed.isEmpty()) {
					suppressed = new TreeMap<>(window.suppressed);
				}
				window.reset(now);
			}
			admitted = window.logged < this.linesPerRoute;
			if (admitted) {
				window.logged++;
			}
			else {
				window.suppressed.merge(errorType, 1L, Long::sum);
			}
		}
		if (suppressed != null) {
			reportSuppressed(route, suppressed);
		}
		return admitted;
	}

	private void reportSuppressed(String route, Map<String, Long> suppressed) {
		long total = suppressed.values().stream().mapToLong(Long::longValue).sum();
		logger.atWarn()
			.addKeyValue("route", route)
			.addKeyValue("suppressed", total)
			.log("Upstream failure log lines suppressed: route={} count={} period={}s by_error={}", route, total,
					Duration.ofNanos(this.periodNanos).toSeconds(), suppressed);
	}

	private static final class Window {

		private long start;

		private int logged;

		private final Map<String, Long> suppressed = new TreeMap<>();

		Window(long start) {
			this.start = start;
		}

		void reset(long now) {
			this.start = now;
			this.logged = 0;
			this.suppressed.clear();
		}

	}

	/**
	 * Makes a value safe to put in a log line: control characters such as CR and LF,
	 * which could forge extra lines, are replaced.
	 */
	public static final class LogSanitizer {

		private LogSanitizer() {
		}

		/**
		 * Return a value safe for a log line.
		 * @param value the value, possibly {@code null}
		 * @return the value with control characters replaced, or {@code none}
		 */
		public static String clean(@Nullable String value) {
			if (value == null) {
				return "none";
			}
			for (int i = 0; i < value.length(); i++) {
				if (Character.isISOControl(value.charAt(i))) {
					StringBuilder clean = new StringBuilder(value.length());
					for (int j = 0; j < value.length(); j++) {
						char c = value.charAt(j);
						clean.append(Character.isISOControl(c) ? '_' : c);
					}
					return clean.toString();
				}
			}
			return value;
		}

	}

}
