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

package io.github.gatewayerrorpolicy.upstreams.leaks;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;

import io.github.gatewayerrorpolicy.upstreams.AllTestsRequired;
import io.netty.buffer.AbstractByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fails a test class when Netty reported a leaked buffer while it ran. Netty only finds a
 * leak when a leaked buffer has been collected and another buffer is then tracked, so
 * this collects garbage and tracks a buffer a few times before it looks.
 * <p>
 * It proves first, once per JVM, that the check can fail: leak detection must be on,
 * Netty must have made its buffers' detector a {@link RecordingLeakDetector}, and a
 * buffer leaked on purpose, tracked by that detector, must be reported. Where the build
 * did not ask for leak detection (a test run from an IDE), it does nothing, unless
 * {@value #REQUIRE} or {@code CI} is set: then that is a failure too.
 * <p>
 * Buffers held by application contexts that Spring's test framework keeps for later
 * classes are found by {@link LeakCheckAfterAllContexts}, which runs last.
 */
public class FailOnNettyLeaks implements AfterAllCallback {

	/**
	 * The environment variable that makes leak detection required.
	 */
	public static final String REQUIRE = AllTestsRequired.VARIABLE;

	private static final int ROUNDS = 5;

	/**
	 * The record on the buffer leaked on purpose, which tells its report apart.
	 */
	private static final String LEAKED_ON_PURPOSE = "leaked on purpose by " + FailOnNettyLeaks.class.getSimpleName();

	private static volatile boolean proved;

	@Override
	public void afterAll(ExtensionContext context) {
		if (!requested()) {
			if (required()) {
				fail("Netty leak detection is required (" + REQUIRE + " or CI is set) but not configured: "
						+ "-Dio.netty.customResourceLeakDetector=" + RecordingLeakDetector.class.getName());
			}
			return;
		}
		assertNoLeaks(context.getDisplayName());
	}

	/**
	 * Fail if Netty reported a leak, after proving that it would.
	 * @param what what ran, for the message
	 */
	static void assertNoLeaks(String what) {
		proveDetection();
		List<String> leaks = collect();
		if (!leaks.isEmpty()) {
			fail(leaks.size() + " Netty buffer leak(s) in " + what + " (detection level "
					+ ResourceLeakDetector.getLevel() + "):\n" + String.join("\n\n", leaks));
		}
	}

	/**
	 * Whether the build asked for leak detection by naming the recording detector.
	 */
	static boolean requested() {
		return RecordingLeakDetector.class.getName().equals(System.getProperty("io.netty.customResourceLeakDetector"));
	}

	/**
	 * Whether leak detection must run: in CI, and wherever {@value #REQUIRE} is set.
	 */
	static boolean required() {
		return AllTestsRequired.here();
	}

	private static synchronized void proveDetection() {
		if (proved) {
			return;
		}
		if (ResourceLeakDetector.getLevel() == ResourceLeakDetector.Level.DISABLED) {
			fail("Netty leak detection is disabled (io.netty.leakDetection.level); no leak could be found");
		}
		ResourceLeakDetector<ByteBuf> detector = byteBufDetector();
		leakOnPurpose(detector);
		List<String> others = new ArrayList<>();
		boolean reported = false;
		for (int round = 0; round < ROUNDS * 4 && !reported; round++) {
			reportCollected(detector);
			for (String leak : RecordingLeakDetector.drain()) {
				if (leak.contains(LEAKED_ON_PURPOSE)) {
					reported = true;
				}
				else {
					others.add(leak);
				}
			}
		}
		RecordingLeakDetector.keep(others);
		if (!reported) {
			fail("A buffer leaked on purpose was not reported by Netty's leak detection: it could not find a leak");
		}
		proved = true;
	}

	/**
	 * Track a buffer as Netty tracks its own, whatever the level's sampling, and drop it
	 * without releasing it.
	 */
	private static void leakOnPurpose(ResourceLeakDetector<ByteBuf> detector) {
		ByteBuf buffer = Unpooled.buffer(1);
		detector.trackForcibly(buffer).record(LEAKED_ON_PURPOSE);
	}

	/**
	 * Collect garbage, then make the buffers' detector look at what was collected: Netty
	 * looks only when it tracks a buffer, and at levels below paranoid only for a sample
	 * of them, so one is tracked forcibly.
	 */
	private static void reportCollected(ResourceLeakDetector<ByteBuf> detector) {
		System.gc();
		System.runFinalization();
		ByteBuf probe = Unpooled.EMPTY_BUFFER;
		detector.trackForcibly(probe).close(probe);
	}

	/**
	 * The detector of Netty's buffers, which Netty keeps in a field of its own; it must
	 * be a {@link RecordingLeakDetector}, else leaks would only be logged.
	 */
	@SuppressWarnings("unchecked")
	private static ResourceLeakDetector<ByteBuf> byteBufDetector() {
		Object detector;
		try {
			Field field = AbstractByteBuf.class.getDeclaredField("leakDetector");
			field.setAccessible(true);
			detector = field.get(null);
		}
		catch (ReflectiveOperationException ex) {
			throw new IllegalStateException("Netty's buffer leak detector could not be read", ex);
		}
		if (!(detector instanceof RecordingLeakDetector) || !RecordingLeakDetector.loaded()) {
			fail("Netty's buffers are tracked by " + detector + ", not by " + RecordingLeakDetector.class.getName()
					+ ": leaks would only be logged");
		}
		return (ResourceLeakDetector<ByteBuf>) detector;
	}

	private static List<String> collect() {
		ResourceLeakDetector<ByteBuf> detector = byteBufDetector();
		for (int round = 0; round < ROUNDS; round++) {
			reportCollected(detector);
		}
		return RecordingLeakDetector.drain();
	}

}
