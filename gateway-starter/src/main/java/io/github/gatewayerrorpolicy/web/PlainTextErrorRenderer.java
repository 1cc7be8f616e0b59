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

import java.nio.charset.StandardCharsets;
import java.util.List;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.MediaType;
import org.springframework.web.server.ServerWebExchange;

/**
 * Renders an {@link UpstreamError} as a few lines of {@code text/plain}, for terminals
 * and logs.
 */
public class PlainTextErrorRenderer implements UpstreamErrorRenderer, Ordered {

	private static final MediaType TEXT_PLAIN_UTF8 = new MediaType(MediaType.TEXT_PLAIN, StandardCharsets.UTF_8);

	private static final List<MediaType> MEDIA_TYPES = List.of(MediaType.TEXT_PLAIN);

	@Override
	public List<MediaType> getMediaTypes() {
		return MEDIA_TYPES;
	}

	@Override
	public Mono<Void> render(UpstreamError error, MediaType mediaType, ServerWebExchange exchange) {
		StringBuilder text = new StringBuilder(256).append(error.status().value())
			.append(' ')
			.append(error.status().getReasonPhrase())
			.append('\n')
			.append(error.title())
			.append(": ")
			.append(error.detail())
			.append('\n');
		if (error.type() != null) {
			text.append("error: ").append(error.type().token()).append('\n');
		}
		if (error.details() != null) {
			text.append("details: ").append(error.details()).append('\n');
		}
		text.append("request: ").append(error.requestId()).append('\n');
		if (error.traceId() != null) {
			text.append("trace: ").append(error.traceId()).append('\n');
		}
		return TextBodies.write(exchange.getResponse(), TEXT_PLAIN_UTF8, text.toString());
	}

	@Override
	public int getOrder() {
		return 200;
	}

}
