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

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.github.gatewayerrorpolicy.test.GatewayClient;
import io.github.gatewayerrorpolicy.test.TestGateway;
import io.github.gatewayerrorpolicy.upstreams.ScriptedUpstream;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static io.github.gatewayerrorpolicy.stale.StaleOrigin.ANSWERS;
import static io.github.gatewayerrorpolicy.stale.StaleOrigin.MODES;
import static io.github.gatewayerrorpolicy.stale.StaleOrigin.UPSTREAM;
import static io.github.gatewayerrorpolicy.stale.StaleOrigin.response;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stale-if-error on real sockets, with the memory store: a kept response answers a GET
 * whose upstream then fails in any way the policy answers with 502, 503 or 504, or
 * answers 5xx itself; what a shared cache may not store is never kept; the stale window
 * and the request's own directives are honoured; one entry per {@code Vary} value; HEAD
 * from a kept GET; the same bytes either way.
 * <p>
 * The upstream is {@link StaleOrigin}. Retries and upstream health are off (but for one
 * route each), so that each request is one call and nothing is ejected.
 */
@SpringBootTest(classes = TestGateway.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
		"spring.application.name=test-gateway", "gateway.error-policy.retry.enabled=false",
		"gateway.error-policy.health.enabled=false",
		"spring.cloud.gateway.server.webflux.globalcors.cors-configurations.[/**].allowed-origins=https://shop.example" })
@ExtendWith(OutputCaptureExtension.class)
class StaleIfErrorTests {

	/**
	 * An upstream that is closed once it has answered, so that later connections are
	 * refused.
	 */
	static final ScriptedUpstream ONCE = ScriptedUpstream.start((connection) -> {
		connection.readRequest();
		connection.write(response("kept before the upstream went away", "Cache-Control: max-age=0, stale-if-error=60"));
	});

	@LocalServerPort
	int port;

