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
import java.util.concurrent.CopyOnWriteArrayList;

import io.netty.util.ResourceLeakDetector;

/**
 * A Netty leak detector that also remembers what it reports, so that tests can fail on a
 * leak instead of only logging it. Enable it with the system properties
 * {@code io.netty.customResourceLeakDetector} set to this class and
 * {@code io.netty.leakDetection.level=paranoid}; {@link FailOnNettyLeaks} checks it.
 *
 * @param <T> the type of resource
 */
public class RecordingLeakDetector<T> extends ResourceLeakDetector<T> {

	private static final List<String> leaks = new CopyOnWriteArrayList<>();

	public RecordingLeakDetector(Class<?> resourceType, int samplingInterval) {
		super(resourceType, samplingInterval);
	}

	public RecordingLeakDetector(Class<?> resourceType, int samplingInterval, long maxActive) {
		super(resourceType, samplingInterval);
	}

	@Override
	protected void reportTracedLeak(String resourceType, String records) {
		leaks.add("LEAK: " + resourceType + records);
		super.reportTracedLeak(resourceType, records);
	}

	@Override
	protected void reportUntracedLeak(String resourceType) {
		leaks.add("LEAK: " + resourceType);
		super.reportUntracedLeak(resourceType);
	}

	/**
	 * Return the leaks reported since the last call, and forget them.
	 * @return the reports
	 */
	static List<String> drain() {
		List<String> reported = List.copyOf(leaks);
		leaks.removeAll(reported);
		return reported;
	}

}
