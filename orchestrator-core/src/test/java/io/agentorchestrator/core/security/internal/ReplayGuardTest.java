package io.agentorchestrator.core.security.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class ReplayGuardTest {

    /** A clock the test moves. */
    private static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-01-01T10:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void remembersAnIdUntilItsCredentialExpiresThenForgetsIt() {
        ManualClock clock = new ManualClock();
        ReplayGuard guard = new ReplayGuard(clock, 1000);
        Instant expires = clock.now.plusSeconds(60);

        assertThat(guard.firstSeen("agents", "jti-1", expires, 0)).isTrue();
        assertThat(guard.firstSeen("agents", "jti-1", expires, 0)).isFalse();
        assertThat(guard.firstSeen("others", "jti-1", expires, 0)).as("ids are per principal").isTrue();

        clock.now = clock.now.plus(Duration.ofSeconds(61));
        assertThat(guard.size()).isZero();
    }

    @Test
    void staysWithinItsBound() {
        ManualClock clock = new ManualClock();
        ReplayGuard guard = new ReplayGuard(clock, 1000);
        for (int i = 0; i < 5000; i++) {
            guard.firstSeen("agents", "jti-" + i, clock.now.plusSeconds(600), 0);
        }
        assertThat(guard.size()).isLessThanOrEqualTo(1000);
    }
}