	@Autowired
	MeterRegistry registry;

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		TestGateway.route(registry, 0, "origin", UPSTREAM.url(), Map.of("response-timeout", "500"));
		TestGateway.route(registry, 1, "once", ONCE.url(), Map.of());
		TestGateway.route(registry, 2, "opted-in", UPSTREAM.url(),
				Map.of("error-policy.stale-if-error.max-stale", "60s"));
		TestGateway.route(registry, 3, "off", UPSTREAM.url(), Map.of("error-policy.stale-if-error.enabled", "false"));
		TestGateway.route(registry, 4, "credentialed", UPSTREAM.url(), Map.of());
		registry.add("spring.cloud.gateway.server.webflux.routes[4].filters[0]",
				() -> "AddRequestHeader=Authorization, Bearer route-token");
		TestGateway.route(registry, 5, "small", UPSTREAM.url(),
				Map.of("error-policy.stale-if-error.max-entry-size", "16B"));
		TestGateway.route(registry, 7, "retrying", UPSTREAM.url(), Map.of());
		registry.add("spring.cloud.gateway.server.webflux.routes[7].filters[0]", () -> "Retry=1");
		TestGateway.route(registry, 6, "ejecting", UPSTREAM.url(), Map.of("error-policy.health.enabled", "true",
				"error-policy.health.consecutive-failures", "1", "error-policy.health.base-ejection-time", "30s"));
	}

	@Test
	void aKeptResponseHidesEveryFailureThePolicyWouldAnswer(CapturedOutput output) throws Exception {
		Map<String, String> hidden = Map.of("close", "error=connection_terminated", "reset",
				"error=connection_terminated", "garbage", "error=http_protocol_error", "503", "received-status=503",
				"silent", "error=http_response_timeout");
		GatewayClient gateway = new GatewayClient(this.port);
		double before = servedStale("origin");
		for (Map.Entry<String, String> failure : hidden.entrySet()) {
			String path = "/origin/" + failure.getKey();
			ANSWERS.put(path, response("the good answer for " + failure.getKey(),
					"Cache-Control: max-age=0, stale-if-error=60", "X-Version: 1"));
			HttpResponse<String> good = gateway.get(path, "*/*");
			assertThat(good.statusCode()).isEqualTo(200);
			MODES.put(path, failure.getKey());
			HttpResponse<String> stale = gateway.get(path, "*/*");
			assertThat(stale.statusCode()).as(failure.getKey()).isEqualTo(200);
			assertThat(stale.body()).isEqualTo(good.body());
			assertThat(stale.headers().firstValue("X-Version")).hasValue("1");
			assertThat(stale.headers().firstValue("Cache-Control")).hasValue("max-age=0, stale-if-error=60");
			assertThat(stale.headers().firstValue("Age")).isPresent();
			String forwarded = failure.getKey().equals("503") ? "; fwd-status=503" : "";
			assertThat(stale.headers().firstValue("Cache-Status")).as(failure.getKey())
				.hasValueSatisfying((value) -> assertThat(value)
					.matches("test-gateway; fwd=stale" + forwarded.replace(";", "\\;") + "; ttl=-?\\d+"));
			assertThat(stale.headers().allValues("Proxy-Status"))
				.containsExactly("test-gateway; " + failure.getValue());
		}
		assertThat(servedStale("origin") - before).as("each hidden failure counted once").isEqualTo(hidden.size());
		assertThat(this.registry.find("gateway.upstream.failures")
			.tag("route", "origin")
			.tag("outcome", "passed-through")
			.counter()).as("the hidden 503 is not also counted as passed through").isNull();
		assertThat(output).contains("outcome=served-stale");
	}

	@Test
	void aRetryThatSucceedsForgetsTheStaleAnswerOfTheAttemptBefore() throws Exception {
		GatewayClient gateway = new GatewayClient(this.port);
		String path = "/retrying/a";
		keptThenClosed(gateway, path, response("old", "Cache-Control: max-age=0, stale-if-error=60"));
		ANSWERS.put(path, response("fresh", "Cache-Control: max-age=0, stale-if-error=60"));
		MODES.put(path, "503once");
		HttpResponse<String> retried = gateway.get(path, "*/*");
		assertThat(retried.statusCode()).isEqualTo(200);
		assertThat(retried.body()).as("Spring Cloud Gateway's Retry got the fresh answer").isEqualTo("fresh");
		assertThat(retried.headers().firstValue("Cache-Status")).isEmpty();
	}

	@Test
	void theGatewaysOwnHeadersAreNotKeptWithTheResponse() throws Exception {
		GatewayClient gateway = new GatewayClient(this.port);
		String path = "/origin/cors";
		ANSWERS.put(path, response("shared", "Cache-Control: max-age=0, stale-if-error=60", "Vary: Accept-Language",
				"Access-Control-Allow-Origin: https://shop.example"));
		assertThat(gateway.send("GET", path, "Origin", "https://shop.example").statusCode()).isEqualTo(200);
		MODES.put(path, "close");
		HttpResponse<String> stale = gateway.send("GET", path, "Origin", "https://shop.example");
		assertThat(stale.statusCode()).isEqualTo(200);
		assertThat(stale.headers().allValues("Access-Control-Allow-Origin")).containsExactly("https://shop.example");
		List<String> vary = stale.headers()
			.allValues("Vary")
			.stream()
			.flatMap((value) -> Arrays.stream(value.split(",")))
			.map(String::trim)
			.toList();
		assertThat(vary).as("no value twice").doesNotHaveDuplicates().contains("Origin", "Accept-Language");
	}

	private double servedStale(String route) {
		return this.registry.find("gateway.upstream.failures")
			.tag("route", route)
			.tag("outcome", "served-stale")
			.counters()
			.stream()
			.mapToDouble(Counter::count)
			.sum();
	}

	@Test
	void aRefusedConnectionIsHiddenToo() throws Exception {
		GatewayClient gateway = new GatewayClient(this.port);
		assertThat(gateway.get("/once/a", "*/*").statusCode()).isEqualTo(200);
		ONCE.close();
		HttpResponse<String> stale = gateway.get("/once/a", "*/*");
		assertThat(stale.statusCode()).isEqualTo(200);
		assertThat(stale.body()).isEqualTo("kept before the upstream went away");
		assertThat(stale.headers().firstValue("Proxy-Status")).hasValue("test-gateway; error=connection_refused");
	}

	@Test
	void whatASharedCacheMayNotStoreIsNeverKept() throws Exception {
		Map<String, String[]> notKept = Map.of("private", new String[] { "Cache-Control: private, stale-if-error=60" },
				"no-store", new String[] { "Cache-Control: no-store, stale-if-error=60" }, "cookie",
				new String[] { "Cache-Control: stale-if-error=60", "Set-Cookie: session=1" }, "vary-star",
				new String[] { "Cache-Control: stale-if-error=60", "Vary: *" }, "too-old",
				new String[] { "Cache-Control: max-age=10, stale-if-error=60", "Age: 100" }, "no-say-so",
				new String[] { "Content-Language: en" });
		GatewayClient gateway = new GatewayClient(this.port);
		for (Map.Entry<String, String[]> response : notKept.entrySet()) {
			String path = "/origin/not-kept-" + response.getKey();
			keptThenClosed(gateway, path, response("not to keep", response.getValue()));
			assertThat(gateway.get(path, "*/*").statusCode()).as(response.getKey()).isEqualTo(502);
		}
		String authorized = "/origin/not-kept-authorization";
		keptThenClosed(gateway, authorized, response("for one user", "Cache-Control: max-age=0, stale-if-error=60"),
				"Authorization", "Bearer a");
		assertThat(gateway.send("GET", authorized, "Authorization", "Bearer a").statusCode()).isEqualTo(502);
		String shared = "/origin/kept-authorization-public";
		keptThenClosed(gateway, shared, response("for anyone", "Cache-Control: public, max-age=0, stale-if-error=60"),
				"Authorization", "Bearer a");
		assertThat(gateway.send("GET", shared, "Authorization", "Bearer a").statusCode()).isEqualTo(200);
		String off = "/off/a";
		keptThenClosed(gateway, off, response("route off", "Cache-Control: max-age=0, stale-if-error=60"));
		assertThat(gateway.get(off, "*/*").statusCode()).isEqualTo(502);
	}

	@Test
	void theRequestsOwnDirectivesAreHonoured() throws Exception {
		GatewayClient gateway = new GatewayClient(this.port);
		String path = "/origin/directives";
		keptThenClosed(gateway, path, response("kept", "Cache-Control: max-age=0, stale-if-error=60"));
		assertThat(gateway.send("GET", path, "Cache-Control", "no-cache").statusCode()).isEqualTo(502);
		assertThat(gateway.send("GET", path, "Pragma", "no-cache").statusCode()).isEqualTo(502);
		assertThat(gateway.get(path, "*/*").statusCode()).isEqualTo(200);
		// freshness preferences, as a browser's reload sends them: stale-if-error applies
		// "regardless of other freshness information" (RFC 5861 section 4)
		assertThat(gateway.send("GET", path, "Cache-Control", "max-age=0").statusCode()).isEqualTo(200);
		assertThat(gateway.send("GET", path, "Cache-Control", "min-fresh=30").statusCode()).isEqualTo(200);
		// stale by about 10 s when kept (20 s old, fresh for 10)
		String older = "/origin/directives-older";
		keptThenClosed(gateway, older, response("kept", "Cache-Control: max-age=10, stale-if-error=60", "Age: 20"));
		assertThat(gateway.send("GET", older, "Cache-Control", "max-stale=5").statusCode())
			.as("staler than the client accepts")
			.isEqualTo(502);
		assertThat(gateway.send("GET", older, "Cache-Control", "stale-if-error=5").statusCode()).isEqualTo(502);
		assertThat(gateway.send("GET", older, "Cache-Control", "max-stale=30").statusCode()).isEqualTo(200);
		assertThat(gateway.send("GET", older, "Cache-Control", "stale-if-error=30").statusCode()).isEqualTo(200);
	}

	@Test
	void eachVaryValueHasItsOwnEntry() throws Exception {
		GatewayClient gateway = new GatewayClient(this.port);
		String path = "/origin/vary";
		ANSWERS.put(path, "vary");
		assertThat(gateway.send("GET", path, "Accept-Language", "en").body()).isEqualTo("hello");
		assertThat(gateway.send("GET", path, "Accept-Language", "fr").body()).isEqualTo("bonjour");
		MODES.put(path, "close");
		HttpResponse<String> english = gateway.send("GET", path, "Accept-Language", "en");
		assertThat(english.statusCode()).isEqualTo(200);
		assertThat(english.body()).isEqualTo("hello");
		HttpResponse<String> french = gateway.send("GET", path, "Accept-Language", "fr");
		assertThat(french.body()).isEqualTo("bonjour");
		assertThat(gateway.send("GET", path, "Accept-Language", "de").statusCode()).isEqualTo(502);
	}

	@Test
	void headIsServedFromAKeptGet() throws Exception {
		GatewayClient gateway = new GatewayClient(this.port);
		String path = "/origin/head";
		keptThenClosed(gateway, path, response("the body of the GET", "Cache-Control: max-age=0, stale-if-error=60"));
		HttpResponse<String> head = gateway.send("HEAD", path);
		assertThat(head.statusCode()).isEqualTo(200);
		assertThat(head.headers().firstValue("Content-Length")).hasValue("19");
		assertThat(head.body()).isEmpty();
	}

	@Test
	void aRouteCanKeepWithoutTheUpstreamsSaySo() throws Exception {
		GatewayClient gateway = new GatewayClient(this.port);
		String path = "/opted-in/a";
		ANSWERS.put(path, response("no cache headers at all", "Content-Type: text/plain"));
		assertThat(gateway.get(path, "*/*").statusCode()).isEqualTo(200);
		MODES.put(path, "503");
		HttpResponse<String> stale = gateway.get(path, "*/*");
		assertThat(stale.statusCode()).isEqualTo(200);
		assertThat(stale.body()).isEqualTo("no cache headers at all");
		assertThat(stale.headers().firstValue("Cache-Status")).hasValueSatisfying(
				(value) -> assertThat(value).startsWith("test-gateway; fwd=stale; fwd-status=503; ttl="));
	}

	@Test
	void credentialsKeepOnlyWhatTheUpstreamSharesItself() throws Exception {
		GatewayClient gateway = new GatewayClient(this.port);
		String cookie = "/opted-in/cookie";
		keptThenClosed(gateway, cookie, response("for one session", "Content-Type: text/plain"), "Cookie", "session=1");
		assertThat(gateway.send("GET", cookie, "Cookie", "session=2").statusCode())
			.as("a route's opt-in does not keep a response to a request with a cookie")
			.isEqualTo(502);
		assertThat(afterFailure(gateway, "/credentialed/private",
				response("for the route's token", "Cache-Control: max-age=0, stale-if-error=60")))
			.as("the route's filter added Authorization; the response is not public")
			.isEqualTo(502);
		assertThat(afterFailure(gateway, "/credentialed/public",
				response("for anyone", "Cache-Control: public, max-age=0, stale-if-error=60")))
			.isEqualTo(200);
	}

	@Test
	void whatMustBeRevalidatedIsNeverServedStale() throws Exception {
		GatewayClient gateway = new GatewayClient(this.port);
		for (String directive : new String[] { "must-revalidate", "proxy-revalidate", "s-maxage=0" }) {
			assertThat(afterFailure(gateway, "/origin/revalidate-" + directive.replace("=", ""),
					response("must be checked", "Cache-Control: max-age=0, stale-if-error=60, " + directive)))
				.as(directive)
				.isEqualTo(502);
		}
	}

	@Test
	void keepingNeverChangesWhatTheClientGets() throws Exception {
		GatewayClient gateway = new GatewayClient(this.port);
		String huge = "/origin/huge-max-age";
		ANSWERS.put(huge, response("kept a very long time",
				"Cache-Control: max-age=99999999999999, stale-if-error=99999999999999"));
		HttpResponse<String> first = gateway.get(huge, "*/*");
		assertThat(first.statusCode()).isEqualTo(200);
		assertThat(first.body()).isEqualTo("kept a very long time");
		MODES.put(huge, "close");
		assertThat(gateway.get(huge, "*/*").body()).isEqualTo("kept a very long time");
		String chunked = "/small/chunked";
		String body = "0123456789".repeat(10);
		ANSWERS.put(chunked,
				"HTTP/1.1 200 OK\r\nCache-Control: max-age=0, stale-if-error=60\r\nTransfer-Encoding: chunked\r\n\r\n32\r\n"
						+ body.substring(0, 50) + "\r\n32\r\n" + body.substring(50) + "\r\n0\r\n\r\n");
		double tooLarge = skippedTooLarge();
		HttpResponse<String> whole = gateway.get(chunked, "*/*");
		assertThat(whole.body()).as("passed whole, though too long to keep").isEqualTo(body);
		MODES.put(chunked, "close");
		assertThat(gateway.get(chunked, "*/*").statusCode()).as("not kept: over max-entry-size").isEqualTo(502);
		assertThat(skippedTooLarge() - tooLarge).as("counted").isEqualTo(1);
	}

	private double skippedTooLarge() {
		return this.registry.get("gateway.upstream.stale.skipped").tag("reason", "too-large").functionCounter().count();
	}

	@Test
	void aKeptNoContentAnswerHasNoBodyLength() throws Exception {
		GatewayClient gateway = new GatewayClient(this.port);
		String path = "/origin/no-content";
		keptThenClosed(gateway, path, "HTTP/1.1 204 No Content\r\nCache-Control: max-age=0, stale-if-error=60\r\n\r\n");
		String raw = gateway.exchangeUntilClosed(
				"GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + this.port + "\r\nConnection: close\r\n\r\n");
		assertThat(raw).startsWith("HTTP/1.1 204 ")
			.containsIgnoringCase("cache-status")
			.doesNotContainIgnoringCase("content-length");
	}

	@Test
	void anEjectedUpstreamsRequestsAreAnsweredStale() throws Exception {
		GatewayClient gateway = new GatewayClient(this.port);
		String path = "/ejecting/a";
		keptThenClosed(gateway, path, response("kept before ejection", "Cache-Control: max-age=0, stale-if-error=60"));
		assertThat(gateway.get(path, "*/*").headers().firstValue("Proxy-Status"))
			.hasValue("test-gateway; error=connection_terminated");
		HttpResponse<String> ejected = gateway.get(path, "*/*");
		assertThat(ejected.statusCode()).isEqualTo(200);
		assertThat(ejected.body()).isEqualTo("kept before ejection");
		assertThat(ejected.headers().firstValue("Proxy-Status"))
			.hasValue("test-gateway; error=destination_unavailable");
	}

	@Test
	void aPostIsNeverAnsweredFromTheStore() throws Exception {
		GatewayClient gateway = new GatewayClient(this.port);
		String path = "/origin/post";
		keptThenClosed(gateway, path, response("kept", "Cache-Control: max-age=0, stale-if-error=60"));
		assertThat(gateway.send("POST", path, HttpRequest.BodyPublishers.ofString("x")).statusCode()).isEqualTo(502);
	}

	/**
	 * Have the upstream answer a path, ask for it, then have the upstream close the
	 * connection instead, and ask again.
	 * @return the status of the second answer
	 */
	private static int afterFailure(GatewayClient gateway, String path, String response) throws Exception {
		keptThenClosed(gateway, path, response);
		return gateway.get(path, "*/*").statusCode();
	}

	/**
	 * Have the upstream answer a path, ask for it with the given headers, then have the
	 * upstream close the connection instead of answering it.
	 */
	private static void keptThenClosed(GatewayClient gateway, String path, String response, String... headers)
			throws Exception {
		ANSWERS.put(path, response);
		assertThat(gateway.send("GET", path, headers).statusCode()).as("the upstream's own status")
			.isEqualTo(Integer.parseInt(response.substring(9, 12)));
		MODES.put(path, "close");
	}

}
