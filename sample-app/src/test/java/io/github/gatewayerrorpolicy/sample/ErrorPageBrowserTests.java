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
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The sample's error page in a real browser: what a visitor sees, that the page loads
 * nothing but itself, that script in the address stays text, and that it speaks the
 * visitor's language. Screenshots go to {@code target/screenshots}. Upstream health is
 * off, so that the refused upstream is never ejected, however often it is asked for.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "gateway.error-policy.health.enabled=false")
class ErrorPageBrowserTests {

	static final Path SCREENSHOTS = Path.of("target", "screenshots");

	static final JsonMapper JSON = JsonMapper.builder().build();

	@LocalServerPort
	int port;

	@Test
	void pageSaysWhatHappenedAndLoadsNothingElse() throws IOException {
		ChromeDriver browser = HeadlessChromium.start("en-US,en");
		try {
			String url = "http://127.0.0.1:" + this.port + "/demo/refused/orders/42";
			requestedUrls(browser);
			browser.get(url);
			assertThat(browser.getTitle()).isEqualTo("502 Bad Gateway");
			assertThat(browser.findElement(By.tagName("h1")).getText())
				.isEqualTo("We could not get a valid answer from the service");
			String text = browser.findElement(By.tagName("body")).getText();
			assertThat(text).contains("502 Bad Gateway")
				.contains("The service that handles this request refused the gateway's connection.")
				.contains("Wait a moment, then reload the page.")
				.contains("Reload the page")
				.contains("Request ID")
				.contains("/demo/refused/orders/42")
				.contains("connection_refused")
				.doesNotContain("127.0.0.1:", "Exception");
			assertThat(browser.findElements(By.tagName("script"))).isEmpty();
			assertThat(requestedUrls(browser)).containsExactly(url);
			screenshot(browser, "error-page-en.png");
		}
		finally {
			browser.quit();
		}
	}

	@Test
	void scriptInTheAddressIsShownAsText() {
		ChromeDriver browser = HeadlessChromium.start("en");
		try {
			for (String payload : List.of("<script>alert(1)</script>", "<img src=x onerror=alert(2)>",
					"\"><svg onload=alert(3)>")) {
				browser.get("http://127.0.0.1:" + this.port + "/demo/refused/"
						+ payload.replace("<", "%3C").replace(">", "%3E").replace("\"", "%22").replace(" ", "%20"));
				assertThat(browser.getTitle()).isEqualTo("502 Bad Gateway");
				assertThatExceptionOfType(NoAlertPresentException.class).isThrownBy(() -> browser.switchTo().alert());
				assertThat(browser.findElement(By.tagName("body")).getText()).contains("/demo/refused/" + payload);
				assertThat(browser.findElements(By.cssSelector("script, img, svg, iframe"))).isEmpty();
			}
		}
		finally {
			browser.quit();
		}
	}

	@Test
	void pageSpeaksTraditionalChinese() throws IOException {
		ChromeDriver browser = HeadlessChromium.start("zh-TW,zh");
		try {
			browser.get("http://127.0.0.1:" + this.port + "/demo/connect-timeout");
			assertThat(browser.findElement(By.tagName("html")).getAttribute("lang")).isEqualTo("zh-TW");
			assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("服務回應時間過長");
			assertThat(browser.findElement(By.tagName("body")).getText()).contains("閘道無法及時連上處理此要求的服務。")
				.contains("重新載入頁面")
				.contains("要求編號");
			screenshot(browser, "error-page-zh-TW.png");
		}
		finally {
			browser.quit();
		}
	}

	/**
	 * The URLs requested over the network since the last call, from Chromium's
	 * performance log (which this drains): {@code http}, {@code https} and web sockets;
	 * {@code data:} and the browser's own {@code chrome:} pages are not fetched.
	 */
	private static List<String> requestedUrls(ChromeDriver browser) {
		return browser.manage()
			.logs()
			.get(LogType.PERFORMANCE)
			.getAll()
			.stream()
			.map(LogEntry::getMessage)
			.map(JSON::readTree)
			.map((entry) -> entry.path("message"))
			.filter((message) -> "Network.requestWillBeSent".equals(message.path("method").asString()))
			.map((message) -> message.path("params").path("request").path("url").asString())
			.filter((requested) -> requested.startsWith("http") || requested.startsWith("ws"))
			.toList();
	}

	private static void screenshot(ChromeDriver browser, String name) throws IOException {
		Files.createDirectories(SCREENSHOTS);
		Path taken = browser.getScreenshotAs(OutputType.FILE).toPath();
		Files.copy(taken, SCREENSHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
	}

}
