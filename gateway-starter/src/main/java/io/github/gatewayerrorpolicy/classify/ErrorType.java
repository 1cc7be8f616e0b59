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

import org.springframework.http.HttpStatus;

/**
 * The proxy error types of RFC 9209 that a gateway can meet when it calls an upstream,
 * each with the status the RFC recommends.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9209#section-2.3">RFC 9209, Proxy Error
 * Types</a>
 */
public enum ErrorType {

	/** The name of the upstream could not be resolved in time. */
	DNS_TIMEOUT("dns_timeout", HttpStatus.GATEWAY_TIMEOUT),

	/** The name of the upstream could not be resolved. */
	DNS_ERROR("dns_error", HttpStatus.BAD_GATEWAY),

	/** No instance of the upstream is available, for example from a load balancer. */
	DESTINATION_UNAVAILABLE("destination_unavailable", HttpStatus.SERVICE_UNAVAILABLE),

	/** No route to the upstream's address exists. */
	DESTINATION_IP_UNROUTABLE("destination_ip_unroutable", HttpStatus.BAD_GATEWAY),

	/** The upstream refused the connection. */
	CONNECTION_REFUSED("connection_refused", HttpStatus.BAD_GATEWAY),

	/** The connection closed or was reset before a complete response head arrived. */
	CONNECTION_TERMINATED("connection_terminated", HttpStatus.BAD_GATEWAY),

	/** The connection to the upstream could not be opened in time. */
	CONNECTION_TIMEOUT("connection_timeout", HttpStatus.GATEWAY_TIMEOUT),

	/** The upstream stopped sending while the response body was being read. */
	CONNECTION_READ_TIMEOUT("connection_read_timeout", HttpStatus.GATEWAY_TIMEOUT),

	/** No connection to the upstream could be had from the connection pool. */
	CONNECTION_LIMIT_REACHED("connection_limit_reached", HttpStatus.SERVICE_UNAVAILABLE),

	/** The TLS handshake with the upstream failed. */
	TLS_PROTOCOL_ERROR("tls_protocol_error", HttpStatus.BAD_GATEWAY),

	/** The upstream's certificate was not accepted. */
	TLS_CERTIFICATE_ERROR("tls_certificate_error", HttpStatus.BAD_GATEWAY),

	/** The upstream's response head was larger than the configured limit. */
	HTTP_RESPONSE_HEADER_SECTION_SIZE("http_response_header_section_size", HttpStatus.BAD_GATEWAY),

	/** The upstream's response ended before it was complete. */
	HTTP_RESPONSE_INCOMPLETE("http_response_incomplete", HttpStatus.BAD_GATEWAY),

	/** The upstream's response was not valid HTTP. */
	HTTP_PROTOCOL_ERROR("http_protocol_error", HttpStatus.BAD_GATEWAY),

	/** No response head arrived within the response timeout. */
	HTTP_RESPONSE_TIMEOUT("http_response_timeout", HttpStatus.GATEWAY_TIMEOUT),

	/**
	 * The client's request could not be forwarded because it is malformed; its body
	 * failed to decode after the upstream request had begun, which was then ended in
	 * error. The server has answered the client already.
	 */
	HTTP_REQUEST_ERROR("http_request_error", HttpStatus.BAD_REQUEST),

	/** The upstream call failed in a way no other type describes. */
	PROXY_INTERNAL_ERROR("proxy_internal_error", HttpStatus.INTERNAL_SERVER_ERROR);

	private final String token;

	private final HttpStatus defaultStatus;

	ErrorType(String token, HttpStatus defaultStatus) {
		this.token = token;
		this.defaultStatus = defaultStatus;
	}

	/**
	 * Return the type as RFC 9209 spells it, for example {@code connection_refused}.
	 * @return the RFC 9209 token
	 */
	public String token() {
		return this.token;
	}

	/**
	 * Return the status RFC 9209 recommends for this type.
	 * @return the default status
	 */
	public HttpStatus defaultStatus() {
		return this.defaultStatus;
	}

}
