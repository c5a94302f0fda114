package io.agentorchestrator.core.internal.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The retry budget on a fake clock. */
class RetryBudgetTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void allowsTheShareOfRecentRequestsPlusTheFloor() {
        RetryBudget budget = new RetryBudget(0.2, 1, 10 * SECOND); // floor: 10 retries per window
        long now = 100 * SECOND;
        for (int i = 0; i < 100; i++) {
            budget.onRequest(now);
        }
        int allowed = 0;
        for (int i = 0; i < 100; i++) {
            if (budget.tryRetry(now)) {
                allowed++;
            }
        }
        assertThat(allowed).isEqualTo(30);
    }

    @Test
    void refillsAsTheWindowSlides() {
        RetryBudget budget = new RetryBudget(0.0, 1, 10 * SECOND);
        long now = 0;
        for (int i = 0; i < 10; i++) {
            assertThat(budget.tryRetry(now)).isTrue();
        }
        assertThat(budget.tryRetry(now)).isFalse();
        now += 9 * SECOND;
        assertThat(budget.tryRetry(now)).isFalse();
        now += 2 * SECOND;
        assertThat(budget.tryRetry(now)).isTrue();
        assertThat(budget.retries(now)).isEqualTo(1);
    }

    @Test
    void aZeroBudgetAllowsNothing() {
        RetryBudget budget = new RetryBudget(0, 0, 10 * SECOND);
        budget.onRequest(0);
        assertThat(budget.tryRetry(0)).isFalse();
    }
}
