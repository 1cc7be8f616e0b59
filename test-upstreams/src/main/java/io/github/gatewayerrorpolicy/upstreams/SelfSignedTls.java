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

package io.github.gatewayerrorpolicy.upstreams;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A TLS server context with a freshly generated self-signed certificate for
 * {@code localhost} and {@code 127.0.0.1}, made with the JDK's own {@code keytool}, so no
 * certificate is stored anywhere. No client trusts it, which is what a test of a refused
 * certificate needs.
 */
public final class SelfSignedTls {

	private static final char[] PASSWORD = "changeit".toCharArray();

	private SelfSignedTls() {
	}

	/**
	 * Generate a key pair and certificate and return a server context that presents it.
	 * @return the context
	 */
	public static SSLContext serverContext() {
		try {
			SSLContext context = SSLContext.getInstance("TLS");
			context.init(keyManagers().getKeyManagers(), null, null);
			return context;
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Generate a key pair and certificate and return key managers that present it, for a
	 * server that builds its own TLS context, such as Reactor Netty's.
	 * @return the key managers
	 */
	public static KeyManagerFactory keyManagers() {
		try {
			Path directory = Files.createTempDirectory("self-signed-tls");
			Path keyStore = directory.resolve("server.p12");
			Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
			Process process = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "server", "-keyalg", "EC",
					"-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
					"-validity", "2", "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass",
					new String(PASSWORD), "-keypass", new String(PASSWORD))
				.redirectErrorStream(true)
				.start();
			byte[] output = process.getInputStream().readAllBytes();
			if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
				throw new IllegalStateException("keytool failed: " + new String(output));
			}
			KeyStore store = KeyStore.getInstance("PKCS12");
			try (InputStream in = Files.newInputStream(keyStore)) {
				store.load(in, PASSWORD);
			}
			Files.delete(keyStore);
			Files.delete(directory);
			KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
			keys.init(store, PASSWORD);
			return keys;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}
