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

import org.springframework.web.server.ServerWebInputException;

/**
 * The client's request body could not be decoded, so the request to the upstream was
 * ended in error rather than completed: {@code http_request_error}. It is the client's
 * error, a 400, not an {@code IOException}: Spring Cloud Gateway's {@code Retry} filter
 * must not send the request again, and it says nothing about the upstream's health. It
 * carries no stack trace: where it was raised says nothing.
 */
public class InvalidRequestBodyException extends ServerWebInputException {

	/**
	 * Create the exception.
	 */
	public InvalidRequestBodyException() {
		super("The request body could not be decoded");
	}

	@Override
	public synchronized Throwable fillInStackTrace() {
		return this;
	}

}
