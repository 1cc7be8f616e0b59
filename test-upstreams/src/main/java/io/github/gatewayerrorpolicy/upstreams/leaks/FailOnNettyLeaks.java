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

import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fails a test class when Netty reported a leaked buffer while it ran. Netty only finds a
 * leak when a leaked buffer has been collected and another buffer is then allocated, so
 * this collects garbage and allocates a few times before it looks. Does nothing unless
 * {@link RecordingLeakDetector} is the detector in use.
 */
public class FailOnNettyLeaks implements AfterAllCallback {

	private static final int ROUNDS = 5;

	@Override
	public void afterAll(ExtensionContext context) {
		if (!RecordingLeakDetector.class.getName().equals(System.getProperty("io.netty.customResourceLeakDetector"))) {
			return;
		}
		for (int round = 0; round < ROUNDS; round++) {
			System.gc();
			System.runFinalization();
			for (int i = 0; i < 64; i++) {
				ByteBuf probe = PooledByteBufAllocator.DEFAULT.directBuffer(16);
				probe.release();
			}
		}
		List<String> leaks = RecordingLeakDetector.drain();
		if (!leaks.isEmpty()) {
			fail(leaks.size() + " Netty buffer leak(s) in " + context.getDisplayName() + " (detection level "
					+ ResourceLeakDetector.getLevel() + "):\n" + String.join("\n\n", leaks));
		}
	}

}
