package io.agentorchestrator.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentStatus;
import io.agentorchestrator.api.OrchestratorEvent;
import io.agentorchestrator.api.TaskTimeoutException;
import io.agentorchestrator.core.Orchestrator;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The demo's two event listeners, fed events directly: the books they keep and what they do. */
class EventListenersTest {

    private static final Instant AT = Instant.parse("2026-11-25T10:00:00Z");

    private final String agentId = "watched-" + UUID.randomUUID().toString().substring(0, 8);
    private final Orchestrator orchestrator = Orchestrator.builder().transport("inproc:").watchAgentDirectory(false).build();
    private final List<String> lines = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        orchestrator.close();
    }

    @Test
    void watchTakesAnAgentOutAfterThreeConsecutiveFailedAttempts() {
        register();
        OutlierWatch watch = new OutlierWatch(orchestrator, Runnable::run, lines::add);

        watch.onEvent(retried("t1"));
        watch.onEvent(retried("t2"));
        watch.onEvent(completed("t3", 1));
        watch.onEvent(retried("t4"));
        watch.onEvent(retried("t5"));
        assertThat(status()).as("a success in between resets the run").isEqualTo(AgentStatus.HEALTHY);

        watch.onEvent(new OrchestratorEvent.TaskFailed(AT, "t6", "route-planning", agentId, 3,
                new TaskTimeoutException("t6", "route-planning", agentId, Duration.ofSeconds(1), 3)));
        assertThat(status()).isEqualTo(AgentStatus.UNHEALTHY);
        assertThat(watch.ejected()).containsExactly(agentId);
        assertThat(lines).singleElement().asString().startsWith("watch: " + agentId + " taken out after 3 consecutive failed attempts");

        watch.onEvent(retried("t7"));
        assertThat(lines).as("taken out once").hasSize(1);
    }

    @Test
    void watchLeavesAnAgentThatIsAlreadyGoneAlone() {
        OutlierWatch watch = new OutlierWatch(orchestrator, Runnable::run, lines::add);

        for (int i = 0; i < 3; i++) {
            watch.onEvent(retried("t" + i));
        }

        assertThat(lines).isEmpty();
        assertThat(orchestrator.agent(agentId)).isEmpty();
    }

    @Test
    void ledgerCountsPerAgentAndMeasuresEachSuccessfulAttempt() throws Exception {
        AtomicLong nanos = new AtomicLong();
        AgentLedger ledger = new AgentLedger(nanos::get, 2);

        ledger.onEvent(new OrchestratorEvent.TaskDispatched(AT, "t1", "route-planning", "a", 1));
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(40));
        ledger.onEvent(new OrchestratorEvent.TaskRetried(AT, "t1", "route-planning", "a", 1, "agent stopped"));
        ledger.onEvent(new OrchestratorEvent.TaskDispatched(AT, "t1", "route-planning", "b", 2));
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(150));
        ledger.onEvent(new OrchestratorEvent.TaskCompleted(AT, "t1", "route-planning", "b", 2, Duration.ofMillis(190)));
        ledger.onEvent(new OrchestratorEvent.TaskDispatched(AT, "t2", "route-planning", "b", 1));
        ledger.onEvent(new OrchestratorEvent.TaskFailed(AT, "t2", "route-planning", "b", 1,
                new TaskTimeoutException("t2", "route-planning", "b", Duration.ofSeconds(1), 1)));

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

    private void register() {
        orchestrator.register(AgentDescriptor.builder(agentId).capability("route-planning").endpoint("inproc:" + agentId).build());
    }

    private AgentStatus status() {
        return orchestrator.agent(agentId).orElseThrow().status();
    }

    private OrchestratorEvent retried(String taskId) {
        return new OrchestratorEvent.TaskRetried(AT, taskId, "route-planning", agentId, 1, "Agent at inproc:" + agentId + " stopped before replying");
    }

    private OrchestratorEvent completed(String taskId, int attempts) {
        return new OrchestratorEvent.TaskCompleted(AT, taskId, "route-planning", agentId, attempts, Duration.ofMillis(5));
    }
}
