package io.agentorchestrator.core.security.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentorchestrator.core.kit.ManualClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ReplayGuardTest {

    @Test
    void remembersAnIdUntilItsCredentialExpiresThenForgetsIt() {
        ManualClock clock = new ManualClock(Instant.parse("2026-01-01T10:00:00Z"));
        ReplayGuard guard = new ReplayGuard(clock, 1000);
        Instant expires = clock.instant().plusSeconds(60);

        assertThat(guard.firstSeen("agents", "jti-1", expires, 0)).isTrue();
        assertThat(guard.firstSeen("agents", "jti-1", expires, 0)).isFalse();
        assertThat(guard.firstSeen("others", "jti-1", expires, 0)).as("ids are per principal").isTrue();

        clock.advance(Duration.ofSeconds(61));
        assertThat(guard.size()).isZero();
    }

    @Test
    void staysWithinItsBound() {
        ManualClock clock = new ManualClock(Instant.parse("2026-01-01T10:00:00Z"));
        ReplayGuard guard = new ReplayGuard(clock, 1000);
        for (int i = 0; i < 5000; i++) {
            guard.firstSeen("agents", "jti-" + i, clock.instant().plusSeconds(600), 0);
        }
        assertThat(guard.size()).isLessThanOrEqualTo(1000);
    }
}
