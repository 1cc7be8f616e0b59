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

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.netty.util.ResourceLeakDetector;

/**
 * A Netty leak detector that also remembers what it reports, so that tests can fail on a
 * leak instead of only logging it. Enable it with the system properties
 * {@code io.netty.customResourceLeakDetector} set to this class and
 * {@code io.netty.leakDetection.level=paranoid}; {@link FailOnNettyLeaks} checks it, and
 * first that Netty really uses it.
 * <p>
 * It reports whatever the logging configuration says: Netty's own detector only reports
 * when its logger is enabled for ERROR.
 *
 * @param <T> the type of resource
 */
public class RecordingLeakDetector<T> extends ResourceLeakDetector<T> {

	private static final Queue<String> leaks = new ConcurrentLinkedQueue<>();

	private static volatile boolean loaded;

	public RecordingLeakDetector(Class<?> resourceType, int samplingInterval) {
		super(resourceType, samplingInterval);
		loaded = true;
	}

	public RecordingLeakDetector(Class<?> resourceType, int samplingInterval, long maxActive) {
		this(resourceType, samplingInterval);
	}

	@Override
	protected boolean needReport() {
		return true;
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
	 * Return whether Netty has made a detector of this class.
	 * @return whether it is in use
	 */
	static boolean loaded() {
		return loaded;
	}

	/**
	 * Keep reports for the next {@link #drain()}.
	 * @param reports reports taken out by {@link #drain()}
	 */
	static void keep(List<String> reports) {
		leaks.addAll(reports);
	}

	/**
	 * Return the leaks reported since the last call, and forget them.
	 * @return the reports
	 */
	static List<String> drain() {
		List<String> reported = new ArrayList<>();
		for (String leak = leaks.poll(); leak != null; leak = leaks.poll()) {
			reported.add(leak);
		}
		return reported;
	}

}
