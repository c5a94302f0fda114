package io.agentorchestrator.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentorchestrator.api.OrchestratorEvent;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskResult;
import io.agentorchestrator.core.kit.TestSecurity;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** However the future a caller got ends, the engine lets go of the task once, and only once. */
class TaskFutureTest {

    private final ScriptedTransport transport = new ScriptedTransport();

    private Orchestrator orchestrator() {
        Orchestrator orchestrator = Orchestrator.builder().security(TestSecurity.OFF).transport(transport).shutdownTimeout(Duration.ZERO)
                .build();
        orchestrator.register(ScriptedTransport.agent("a-1", "plan", 4));
        return orchestrator;
    }

    @Test
    void aCallerCancellingItsFutureEndsTheTaskAndItsAttempt() throws Exception {
        try (Orchestrator orchestrator = orchestrator()) {
            CompletableFuture<TaskResult> future = orchestrator.dispatch(Task.of("plan", "x"));
            ScriptedTransport.Sent sent = transport.next();
            assertThat(orchestrator.tasksInFlight()).isEqualTo(1);

            assertThat(future.cancel(false)).isTrue();

            assertThat(orchestrator.tasksInFlight()).isZero();
            assertThat(sent.reply()).as("the attempt still running is cancelled").isCancelled();
            assertThat(orchestrator.agent("a-1").orElseThrow().inFlight()).isZero();
        }
    }

    @Test
    void aCallerCompletingItsFutureEndsTheTaskAndALateReplyIsDropped() throws Exception {
        try (Orchestrator orchestrator = orchestrator()) {
            List<OrchestratorEvent> events = new CopyOnWriteArrayList<>();
            orchestrator.addListener(events::add);
            CompletableFuture<TaskResult> future = orchestrator.dispatch(Task.of("plan", "x"));
            ScriptedTransport.Sent sent = transport.next();

            assertThat(future.completeExceptionally(new IllegalStateException("caller gave up"))).isTrue();
            assertThat(orchestrator.tasksInFlight()).isZero();
            sent.succeed("too late");

            assertThat(future).isCompletedExceptionally();
            assertThat(events).noneMatch(e -> e instanceof OrchestratorEvent.TaskCompleted);
        }
    }

    @Test
    void aTaskCompletedByTheEngineIsReleasedOnceWhateverTheCallerDoesAfterwards() throws Exception {
        try (Orchestrator orchestrator = orchestrator()) {
            CompletableFuture<TaskResult> future = orchestrator.dispatch(Task.of("plan", "x"));
            transport.next().succeed("done");
            assertThat(future.get(5, TimeUnit.SECONDS).payload().asUtf8()).isEqualTo("done");

            future.obtrudeException(new IllegalStateException("rewritten"));
            future.cancel(false);

            assertThat(orchestrator.tasksInFlight()).isZero();
            CompletableFuture<TaskResult> next = orchestrator.dispatch(Task.of("plan", "y"));
            assertThat(orchestrator.tasksInFlight()).as("a second release must not have hidden the next task").isEqualTo(1);
            transport.next().succeed("again");
            assertThat(next.get(5, TimeUnit.SECONDS).payload().asUtf8()).isEqualTo("again");
        }
    }
}
