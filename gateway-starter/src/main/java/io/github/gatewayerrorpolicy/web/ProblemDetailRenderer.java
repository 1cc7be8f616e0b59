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

import java.net.URI;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.github.gatewayerrorpolicy.classify.ErrorType;
import io.github.gatewayerrorpolicy.retry.RetryAttempts;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.core.ResolvableType;
import org.springframework.core.codec.Hints;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.codec.HttpMessageWriter;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.util.ClassUtils;
import org.springframework.web.server.ServerWebExchange;

/**
 * Renders an {@link UpstreamError} as an RFC 9457 problem document, through the
 * application's own codecs, as {@code application/problem+json} or, for clients that ask
 * for it, {@code application/json}.
 * <p>
 * Members: {@code type}, {@code title}, {@code status}, {@code detail}, {@code instance}
 * (the path the client requested), and the extension members {@code error} (the RFC 9209
 * type), {@code requestId} and {@code route}; where tracing is on, also {@code traceId};
 * where the policy exposes details, also {@code details} and {@code attempts} (how many
 * times the request was sent). {@code type} is the IANA registry of proxy error types,
 * which documents every error type (the {@code error} member tells which), unless a base
 * is given: then the error type resolved against it. In place of a masked upstream error
 * response there is no {@code type} (which means {@code about:blank}) and no
 * {@code error}, and {@code receivedStatus} holds the upstream's status.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9457">RFC 9457</a>
 */
public class ProblemDetailRenderer implements UpstreamErrorRenderer, Ordered {

	/**
	 * The registry of proxy error types, the default {@code type} of every failure.
	 */
	public static final URI PROXY_ERROR_TYPES = URI
		.create("https://www.iana.org/assignments/http-proxy-status/http-proxy-status.xhtml");

	private static final ResolvableType PROBLEM_DETAIL = ResolvableType.forClass(ProblemDetail.class);

	private static final List<MediaType> MEDIA_TYPES = List.of(MediaType.APPLICATION_PROBLEM_JSON,
			MediaType.APPLICATION_JSON);

	private static final boolean JACKSON_PRESENT = ClassUtils.isPresent("tools.jackson.databind.json.JsonMapper",
			ProblemDetailRenderer.class.getClassLoader());

	private final Map<MediaType, HttpMessageWriter<ProblemDetail>> writers;

	/**
	 * Where a media type's writer is Spring's own Jackson encoder: its mapper's writer of
	 * problem documents, made once.
	 */
	private final Map<MediaType, ProblemJsonWriter> jsonWriters;

	private final Map<ErrorType, URI> types = new EnumMap<>(ErrorType.class);

	public ProblemDetailRenderer(ServerCodecConfigurer codecs) {
		this(codecs, null);
	}

	/**
	 * Create a renderer whose problem types are resolved against the given base.
	 * @param codecs the codecs to find a JSON writer in
	 * @param typeBase the base of the problem type URIs, to which the error type is
	 * appended, or {@code null} for {@link #PROXY_ERROR_TYPES} as every failure's type
	 */
	public ProblemDetailRenderer(ServerCodecConfigurer codecs, @Nullable URI typeBase) {
		this.writers = Map.of(MediaType.APPLICATION_PROBLEM_JSON, writer(codecs, MediaType.APPLICATION_PROBLEM_JSON),
				MediaType.APPLICATION_JSON, writer(codecs, MediaType.APPLICATION_JSON));
		Map<MediaType, ProblemJsonWriter> jsonWriters = new HashMap<>();
		if (JACKSON_PRESENT) {
			this.writers.forEach((mediaType, writer) -> {
				ProblemJsonWriter json = ProblemJsonWriter.of(writer, mediaType);
				if (json != null) {
					jsonWriters.put(mediaType, json);
				}
			});
		}
		this.jsonWriters = Map.copyOf(jsonWriters);
		for (ErrorType type : ErrorType.values()) {
			this.types.put(type, (typeBase != null) ? typeBase.resolve(type.token()) : PROXY_ERROR_TYPES);
		}
	}

	@SuppressWarnings("unchecked")
	private static HttpMessageWriter<ProblemDetail> writer(ServerCodecConfigurer codecs, MediaType mediaType) {
		for (HttpMessageWriter<?> writer : codecs.getWriters()) {
			if (writer.canWrite(PROBLEM_DETAIL, mediaType)) {
				return (HttpMessageWriter<ProblemDetail>) writer;
			}
		}
		throw new IllegalStateException("No codec can write a ProblemDetail as " + mediaType
				+ "; add a JSON library such as Jackson to the application");
	}

	@Override
	public List<MediaType> getMediaTypes() {
		return MEDIA_TYPES;
	}

	@Override
	public Mono<Void> render(UpstreamError error, MediaType mediaType, ServerWebExchange exchange) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(error.status(), error.detail());
		if (error.type() != null) {
			problem.setType(this.types.get(error.type()));
		}
		problem.setTitle(error.title());
		problem.setInstance(instance(error.path()));
		if (error.type() != null) {
			problem.setProperty("error", error.type().token());
		}
		if (error.receivedStatus() != null) {
			problem.setProperty("receivedStatus", error.receivedStatus());
		}
		problem.setProperty("requestId", error.requestId());
		if (error.traceId() != null) {
			problem.setProperty("traceId", error.traceId());
		}
		if (error.routeId() != null) {
			problem.setProperty("route", error.routeId());
		}
		if (error.details() != null) {
			problem.setProperty("details", error.details());
			problem.setProperty("attempts", RetryAttempts.attempts(exchange));
		}
		ProblemJsonWriter json = this.jsonWriters.get(mediaType);
		if (json != null) {
			return json.write(problem, mediaType, exchange.getResponse());
		}
		HttpMessageWriter<ProblemDetail> writer = this.writers.getOrDefault(mediaType,
				this.writers.get(MediaType.APPLICATION_PROBLEM_JSON));
		return writer.write(Mono.just(problem), PROBLEM_DETAIL, mediaType, exchange.getResponse(), Hints.none());
	}

	private static URI instance(String path) {
		try {
			return URI.create(path);
		}
		catch (IllegalArgumentException ex) {
			return URI.create("");
		}
	}

	@Override
	public int getOrder() {
		return 0;
	}

}
