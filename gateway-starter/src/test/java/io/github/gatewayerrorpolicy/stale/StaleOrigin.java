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

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.github.gatewayerrorpolicy.upstreams.ScriptedUpstream;

/**
 * The upstream of the stale-if-error tests: it answers each path as {@link #MODES} says:
 * {@code ok} with the response in {@link #ANSWERS}, {@code 503once} with a 503 and then
 * {@code ok}, or fails: {@code close}, {@code reset}, {@code garbage}, {@code 503} or
 * {@code silent}. The answer {@code vary} is a greeting in the request's language, with
 * {@code Vary: Accept-Language}.
 */
final class StaleOrigin {

	static final Map<String, String> MODES = new ConcurrentHashMap<>();

	static final Map<String, String> ANSWERS = new ConcurrentHashMap<>();

	static final String UNAVAILABLE = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
			+ "Content-Length: 4\r\n\r\ndown";

	static final ScriptedUpstream UPSTREAM = ScriptedUpstream.start((connection) -> {
		String request;
		while ((request = connection.readRequest()) != null) {
			String path = request.split(" ")[1];
			String mode = MODES.getOrDefault(path, "ok");
			switch (mode) {
				case "ok" -> connection.write(answer(path, request));
				case "503" -> connection.write(UNAVAILABLE);
				case "503once" -> {
					MODES.put(path, "ok");
					connection.write(UNAVAILABLE);
				}
				case "reset" -> {
					connection.reset();
					return;
				}
				case "garbage" -> {
					connection.write("NOT HTTP AT ALL\r\n\r\n");
					return;
				}
				case "silent" -> {
					connection.awaitClosedByPeer();
					return;
				}
				default -> {
					return;
				}
			}
		}
	});

	private StaleOrigin() {
	}

	private static String answer(String path, String request) {
		String answer = ANSWERS.getOrDefault(path, ScriptedUpstream.ok("unknown"));
		if (!"vary".equals(answer)) {
			return answer;
		}
		String language = request.toLowerCase(Locale.ROOT).contains("accept-language: fr") ? "bonjour" : "hello";
		return response(language, "Cache-Control: max-age=0, stale-if-error=60", "Vary: Accept-Language");
	}

	static String response(String body, String... headers) {
		StringBuilder response = new StringBuilder("HTTP/1.1 200 OK\r\n");
		for (String header : headers) {
			response.append(header).append("\r\n");
		}
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		return response.append("Content-Length: ").append(bytes.length).append("\r\n\r\n").append(body).toString();
	}

}
