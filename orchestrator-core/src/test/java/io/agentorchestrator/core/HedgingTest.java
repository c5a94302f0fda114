package io.agentorchestrator.core;

import static io.agentorchestrator.core.ScriptedTransport.agent;
import static org.assertj.core.api.Assertions.assertThat;

import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskResult;
import io.agentorchestrator.core.internal.DefaultOrchestrator;
import io.agentorchestrator.core.kit.TestSecurity;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Hedged second attempts of idempotent tasks; the test holds every reply, so nothing races. */
class HedgingTest {

    private final ScriptedTransport transport = new ScriptedTransport();
    private final DefaultOrchestrator orchestrator = (DefaultOrchestrator) Orchestrator.builder().security(TestSecurity.OFF).transport(transport)
            .hedging(Duration.ofMillis(1)).shutdownTimeout(Duration.ZERO).build();

    @AfterEach
    void close() {
        orchestrator.close();
    }

    private static Task idempotent(String text) {
        return Task.builder("cap").payload(io.agentorchestrator.api.Payload.ofUtf8(text)).header(Orchestrator.IDEMPOTENT_HEADER, "true")
                .build();
    }

    @Test
    void aSlowIdempotentTaskIsHedgedOnAnotherAgentAndTheFirstAnswerWins() throws Exception {
        orchestrator.register(agent("a", "cap", 4));
        orchestrator.register(agent("b", "cap", 4));
        CompletableFuture<TaskResult> f = orchestrator.dispatch(idempotent("x"));
        ScriptedTransport.Sent first = transport.next();
        ScriptedTransport.Sent hedge = transport.next();
        assertThat(hedge.agent().id()).isNotEqualTo(first.agent().id());
        assertThat(hedge.envelope().attempt()).isEqualTo(2);
        hedge.succeed("fast");
        TaskResult result = f.get(10, TimeUnit.SECONDS);
        assertThat(result.payload().asUtf8()).isEqualTo("fast");
        assertThat(result.agentId()).isEqualTo(hedge.agent().id());
        assertThat(first.reply().isCancelled()).as("the loser is cancelled").isTrue();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> orchestrator.agents().stream().allMatch(a -> a.inFlight() == 0));
        // Counted by the timer thread just after the hedge went out.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> orchestrator.hedges() == 1);
    }

    @Test
    void theCallerWakesToATaskAlreadyCleanedUp() throws Exception {
        // A budget that lets every one of the many tasks below be hedged.
        try (DefaultOrchestrator hedging = (DefaultOrchestrator) Orchestrator.builder().security(TestSecurity.OFF).transport(transport)
                .hedging(Duration.ofMillis(1)).retryBudget(10, 10_000).shutdownTimeout(Duration.ZERO).build()) {
            hedging.register(agent("a", "cap", 4));
            hedging.register(agent("b", "cap", 4));
            // A race, so many times: the caller must never see the loser still running or the task in flight.
            for (int i = 0; i < 300; i++) {
                CompletableFuture<TaskResult> f = hedging.dispatch(idempotent("x" + i));
                ScriptedTransport.Sent first = transport.next();
                ScriptedTransport.Sent hedge = transport.next();
                hedge.succeed("fast");
                f.get(10, TimeUnit.SECONDS);
                assertThat(first.reply().isCancelled()).as("the loser is cancelled, round %d", i).isTrue();
                assertThat(hedging.tasksInFlight()).as("tasks in flight, round %d", i).isZero();
            }
        }
    }

    @Test
    void aFailedAttemptWaitsForTheHedgeStillRunning() throws Exception {
        orchestrator.register(agent("a", "cap", 4));
        orchestrator.register(agent("b", "cap", 4));
        CompletableFuture<TaskResult> f = orchestrator.dispatch(idempotent("x"));
        ScriptedTransport.Sent first = transport.next();
        ScriptedTransport.Sent hedge = transport.next();
        first.reply().complete(ResultEnvelope.failure(first.envelope().taskId(), first.agent().id(), "oops", "bad", false));
        assertThat(f).isNotDone();
        hedge.succeed("ok");
        assertThat(f.get(10, TimeUnit.SECONDS).payload().asUtf8()).isEqualTo("ok");
    }

    @Test
    void tasksNotMarkedIdempotentAreNeverHedged() throws Exception {
        orchestrator.register(agent("a", "cap", 4));
        orchestrator.register(agent("b", "cap", 4));
        CompletableFuture<TaskResult> f = orchestrator.dispatch(Task.of("cap", "x"));
        ScriptedTransport.Sent only = transport.next();
        assertThat(transport.sent.poll(100, TimeUnit.MILLISECONDS)).isNull();
        only.succeed("done");
        assertThat(f.get(10, TimeUnit.SECONDS).attempts()).isEqualTo(1);
        assertThat(orchestrator.hedges()).isZero();
    }

    @Test
    void noHedgeWithoutAnotherFreeAgent() throws Exception {
        orchestrator.register(agent("a", "cap", 4));
        CompletableFuture<TaskResult> f = orchestrator.dispatch(idempotent("x"));
        ScriptedTransport.Sent only = transport.next();
        assertThat(transport.sent.poll(100, TimeUnit.MILLISECONDS)).isNull();
        only.succeed("done");
        assertThat(f.get(10, TimeUnit.SECONDS).payload().asUtf8()).isEqualTo("done");
    }
}
