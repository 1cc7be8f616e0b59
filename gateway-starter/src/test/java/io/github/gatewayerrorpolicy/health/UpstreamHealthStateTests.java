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

package io.github.gatewayerrorpolicy.health;

import java.time.Duration;
import java.util.Set;

import io.github.gatewayerrorpolicy.classify.ErrorType;
import io.github.gatewayerrorpolicy.health.UpstreamHealth.Admission;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The state of one tracked upstream against reports that arrive late or never: a request
 * admitted before an ejection cannot release or decide a later probe, and a probe that
 * never ends counts as failed once the longest ejection time has passed.
 */
class UpstreamHealthStateTests {

	static final UpstreamAddress ADDRESS = new UpstreamAddress("http", "127.0.0.1", 9);

	static final HealthPolicy POLICY = new HealthPolicy(true, 2, Set.of(ErrorType.CONNECTION_REFUSED), Set.of(),
			Duration.ofMillis(200), Duration.ofMillis(400), 50);

	final UpstreamHealth health = new UpstreamHealth(10);

	@Test
	void aRequestAdmittedBeforeTheEjectionCannotReleaseOrDecideTheProbe() {
		Admission early = admit();
		eject();
		Admission probe = awaitProbe();
		early.released();
		assertThat(admit().isRefused()).as("a second probe while the first is out").isTrue();
		early.succeeded();
		assertThat(admit().isRefused()).as("restored by a request of before the ejection").isTrue();
		probe.failed("connection_refused");
		Admission refused = admit();
		assertThat(refused.isRefused()).isTrue();
		assertThat(refused.retryAfterSeconds()).isEqualTo(1);
		assertThat(this.health.ejectedUpstreams()).singleElement()
			.satisfies((state) -> assertThat(state.ejections()).isEqualTo(2));
	}

	@Test
	void aProbeThatNeverEndsCountsAsFailedAfterTheLongestEjection() {
		eject();
		awaitProbe();
		assertThat(admit().isRefused()).isTrue();
		// the probe is never reported: once max-ejection-time has passed, the next
		// request
		// finds it failed, and the upstream is ejected again, then probed again
		await().atMost(Duration.ofSeconds(3))
			.pollInterval(Duration.ofMillis(20))
			.until(() -> admit().isRefused() && this.health.ejectedUpstreams().get(0).ejections() == 2);
		Admission second = awaitProbe();
		second.succeeded();
		assertThat(admit().isRefused()).isFalse();
		assertThat(this.health.ejectedUpstreams().get(0).state()).isEqualTo("healthy");
	}

	@Test
	void anUpstreamKeptBeyondTheCapIsCalledAndRestoredByAnAnswer() {
		eject();
		assertThat(admit().isRefused()).isTrue();
		Admission kept = this.health.admit("route", POLICY, ADDRESS, true);
		assertThat(kept.isRefused()).isFalse();
		kept.succeeded();
		assertThat(admit().isRefused()).isFalse();
	}

	@Test
	void aProbeThatEndsWithoutAnOutcomeLetsTheNextRequestProbe() {
		eject();
		Admission probe = awaitProbe();
		assertThat(this.health.isLeftOut(POLICY, ADDRESS)).as("left out while its probe is under way").isTrue();
		assertThat(admit().isRefused()).isTrue();
		probe.released();
		assertThat(this.health.isLeftOut(POLICY, ADDRESS)).as("offered again for the next probe").isFalse();
		Admission next = admit();
		assertThat(next.isRefused()).isFalse();
		next.succeeded();
		assertThat(this.health.isAnyEjected()).isFalse();
	}

	@Test
	void answersBeyondTheCapRestoreTheUpstream() {
		eject();
		Admission one = this.health.admit("route", POLICY, ADDRESS, true);
		Admission two = this.health.admit("route", POLICY, ADDRESS, true);
		one.succeeded();
		two.succeeded();
		assertThat(this.health.isAnyEjected()).as("no upstream counted as ejected").isFalse();
		assertThat(this.health.ejectedUpstreams()).singleElement()
			.satisfies((state) -> assertThat(state.state()).isEqualTo("healthy"));
	}

	private void eject() {
		for (int i = 0; i < POLICY.consecutiveFailures(); i++) {
			admit().failed("connection_refused");
		}
		assertThat(admit().isRefused()).isTrue();
	}

	private Admission awaitProbe() {
		Admission[] probe = new Admission[1];
		await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20)).until(() -> {
			probe[0] = admit();
			return !probe[0].isRefused();
		});
		return probe[0];
	}

	private Admission admit() {
		return this.health.admit("route", POLICY, ADDRESS, false);
	}

}
