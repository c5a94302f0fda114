package io.agentorchestrator.redis;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How long an agent remembers an answered attempt: a grace past the task's deadline, within {@code dedupeTtl}. */
class DoneTtlTest {

    private static final long HOUR = 3_600_000;
    private static final long NOW = 1_764_000_000_000L;

    @Test
    void aTaskWithADeadlineIsRememberedUntilTheGracePastIt() {
        assertThat(StreamListener.doneTtlMillis(NOW + 30_000, NOW, HOUR)).isEqualTo(30_000 + StreamListener.DONE_GRACE_MILLIS);
    }

    @Test
    void neverLongerThanDedupeTtlNorShorterThanTheGrace() {
        assertThat(StreamListener.doneTtlMillis(NOW + 5 * HOUR, NOW, HOUR)).isEqualTo(HOUR);
        // Answered after its deadline (a slow handler, or skewed clocks): still the grace.
        assertThat(StreamListener.doneTtlMillis(NOW - 10 * HOUR, NOW, HOUR)).isEqualTo(StreamListener.DONE_GRACE_MILLIS);
    }

    @Test
    void aTaskWithoutADeadlineIsRememberedForDedupeTtl() {
        assertThat(StreamListener.doneTtlMillis(0, NOW, HOUR)).isEqualTo(HOUR);
    }
}
