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
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Starts Debian's headless Chromium through its chromedriver, isolated from the network
 * and from any profile; see {@link RequiredTools} for where they are missing.
 */
final class HeadlessChromium {

	private static final Path CHROMIUM = RequiredTools.path("CHROMIUM", "/usr/bin/chromium");

	private static final Path CHROMEDRIVER = RequiredTools.path("CHROMEDRIVER", "/usr/bin/chromedriver");

	private HeadlessChromium() {
	}

	/**
	 * Start a browser that asks for pages in the given languages and records every
	 * network request in its performance log.
	 * @param acceptLanguages the browser's {@code Accept-Language}, e.g. {@code zh-TW}
	 * @return the driver
	 */
	static ChromeDriver start(String acceptLanguages) {
		RequiredTools.require("chromium and chromium-driver", CHROMIUM, CHROMEDRIVER);
		ChromeOptions options = new ChromeOptions();
		options.setBinary(CHROMIUM.toFile());
		options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
				"--disable-background-networking", "--disable-component-update", "--disable-sync",
				"--disable-default-apps", "--no-first-run", "--window-size=1100,760",
				"--user-data-dir=" + temporaryProfile(), "--lang=" + acceptLanguages.split(",")[0]);
		options.setExperimentalOption("prefs", Map.of("intl.accept_languages", acceptLanguages));
		options.setCapability("goog:loggingPrefs", Map.of("performance", "ALL"));
		ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
			.usingAnyFreePort()
			.build();
		ChromeDriver driver = new ChromeDriver(service, options);
		driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(20));
		return driver;
	}

	private static Path temporaryProfile() {
		try {
			Path profile = Files.createTempDirectory("chromium-profile");
			profile.toFile().deleteOnExit();
			return profile;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
