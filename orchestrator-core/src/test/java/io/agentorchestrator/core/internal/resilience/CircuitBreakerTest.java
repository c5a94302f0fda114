package io.agentorchestrator.core.internal.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentorchestrator.api.CircuitState;
import io.agentorchestrator.core.CircuitBreakerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every transition of the breaker, on a fake clock. */
class CircuitBreakerTest {

    private static final long MS = 1_000_000L;

    private final List<String> transitions = new ArrayList<>();
    private long now = 1_000 * MS;
    private final CircuitBreakerConfig config = CircuitBreakerConfig.builder()
            .slidingWindow(10, 5)
            .failureRateThreshold(50)
            .slowCallDuration(Duration.ofMillis(100))
            .slowCallRateThreshold(80)
            .waitInOpen(Duration.ofSeconds(5))
            .permittedCallsInHalfOpen(3)
            .maxWaitInHalfOpen(Duration.ofSeconds(2))
            .build();
    private final CircuitBreaker breaker = new CircuitBreaker(config, now, (from, to, reason) -> transitions.add(from + "->" + to));

    private void call(boolean failed, long durationMs) {
        long permit = breaker.tryAcquire(now);
        assertThat(permit).isNotEqualTo(CircuitBreaker.DENIED);
        breaker.onResult(permit, failed, durationMs * MS, now);
    }

    private void open() {
        for (int i = 0; i < 5; i++) {
            call(true, 1);
        }
        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
    }

    @Test
    void staysClosedBelowTheMinimumNumberOfCalls() {
        for (int i = 0; i < 4; i++) {
            call(true, 1);
        }
        assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
        call(false, 1);
        // 4 of 5 failed: 80 % >= 50 %
        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
    }

    @Test
    void staysClosedWhileTheFailureRateIsBelowTheThreshold() {
        for (int i = 0; i < 20; i++) {
            call(i % 3 == 0, 1);
        }
        assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
        assertThat(transitions).isEmpty();
    }

    @Test
    void opensOnTheSlowCallRate() {
        for (int i = 0; i < 4; i++) {
            call(false, 150);
        }
        call(false, 1);
        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
    }

    @Test
    void openRefusesUntilTheWaitIsOverThenLetsExactlyTheTrialCallsThrough() {
        open();
        assertThat(breaker.permitsCall(now)).isFalse();
        assertThat(breaker.tryAcquire(now)).isEqualTo(CircuitBreaker.DENIED);
        now += 4_999 * MS;
        assertThat(breaker.tryAcquire(now)).isEqualTo(CircuitBreaker.DENIED);
        now += MS;
        assertThat(breaker.permitsCall(now)).isTrue();
        long t1 = breaker.tryAcquire(now);
        assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
        long t2 = breaker.tryAcquire(now);
        long t3 = breaker.tryAcquire(now);
        assertThat(List.of(t1, t2, t3)).doesNotContain(CircuitBreaker.DENIED);
        assertThat(breaker.tryAcquire(now)).isEqualTo(CircuitBreaker.DENIED);
        assertThat(breaker.permitsCall(now)).isFalse();
        breaker.release(t3);
        assertThat(breaker.tryAcquire(now)).isEqualTo(t3);
    }

    @Test
    void closesWhenTheTrialCallsPass() {
        open();
        now += 5_000 * MS;
        for (int i = 0; i < 3; i++) {
            call(false, 1);
        }
        assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
        assertThat(transitions).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->CLOSED");
        // The window starts afresh: one failure does not reopen it.
        call(true, 1);
        assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
    }

    @Test
    void opensAgainWhenTheTrialCallsFail() {
        open();
        now += 5_000 * MS;
        call(false, 1);
        call(true, 1);
        call(true, 1);
        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
        assertThat(transitions).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->OPEN");
    }

    @Test
    void doesNotStayHalfOpenForeverWhenATrialNeverAnswers() {
        open();
        now += 5_000 * MS;
        long stuck = breaker.tryAcquire(now);
        call(false, 1);
        call(false, 1);
        assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
        now += 1_999 * MS;
        breaker.sweep(now);
        assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
        now += MS;
        breaker.sweep(now);
        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
        // The stuck trial answering late belongs to a finished half-open period and changes nothing.
        breaker.onResult(stuck, false, MS, now);
        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
        assertThat(breaker.nanosUntilPermitted(now)).isEqualTo(5_000 * MS);
    }

    @Test
    void resultsOfCallsStartedBeforeTheBreakerOpenedAreIgnored() {
        long early = breaker.tryAcquire(now);
        open();
        now += 5_000 * MS;
        breaker.tryAcquire(now);
        breaker.onResult(early, true, MS, now);
        assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
    }

    @Test
    void halfOpenNeverAdmitsMoreThanThePermittedTrialsUnderContention() throws Exception {
        open();
        now += 5_000 * MS;
        java.util.concurrent.atomic.AtomicInteger granted = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        long at = now;
        for (int t = 0; t < 8; t++) {
            Thread thread = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 1_000; i++) {
                    if (breaker.tryAcquire(at) != CircuitBreaker.DENIED) {
                        granted.incrementAndGet();
                    }
                }
            });
            thread.start();
            threads.add(thread);
        }
        go.countDown();
        for (Thread thread : threads) {
            thread.join(10_000);
        }
        assertThat(granted).hasValue(3);
        assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
    }
}
