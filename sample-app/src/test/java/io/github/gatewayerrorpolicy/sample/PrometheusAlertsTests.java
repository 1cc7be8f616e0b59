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

package io.github.gatewayerrorpolicy.sample;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.gatewayerrorpolicy.upstreams.ReservedPort;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The alerting rules in {@code docs/prometheus} and the dashboard in
 * {@code docs/grafana}, checked against Debian's Prometheus: promtool accepts the rules,
 * and with a Prometheus scraping the sample gateway while its demo upstreams fail, every
 * rule's expression and every dashboard query returns data (a rule that compares with the
 * last hour, without its guard on the hour's history), and promtool's unit tests of the
 * rules pass. Everything runs on loopback.
 * <p>
 * The refused upstream is probed every second, so that it keeps refusing connections
 * while it is ejected again and again, and both the refusals alert and the ejection alert
 * get data.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
		"gateway.error-policy.health.base-ejection-time=1s", "gateway.error-policy.health.max-ejection-time=1s" })
class PrometheusAlertsTests {

	static final Path ALERTS = Path.of("..", "docs", "prometheus", "alerts.yml").toAbsolutePath().normalize();

	static final Path ALERTS_TEST = ALERTS.resolveSibling("alerts_test.yml");

	static final Path DASHBOARD = Path.of("..", "docs", "grafana", "gateway-errors.json").toAbsolutePath().normalize();

	static final Path PROMETHEUS = RequiredTools.path("PROMETHEUS", "/usr/bin/prometheus");

	static final Path PROMTOOL = RequiredTools.path("PROMTOOL", "/usr/bin/promtool");

	static final List<String> FAILING_PATHS = List.of("/demo/refused", "/demo/refused", "/demo/connect-timeout",
			"/demo/upstream-503", "/demo/midbody", "/demo/ok", "/demo/ok");

	/**
	 * The last clause, on a line of its own, of a rule that compares with the past: it
	 * holds only where the route's series existed an hour ago.
	 */
	static final Pattern HISTORY_GUARD = Pattern.compile("\\s+and on \\(route\\)\\s+(\\([^\\n]+) offset 1h(\\)+)$");

	static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(([a-z_]+), ([a-z_]+)\\)");

	static final Pattern GRAFANA_VARIABLE = Pattern.compile("\\$\\{?[A-Za-z_]");

	static final JsonMapper JSON = JsonMapper.builder().build();

