package io.agentorchestrator.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentorchestrator.api.OrchestratorEvent;
import io.agentorchestrator.api.TaskTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The demo's event ledger, fed events directly: the books it keeps per agent and per task. */
class AgentLedgerTest {

    private static final Instant AT = Instant.parse("2026-11-25T10:00:00Z");

    @Test
    void ledgerCountsPerAgentAndMeasuresEachSuccessfulAttempt() throws Exception {
        AtomicLong nanos = new AtomicLong();
        AgentLedger ledger = new AgentLedger(nanos::get, 2);

        ledger.onEvent(new OrchestratorEvent.TaskDispatched(AT, "t1", "route-planning", "a", 1));
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(40));
        ledger.onEvent(new OrchestratorEvent.TaskRetried(AT, "t1", "route-planning", "a", 1, "agent stopped"));
        ledger.onEvent(new OrchestratorEvent.TaskDispatched(AT, "t1", "route-planning", "b", 2));
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(150));
        ledger.onEvent(new OrchestratorEvent.TaskCompleted(AT, "t1", "route-planning", "b", 2, Duration.ofMillis(190), Duration.ofMillis(90)));
        ledger.onEvent(new OrchestratorEvent.TaskDispatched(AT, "t2", "route-planning", "b", 1));
        ledger.onEvent(new OrchestratorEvent.TaskFailed(AT, "t2", "route-planning", "b", 1,
                new TaskTimeoutException("t2", "route-planning", "b", Duration.ofSeconds(1), 1), Duration.ofSeconds(1)));

        assertThat(ledger.book("a").completed()).isZero();
        assertThat(ledger.book("a").failures()).isEqualTo(1);
        assertThat(ledger.book("b").completed()).isEqualTo(1);
        assertThat(ledger.book("b").failures()).isEqualTo(1);
        assertThat(ledger.book("b").sortedLatencies()).as("the successful attempt only, not the retry before it")
                .containsExactly(TimeUnit.MILLISECONDS.toNanos(150));
        assertThat(ledger.sortedEndToEndLatencies()).containsExactly(TimeUnit.MILLISECONDS.toNanos(190));
        assertThat(ledger.completedTasks()).isEqualTo(1);
        assertThat(ledger.failedTasks()).isEqualTo(1);
        assertThat(ledger.retries()).isEqualTo(1);
        assertThat(ledger.awaitEnded(0, TimeUnit.SECONDS)).isTrue();
    }
}
