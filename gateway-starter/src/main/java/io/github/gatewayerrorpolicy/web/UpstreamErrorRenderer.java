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
package io.github.gatewayerrorpolicy.web;

import java.util.List;

import reactor.core.publisher.Mono;

import org.springframework.http.MediaType;
import org.springframework.web.server.ServerWebExchange;

/**
 * Writes an {@link UpstreamError} to the response in one or more media types.
 * <p>
 * The {@link UpstreamErrorWebExceptionHandler} chooses among all renderer beans by the
 * request's {@code Accept} header; when several media types are equally acceptable, the
 * renderer with the higher precedence ({@link org.springframework.core.Ordered}) wins.
 * The status and the common headers are already set when a renderer is called.
 */
public interface UpstreamErrorRenderer {

	/**
	 * Return the media types this renderer can write, most preferred first.
	 * @return the media types, without wildcards
	 */
	List<MediaType> getMediaTypes();

	/**
	 * Write the error to the exchange's response.
	 * @param error the error to render
	 * @param mediaType the negotiated media type, one of {@link #getMediaTypes()}
	 * @param exchange the current exchange
	 * @return completion of the write
	 */
	Mono<Void> render(UpstreamError error, MediaType mediaType, ServerWebExchange exchange);

}
