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

package io.github.gatewayerrorpolicy.client;

import io.netty.handler.codec.DecoderException;

/**
 * An upstream response that is not valid HTTP although Netty's decoder accepted it. It is
 * a {@link DecoderException}, as Netty's own decoding failures are, so it is classified
 * as {@code http_protocol_error}. It carries no stack trace: where it was raised says
 * nothing, and the error path should not pay for capturing one.
 */
public class InvalidUpstreamResponseException extends DecoderException {

	/**
	 * Create an exception that says what was invalid; it is logged at debug level only.
	 * @param message what was invalid
	 */
	public InvalidUpstreamResponseException(String message) {
		super(message);
	}

	@Override
	public synchronized Throwable fillInStackTrace() {
		return this;
	}

}
