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
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.ClassDescriptor;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.ClassOrdererContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.test.annotation.DirtiesContext.HierarchyMode;
import org.springframework.test.context.MergedContextConfiguration;
import org.springframework.test.context.cache.ContextCache;
import org.springframework.test.context.cache.DefaultCacheAwareContextLoaderDelegate;
import org.springframework.test.context.cache.DefaultContextCache;

/**
 * The last leak check of a test run: Spring's test framework keeps every application
 * context for later test classes until the JVM ends, and buffers those contexts hold only
 * become garbage, and so findable leaks, once they are closed. A module's tests extend
 * this in one class, and {@link RunsLast}, as the class orderer of
 * {@code junit-platform.properties}, runs it after every other class. Closing every
 * context shuts each one down as the application would, so this check may take longer
 * than a test usually may.
 */
public abstract class LeakCheckAfterAllContexts {

	@Test
	@Timeout(value = 10, unit = TimeUnit.MINUTES)
	protected void noBufferLeakedOnceEveryApplicationContextIsClosed() {
		closeEveryCachedContext();
		if (FailOnNettyLeaks.requested() || FailOnNettyLeaks.required()) {
			FailOnNettyLeaks.assertNoLeaks("the application contexts of the whole run");
		}
	}

	@SuppressWarnings("unchecked")
	private static void closeEveryCachedContext() {
		try {
			Field cacheField = DefaultCacheAwareContextLoaderDelegate.class.getDeclaredField("defaultContextCache");
			cacheField.setAccessible(true);
			ContextCache cache = (ContextCache) cacheField.get(null);
			Field contexts = DefaultContextCache.class.getDeclaredField("contextMap");
			contexts.setAccessible(true);
			List<MergedContextConfiguration> keys = List
				.copyOf(((Map<MergedContextConfiguration, ?>) contexts.get(cache)).keySet());
			for (MergedContextConfiguration key : keys) {
				if (cache.contains(key)) {
					cache.remove(key, HierarchyMode.EXHAUSTIVE);
				}
			}
		}
		catch (ReflectiveOperationException ex) {
			throw new IllegalStateException("Spring's cached application contexts could not be closed", ex);
		}
	}

	/**
	 * Orders test classes by name, and every {@link LeakCheckAfterAllContexts} after all
	 * others.
	 */
	public static final class RunsLast implements ClassOrderer {

		@Override
		public void orderClasses(ClassOrdererContext context) {
			context.getClassDescriptors()
				.sort(Comparator.comparing(RunsLast::isLast)
					.thenComparing((ClassDescriptor descriptor) -> descriptor.getTestClass().getName()));
		}

		private static boolean isLast(ClassDescriptor descriptor) {
			return LeakCheckAfterAllContexts.class.isAssignableFrom(descriptor.getTestClass());
		}

	}

}
