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

package io.github.gatewayerrorpolicy.grpc;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import javax.net.ssl.SSLContext;

import io.github.gatewayerrorpolicy.test.TestGateway;
import io.github.gatewayerrorpolicy.upstreams.ReservedPort;
import io.github.gatewayerrorpolicy.upstreams.SelfSignedTls;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import io.grpc.testing.protobuf.SimpleServiceGrpc.SimpleServiceBlockingStub;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.netty.http.Http2SslContextSpec;
import reactor.netty.http.HttpProtocol;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A real gRPC client (grpc-java) calling a real gRPC server through the gateway, over
 * HTTP/2 with TLS on loopback: a healthy call succeeds, the upstream's own gRPC error
 * passes through untouched, and a failure the policy answers reaches the client as a
 * {@code grpc-status} it can read, with the page's title as its message.
 */
@SpringBootTest(classes = { TestGateway.class, GrpcCallTests.TlsServer.class },
		webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.application.name=test-gateway", "server.http2.enabled=true",
				"spring.cloud.gateway.server.webflux.httpclient.ssl.use-insecure-trust-manager=true",
				"gateway.error-policy.health.enabled=false" })
@ExtendWith(OutputCaptureExtension.class)
class GrpcCallTests {

	static final Server UPSTREAM = start();

	/**
	 * An upstream whose streaming calls send one message and then wait: the test shuts it
	 * down in the middle of the call.
	 */
	static final Server DYING = start();

	static final ReservedPort REFUSED = ReservedPort.reserve();

	static final ReservedPort EJECTED = ReservedPort.reserve();

	static final Metadata.Key<String> PUSHBACK = Metadata.Key.of("grpc-retry-pushback-ms",
			Metadata.ASCII_STRING_MARSHALLER);

	static final Metadata.Key<String> TARGET = Metadata.Key.of("x-target", Metadata.ASCII_STRING_MARSHALLER);

	static final Metadata.Key<String> PROXY_STATUS = Metadata.Key.of("proxy-status", Metadata.ASCII_STRING_MARSHALLER);

	@LocalServerPort
	int port;

	@Autowired
	MeterRegistry registry;

	ManagedChannel channel;

