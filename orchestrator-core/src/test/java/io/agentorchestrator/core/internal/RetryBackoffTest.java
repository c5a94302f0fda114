package io.agentorchestrator.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The ceiling of the full-jitter backoff. */
class RetryBackoffTest {

    private static final long MS = 1_000_000L;

    @Test
    void doublesPerRetryUpToTheMax() {
        assertThat(DefaultOrchestrator.backoffCeilingNanos(1, 25 * MS, 250 * MS)).isEqualTo(25 * MS);
        assertThat(DefaultOrchestrator.backoffCeilingNanos(2, 25 * MS, 250 * MS)).isEqualTo(50 * MS);
        assertThat(DefaultOrchestrator.backoffCeilingNanos(4, 25 * MS, 250 * MS)).isEqualTo(200 * MS);
        assertThat(DefaultOrchestrator.backoffCeilingNanos(5, 25 * MS, 250 * MS)).isEqualTo(250 * MS);
        assertThat(DefaultOrchestrator.backoffCeilingNanos(99, 10_000 * MS, 60_000 * MS)).isEqualTo(60_000 * MS);
    }

    @Test
    void aZeroBaseMeansNoWait() {
        assertThat(DefaultOrchestrator.backoffCeilingNanos(3, 0, 0)).isZero();
    }
}
