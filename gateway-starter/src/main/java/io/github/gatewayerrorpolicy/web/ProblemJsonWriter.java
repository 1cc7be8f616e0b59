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

import java.util.Map;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.exc.InvalidDefinitionException;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.codec.CodecException;
import org.springframework.core.codec.EncodingException;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.codec.EncoderHttpMessageWriter;
import org.springframework.http.codec.HttpMessageWriter;
import org.springframework.http.codec.json.JacksonJsonEncoder;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.util.MimeType;

/**
 * Writes a problem document as the application's {@link JacksonJsonEncoder} would, with
 * the mapper that encoder selects for {@link ProblemDetail} and the media type (so with
 * its settings: Spring Boot's {@code spring.jackson.*}, say), but with a writer made once
 * rather than looked up and built again for every document.
 */
final class ProblemJsonWriter {

	private final ObjectWriter writer;

	private ProblemJsonWriter(ObjectWriter writer) {
		this.writer = writer;
	}

	/**
	 * The writer for a media type's codec, if that codec is Spring's Jackson encoder
	 * itself in Spring's own message writer, and writes UTF-8 with no charset parameter
	 * (the encoder's default): a subclass of either may customize what it writes, and an
	 * encoder made for other media types may add a charset, so these are asked for each
	 * document.
	 * @param codec the codec the application would write the media type with
	 * @param mediaType the media type
	 * @return the writer, or {@code null} to write with the codec
	 */
	static @Nullable ProblemJsonWriter of(HttpMessageWriter<ProblemDetail> codec, MediaType mediaType) {
		if (codec.getClass() != EncoderHttpMessageWriter.class
				|| ((EncoderHttpMessageWriter<?>) codec).getEncoder().getClass() != JacksonJsonEncoder.class) {
			return null;
		}
		JacksonJsonEncoder encoder = (JacksonJsonEncoder) ((EncoderHttpMessageWriter<?>) codec).getEncoder();
		for (MimeType encodable : encoder.getEncodableMimeTypes()) {
			if (encodable.getCharset() != null) {
				return null;
			}
		}
		// as the encoder selects its mapper: one registered for the type and a media
		// type that includes this one, else, with none registered, its default
		Map<MimeType, JsonMapper> registered = encoder.getMappersForType(ProblemDetail.class);
		if (registered == null) {
			return null;
		}
		JsonMapper mapper = registered.isEmpty() ? encoder.getMapper() : null;
		for (Map.Entry<MimeType, JsonMapper> entry : registered.entrySet()) {
			if (entry.getKey().includes(mediaType)) {
				mapper = entry.getValue();
				break;
			}
		}
		return (mapper != null) ? new ProblemJsonWriter(mapper.writerFor(ProblemDetail.class)) : null;
	}

	/**
	 * Write a problem document as the response body, with its {@code Content-Type} and
	 * {@code Content-Length}.
	 * @param problem the document
	 * @param mediaType its media type
	 * @param response the response
	 * @return completion of the write
	 */
	Mono<Void> write(ProblemDetail problem, MediaType mediaType, ServerHttpResponse response) {
		byte[] bytes;
		try {
			bytes = this.writer.writeValueAsBytes(problem);
		}
		// as the encoder reports them
		catch (InvalidDefinitionException ex) {
			return Mono.error(new CodecException("Type definition error: " + ex.getType(), ex));
		}
		catch (JacksonException ex) {
			return Mono.error(new EncodingException("JSON encoding error: " + ex.getOriginalMessage(), ex));
		}
		catch (RuntimeException ex) {
			return Mono.error(ex);
		}
		response.getHeaders().setContentType(mediaType);
		response.getHeaders().setContentLength(bytes.length);
		return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(bytes)));
	}

}
