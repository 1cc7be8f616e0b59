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

import java.io.IOException;
import java.net.NoRouteToHostException;
import java.security.cert.CertificateException;

import javax.net.ssl.SSLHandshakeException;

import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.handler.timeout.ReadTimeoutException;
import org.junit.jupiter.api.Test;
import reactor.netty.internal.shaded.reactor.pool.PoolAcquirePendingLimitException;
import reactor.netty.internal.shaded.reactor.pool.PoolAcquireTimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link DefaultUpstreamFailureClassifier}, for failures that cannot be
 * produced on loopback; the others are classified from real failures in the integration
 * tests.
 */
class DefaultUpstreamFailureClassifierTests {

	private final DefaultUpstreamFailureClassifier classifier = new DefaultUpstreamFailureClassifier();

	@Test
	void readTimeoutDependsOnThePhase() {
		assertThat(classify(ReadTimeoutException.INSTANCE, UpstreamPhase.BEFORE_RESPONSE))
			.isEqualTo(ErrorType.HTTP_RESPONSE_TIMEOUT);
		assertThat(classify(ReadTimeoutException.INSTANCE, UpstreamPhase.DURING_RESPONSE))
			.isEqualTo(ErrorType.CONNECTION_READ_TIMEOUT);
	}

	@Test
	void refusedCertificateIsACertificateError() {
		SSLHandshakeException error = new SSLHandshakeException("PKIX path building failed");
		error.initCause(new CertificateException("unable to find valid certification path"));
		assertThat(classify(error, UpstreamPhase.BEFORE_RESPONSE)).isEqualTo(ErrorType.TLS_CERTIFICATE_ERROR);
		assertThat(classify(new SslHandshakeTimeoutException("handshake timed out"), UpstreamPhase.BEFORE_RESPONSE))
			.isEqualTo(ErrorType.CONNECTION_TIMEOUT);
	}

	@Test
	void exhaustedPoolIsAConnectionLimit() {
		assertThat(classify(new PoolAcquirePendingLimitException(1), UpstreamPhase.BEFORE_RESPONSE))
			.isEqualTo(ErrorType.CONNECTION_LIMIT_REACHED);
		assertThat(classify(new PoolAcquireTimeoutException(java.time.Duration.ofSeconds(1)),
				UpstreamPhase.BEFORE_RESPONSE))
			.isEqualTo(ErrorType.CONNECTION_LIMIT_REACHED);
	}

	@Test
	void anEjectedUpstreamIsAnUnavailableDestination() {
		assertThat(classify(new UpstreamEjectedException(3), UpstreamPhase.BEFORE_RESPONSE))
			.isEqualTo(ErrorType.DESTINATION_UNAVAILABLE);
	}

	@Test
	void noRouteIsAnUnroutableDestination() {
		assertThat(classify(new NoRouteToHostException(), UpstreamPhase.BEFORE_RESPONSE))
			.isEqualTo(ErrorType.DESTINATION_IP_UNROUTABLE);
	}

	@Test
	void transportErrorsDependOnThePhase() {
		assertThat(classify(new IOException("Broken pipe"), UpstreamPhase.BEFORE_RESPONSE))
			.isEqualTo(ErrorType.CONNECTION_TERMINATED);
		assertThat(classify(new IOException("Broken pipe"), UpstreamPhase.DURING_RESPONSE))
			.isEqualTo(ErrorType.HTTP_RESPONSE_INCOMPLETE);
	}

	@Test
	void anythingElseIsAProxyInternalError() {
		assertThat(classify(new IllegalStateException("?"), UpstreamPhase.BEFORE_RESPONSE))
			.isEqualTo(ErrorType.PROXY_INTERNAL_ERROR);
		RuntimeException selfCaused = new RuntimeException() {
			@Override
			public synchronized Throwable getCause() {
				return this;
			}
		};
		assertThat(classify(selfCaused, UpstreamPhase.BEFORE_RESPONSE)).isEqualTo(ErrorType.PROXY_INTERNAL_ERROR);
	}

	private ErrorType classify(Throwable error, UpstreamPhase phase) {
		return this.classifier.classify(new UpstreamFailure(error, phase));
	}

}