	final HttpClient client = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(5))
		.build();

	@LocalServerPort
	int port;

	@Test
	void promtoolAcceptsTheRules() throws Exception {
		RequiredTools.require("prometheus", PROMTOOL);
		String output = promtool(ALERTS.getParent(), "check", "rules", ALERTS.getFileName().toString());
		assertThat(output).contains("SUCCESS: " + alertExpressions().size() + " rules found");
	}

	/**
	 * The rules' unit tests: steady 504s, in a route's first hour and after it, must not
	 * look like rising ones; rising ones and a burst of refused connections must alert.
	 */
	@Test
	void rulesPassTheirUnitTests() throws Exception {
		RequiredTools.require("prometheus", PROMTOOL);
		String output = promtool(ALERTS_TEST.getParent(), "test", "rules", ALERTS_TEST.getFileName().toString());
		assertThat(output).contains("SUCCESS");
	}

	/**
	 * Run promtool in a directory, bounded, and return what it printed once it succeeded.
	 */
	private static String promtool(Path directory, String... arguments) throws Exception {
		List<String> command = new ArrayList<>();
		command.add(PROMTOOL.toString());
		command.addAll(List.of(arguments));
		Path output = Files.createTempFile("promtool", ".txt");
		Process promtool = new ProcessBuilder(command).directory(directory.toFile())
			.redirectErrorStream(true)
			.redirectOutput(output.toFile())
			.start();
		try {
			assertThat(promtool.waitFor(60, TimeUnit.SECONDS)).as("promtool finished within 60 s").isTrue();
			String printed = Files.readString(output);
			assertThat(promtool.exitValue()).as(printed).isZero();
			return printed;
		}
		finally {
			promtool.destroyForcibly();
			Files.delete(output);
		}
	}

	@Test
	@Timeout(value = 5, unit = TimeUnit.MINUTES)
	void everyAlertAndDashboardQueryReturnsData(@TempDir Path work) throws Exception {
		RequiredTools.require("prometheus", PROMETHEUS);
		int prometheusPort = ReservedPort.unused();
		Path config = work.resolve("prometheus.yml");
		Files.writeString(config, """
				global:
				  scrape_interval: 1s
				  evaluation_interval: 1s
				rule_files: ['%s']
				scrape_configs:
				  - job_name: sample-gateway
				    metrics_path: /actuator/prometheus
				    static_configs:
				      - targets: ['127.0.0.1:%d']
				""".formatted(ALERTS, this.port));
		Process prometheus = new ProcessBuilder(PROMETHEUS.toString(), "--config.file=" + config,
				"--storage.tsdb.path=" + work.resolve("data"), "--web.listen-address=127.0.0.1:" + prometheusPort)
			.redirectErrorStream(true)
			.redirectOutput(work.resolve("prometheus.log").toFile())
			.start();
		AtomicBoolean loading = new AtomicBoolean(true);
		ExecutorService load = Executors.newFixedThreadPool(4);
		try {
			for (int worker = 0; worker < 4; worker++) {
				load.execute(() -> driveFailures(loading));
			}
			String api = "http://127.0.0.1:" + prometheusPort;
			List<String> queries = new ArrayList<>();
			alertExpressions().forEach((expression) -> queries.addAll(withoutHistory(expression)));
			queries.addAll(dashboardQueries());
			await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
				for (String query : queries) {
					assertThat(query(api, query)).as(query).isNotEmpty();
				}
			});
			for (Matcher variable : dashboardVariables()) {
				JsonNode series = get(api + "/api/v1/series?match[]=" + encode(variable.group(1)));
				assertThat(series.get("data").valueStream().map((labels) -> labels.path(variable.group(2)).asString()))
					.contains("refused", "connect-timeout", "upstream-503", "midbody");
			}
			JsonNode alerts = get(api + "/api/v1/rules?type=alert");
			assertThat(alerts.get("status").asString()).isEqualTo("success");
			List<JsonNode> rules = alerts.get("data")
				.get("groups")
				.valueStream()
				.flatMap((group) -> group.get("rules").valueStream())
				.toList();
			assertThat(rules).as("every rule of alerts.yml is loaded").hasSize(alertExpressions().size());
			assertThat(rules).allSatisfy((rule) -> assertThat(rule.get("health").asString())
				.as(rule.get("name").asString() + ": " + rule.path("lastError").asString())
				.isEqualTo("ok"));
		}
		finally {
			loading.set(false);
			load.shutdown();
			load.awaitTermination(30, TimeUnit.SECONDS);
			prometheus.destroy();
			if (!prometheus.waitFor(30, TimeUnit.SECONDS)) {
				prometheus.destroyForcibly();
			}
		}
	}

	private void driveFailures(AtomicBoolean loading) {
		while (loading.get()) {
			for (String path : FAILING_PATHS) {
				try {
					this.client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
						.timeout(Duration.ofSeconds(10))
						.build(), BodyHandlers.discarding());
				}
				catch (IOException ex) {
					// the mid-body route aborts its transfers
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return;
				}
			}
		}
	}

	private List<JsonNode> query(String api, String query) throws IOException, InterruptedException {
		JsonNode answer = get(api + "/api/v1/query?query=" + encode(query));
		assertThat(answer.get("status").asString()).as(query).isEqualTo("success");
		return answer.get("data").get("result").valueStream().toList();
	}

	private JsonNode get(String url) throws IOException, InterruptedException {
		HttpResponse<String> response = this.client.send(
				HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
				BodyHandlers.ofString());
		return JSON.readTree(response.body());
	}

	@SuppressWarnings("unchecked")
	static List<String> alertExpressions() throws IOException {
		Map<String, Object> rules = new Yaml().load(Files.readString(ALERTS));
		List<String> expressions = new ArrayList<>();
		for (Map<String, Object> group : (List<Map<String, Object>>) rules.get("groups")) {
			for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
				expressions.add(rule.get("expr").toString().trim());
			}
		}
		assertThat(expressions).isNotEmpty();
		return expressions;
	}

	/**
	 * What a Prometheus started by the test can answer of an alert's expression. A rule
	 * that needs an hour of history ends with a guard on the series an hour ago, which a
	 * fresh Prometheus cannot have: the expression is checked without the guard, and the
	 * guard's series without the offset. Whether the guard does its job is for the rules'
	 * unit tests, whose series span hours.
	 * @param expression an alert's expression
	 * @return the queries to check
	 */
	static List<String> withoutHistory(String expression) {
		Matcher guard = HISTORY_GUARD.matcher(expression);
		if (!guard.find()) {
			return List.of(expression);
		}
		return List.of(expression.substring(0, guard.start()), guard.group(1) + guard.group(2));
	}

	/**
	 * The dashboard's panel queries, with Grafana's variables as Grafana would fill them
	 * for all routes.
	 */
	static List<String> dashboardQueries() throws IOException {
		JsonNode dashboard = JSON.readTree(Files.readString(DASHBOARD));
		List<String> queries = dashboard.get("panels")
			.valueStream()
			.flatMap((panel) -> panel.get("targets").valueStream())
			.map((target) -> target.get("expr")
				.asString()
				.replace("$route", ".+")
				.replace("$__rate_interval", "1m")
				.replace("$__range", "5m"))
			.toList();
		assertThat(queries).isNotEmpty().noneMatch((query) -> GRAFANA_VARIABLE.matcher(query).find());
		return queries;
	}

	static List<Matcher> dashboardVariables() throws IOException {
		JsonNode dashboard = JSON.readTree(Files.readString(DASHBOARD));
		List<Matcher> variables = dashboard.get("templating")
			.get("list")
			.valueStream()
			.filter((variable) -> "query".equals(variable.get("type").asString()))
			.map((variable) -> LABEL_VALUES.matcher(variable.get("definition").asString()))
			.filter(Matcher::matches)
			.toList();
		assertThat(variables).isNotEmpty();
		return variables;
	}

	private static String encode(String value) {
		return URLEncoder.encode(value, StandardCharsets.UTF_8);
	}

}