	/**
	 * The response headers of the last call, if it had any before its trailers.
	 */
	final AtomicReference<Metadata> headers = new AtomicReference<>();

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		route(registry, 0, "grpc-ok", "https://127.0.0.1:" + UPSTREAM.getPort(), null);
		route(registry, 1, "grpc-refused", "https://127.0.0.1:" + REFUSED.port(), null);
		route(registry, 2, "grpc-slow", "https://127.0.0.1:" + UPSTREAM.getPort(), "500");
		route(registry, 3, "grpc-ejected", "https://127.0.0.1:" + EJECTED.port(), null);
		String prefix = "spring.cloud.gateway.server.webflux.routes[3].metadata.error-policy.health.";
		registry.add(prefix + "enabled", () -> "true");
		registry.add(prefix + "consecutive-failures", () -> "1");
		registry.add(prefix + "base-ejection-time", () -> "30s");
		route(registry, 4, "grpc-dying", "https://127.0.0.1:" + DYING.getPort(), null);
	}

	@AfterAll
	static void stopUpstream() throws InterruptedException {
		UPSTREAM.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
		DYING.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
	}

	private static void route(DynamicPropertyRegistry registry, int index, String id, String uri,
			String responseTimeout) {
		String prefix = "spring.cloud.gateway.server.webflux.routes[" + index + "].";
		registry.add(prefix + "id", () -> id);
		registry.add(prefix + "uri", () -> uri);
		registry.add(prefix + "predicates[0]", () -> "Header=x-target, " + id);
		if (responseTimeout != null) {
			registry.add(prefix + "metadata.response-timeout", () -> responseTimeout);
		}
	}

	@BeforeEach
	void connect() throws Exception {
		this.channel = NettyChannelBuilder
			.forAddress("127.0.0.1", this.port,
					TlsChannelCredentials.newBuilder()
						.trustManager(InsecureTrustManagerFactory.INSTANCE.getTrustManagers())
						.build())
			.build();
	}

	@AfterEach
	void disconnect() throws InterruptedException {
		this.channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
	}

	@Test
	void aHealthyCallSucceeds() {
		assertThat(stub("grpc-ok", null).unaryRpc(request("world")).getResponseMessage()).isEqualTo("hello world");
		assertThat(this.headers.get()).as("a response with headers, a message and trailers").isNotNull();
	}

	@Test
	void theUpstreamsOwnErrorPassesThroughUntouched() {
		assertThatExceptionOfType(StatusRuntimeException.class)
			.isThrownBy(() -> stub("grpc-ok", null).unaryRpc(request("not-found")))
			.satisfies((error) -> {
				assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
				assertThat(error.getStatus().getDescription()).isEqualTo("no such thing");
				assertThat(error.getTrailers().get(PROXY_STATUS)).isNull();
				// Spring Cloud Gateway sends the upstream's Trailers-Only answer as
				// headers
				// and trailers; the policy adds nothing to either
				assertThat(this.headers.get().get(PROXY_STATUS)).isNull();
			});
	}

	@Test
	void aRefusedConnectionIsUnavailableWithTheSafeMessage(CapturedOutput output) {
		double before = refusedCount();
		assertThatExceptionOfType(StatusRuntimeException.class)
			.isThrownBy(() -> stub("grpc-refused", null).unaryRpc(request("world")))
			.satisfies((error) -> {
				assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
				assertThat(error.getStatus().getDescription()).isEqualTo("Connection refused");
				assertThat(error.getTrailers().get(PROXY_STATUS)).isEqualTo("test-gateway; error=connection_refused");
				assertThat(error.getMessage()).doesNotContain(String.valueOf(REFUSED.port()))
					.doesNotContain("text/html");
				assertThat(this.headers.get()).as("Trailers-Only: one header block, no message").isNull();
			});
		assertThat(refusedCount()).as("counted with the status the policy chose").isEqualTo(before + 1);
		assertThat(output).contains("route=grpc-refused error=connection_refused status=502 outcome=responded")
			.contains("protocol=grpc");
	}

	@Test
	void theMessageIsInTheClientsLanguageAndPercentEncoded() {
		assertThatExceptionOfType(StatusRuntimeException.class)
			.isThrownBy(() -> stub("grpc-refused", "fr").unaryRpc(request("world")))
			.satisfies((error) -> assertThat(error.getStatus().getDescription()).isEqualTo("Connexion refusée"));
	}

	@Test
	void anUpstreamThatDoesNotAnswerInTimeIsADeadlineExceeded() {
		long start = System.nanoTime();
		assertThatExceptionOfType(StatusRuntimeException.class)
			.isThrownBy(() -> stub("grpc-slow", null).unaryRpc(request("hang")))
			.satisfies((error) -> {
				assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
				assertThat(error.getStatus().getDescription()).as("the gateway's, not the client's own deadline")
					.isEqualTo("Response timeout");
			});
		assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5000);
	}

	@Test
	void anEjectedUpstreamTellsTheClientWhenToComeBack() {
		assertThatExceptionOfType(StatusRuntimeException.class)
			.isThrownBy(() -> stub("grpc-ejected", null).unaryRpc(request("world")))
			.satisfies((error) -> assertThat(error.getStatus().getDescription()).isEqualTo("Connection refused"));
		assertThatExceptionOfType(StatusRuntimeException.class)
			.isThrownBy(() -> stub("grpc-ejected", null).unaryRpc(request("world")))
			.satisfies((error) -> {
				assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
				assertThat(error.getStatus().getDescription()).isEqualTo("Destination unavailable");
				assertThat(error.getTrailers().get(PROXY_STATUS))
					.isEqualTo("test-gateway; error=destination_unavailable");
				assertThat(Long.parseLong(error.getTrailers().get(PUSHBACK))).isBetween(25_000L, 30_000L);
			});
	}

	@Test
	void aCallWhoseUpstreamDiesMidStreamEndsWithAStatusNotAReset(CapturedOutput output) throws Exception {
		Iterator<SimpleResponse> messages = stub("grpc-dying", null).serverStreamingRpc(request("world"));
		assertThat(messages.next().getResponseMessage()).isEqualTo("hello world");
		DYING.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
		assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(messages::hasNext).satisfies((error) -> {
			// not CANCELLED: the client did not give up, the upstream went away
			assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
			assertThat(error.getStatus().getDescription()).isEqualTo("Incomplete response");
			assertThat(error.getTrailers().get(PROXY_STATUS)).isEqualTo("test-gateway; error=http_response_incomplete");
		});
		assertThat(output).contains("route=grpc-dying error=http_response_incomplete status=200 outcome=aborted");
	}

	@Test
	void anHttp11RequestWithTheGrpcContentTypeGetsAnHttpAnswer() throws Exception {
		SSLContext tls = SSLContext.getInstance("TLS");
		tls.init(null, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
		HttpResponse<String> response = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.sslContext(tls)
			.build()
			.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + this.port + "/any"))
				.header("Content-Type", "application/grpc")
				.header("x-target", "grpc-refused")
				.POST(HttpRequest.BodyPublishers.noBody())
				.timeout(Duration.ofSeconds(10))
				.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(502);
		assertThat(response.headers().firstValue("grpc-status")).isEmpty();
	}

	private double refusedCount() {
		Counter counter = this.registry.find("gateway.upstream.failures")
			.tag("route", "grpc-refused")
			.tag("status", "502")
			.tag("outcome", "responded")
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

	private SimpleServiceBlockingStub stub(String target, String language) {
		Metadata headers = new Metadata();
		headers.put(TARGET, target);
		if (language != null) {
			headers.put(Metadata.Key.of("accept-language", Metadata.ASCII_STRING_MARSHALLER), language);
		}
		return SimpleServiceGrpc.newBlockingStub(this.channel)
			.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers),
					MetadataUtils.newCaptureMetadataInterceptor(this.headers, new AtomicReference<>()))
			.withDeadlineAfter(10, TimeUnit.SECONDS);
	}

	private static SimpleRequest request(String message) {
		return SimpleRequest.newBuilder().setRequestMessage(message).build();
	}

	/**
	 * A gRPC server on loopback with TLS: it greets, answers {@code not-found} with its
	 * own {@code NOT_FOUND}, and never answers {@code hang}; a streaming call gets one
	 * greeting and is then left open.
	 */
	private static Server start() {
		try {
			return NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
					TlsServerCredentials.newBuilder().keyManager(SelfSignedTls.keyManagers().getKeyManagers()).build())
				.addService(new SimpleServiceGrpc.SimpleServiceImplBase() {

					@Override
					public void unaryRpc(SimpleRequest request, StreamObserver<SimpleResponse> response) {
						switch (request.getRequestMessage()) {
							case "not-found" -> response
								.onError(Status.NOT_FOUND.withDescription("no such thing").asRuntimeException());
							case "hang" -> {
							}
							default -> {
								response.onNext(SimpleResponse.newBuilder()
									.setResponseMessage("hello " + request.getRequestMessage())
									.build());
								response.onCompleted();
							}
						}
					}

					@Override
					public void serverStreamingRpc(SimpleRequest request, StreamObserver<SimpleResponse> response) {
						response.onNext(SimpleResponse.newBuilder()
							.setResponseMessage("hello " + request.getRequestMessage())
							.build());
					}

				})
				.build()
				.start();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * The gateway's server speaks HTTP/2 over TLS with a self-signed certificate, as a
	 * gRPC client needs.
	 */
	@TestConfiguration(proxyBeanMethods = false)
	static class TlsServer {

		@Bean
		NettyServerCustomizer tlsHttp2() {
			return (server) -> server
				.secure((spec) -> spec.sslContext(Http2SslContextSpec.forServer(SelfSignedTls.keyManagers())))
				.protocol(HttpProtocol.H2, HttpProtocol.HTTP11);
		}

	}

}
