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
package io.github.gatewayerrorpolicy.classify;

/**
 * Decides which RFC 9209 error type describes a failed call to an upstream.
 * <p>
 * Only errors that were raised by the upstream call itself reach a classifier (and the
 * load balancer's finding that no instance is available), so an implementation never has
 * to tell upstream failures from other errors. Declare a bean of this type to replace the
 * {@link DefaultUpstreamFailureClassifier}; delegate to it for the cases you do not
 * handle.
 */
@FunctionalInterface
public interface UpstreamFailureClassifier {

	/**
	 * Classify a failed upstream call.
	 * @param failure the error and the phase it was raised in
	 * @return the error type, never {@code null}
	 */
	ErrorType classify(UpstreamFailure failure);

}
