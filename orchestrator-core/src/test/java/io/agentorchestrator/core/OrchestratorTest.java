package io.agentorchestrator.core;

import static io.agentorchestrator.core.ScriptedTransport.agent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentRegistrationException;
import io.agentorchestrator.api.AgentStatus;
import io.agentorchestrator.api.NoAgentAvailableException;
import io.agentorchestrator.api.OrchestratorEvent;
import io.agentorchestrator.api.OrchestratorException;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskRejectedException;
import io.agentorchestrator.api.TaskResult;
import io.agentorchestrator.api.TaskTimeoutException;
import io.agentorchestrator.api.TransportException;
import io.agentorchestrator.core.kit.TestSecurity;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OrchestratorTest {

    private final ScriptedTransport transport = new ScriptedTransport();
    private final List<OrchestratorEvent> events = new CopyOnWriteArrayList<>();
    private Orchestrator orchestrator = Orchestrator.builder().security(TestSecurity.OFF).transport(transport).listener(events::add).shutdownTimeout(Duration.ZERO).build();

    @AfterEach
    void close() {
        orchestrator.close();
    }

    private static Throwable failureOf(CompletableFuture<?> future) throws InterruptedException {
        try {
            future.get(10, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the future did not complete", e);
        }
    }

    @Test
    void registryChangesAreEventsInOrder() {
        AgentDescriptor a = agent("a", "cap", 2);
        orchestrator.register(a);
        orchestrator.update(a.toBuilder().weight(5).build());
        orchestrator.setStatus("a", AgentStatus.DRAINING, "deploy");
        assertThat(orchestrator.deregister("a")).isTrue();
        assertThat(orchestrator.deregister("a")).isFalse();
        assertThat(events).extracting(e -> e.getClass().getSimpleName())
                .containsExactly("AgentRegistered", "AgentUpdated", "AgentStatusChanged", "AgentDeregistered");
        OrchestratorEvent.AgentStatusChanged changed = (OrchestratorEvent.AgentStatusChanged) events.get(2);
        assertThat(changed.previous()).isEqualTo(AgentStatus.HEALTHY);
        assertThat(changed.current()).isEqualTo(AgentStatus.DRAINING);
        assertThat(changed.reason()).isEqualTo("deploy");
    }

    @Test
    void refusesAgentsNoTransportCanReach() {
        AgentDescriptor kafkaAgent = AgentDescriptor.builder("k").capability("cap").endpoint("kafka:k").build();
        assertThatThrownBy(() -> orchestrator.register(kafkaAgent)).isInstanceOf(AgentRegistrationException.class)
                .hasMessage("Agent 'k' has endpoint 'kafka:k' but no transport for scheme 'kafka' is configured (configured: scripted);"
                        + " add it with Orchestrator.builder().transport(...)");
        assertThat(orchestrator.agents()).isEmpty();
    }

    @Test
    void registeringTheSameDescriptorTwiceIsANoOpButADifferentOneIsRefused() {
        AgentDescriptor a = agent("a", "cap", 2);
        orchestrator.register(a);
        orchestrator.register(a);
        assertThatThrownBy(() -> orchestrator.register(a.toBuilder().weight(3).build())).isInstanceOf(AgentRegistrationException.class)
                .hasMessageContaining("already registered with a different descriptor");
        assertThatThrownBy(() -> orchestrator.update(agent("ghost", "cap", 1))).hasMessage("Agent 'ghost' is not registered");
        assertThat(events).hasSize(1);
    }

    @Test
    void noAgentErrorSaysWhatStateTheAgentsAreIn() throws Exception {
        orchestrator.register(agent("a", "route-planning", 1));
        orchestrator.register(agent("b", "route-planning", 1));
        orchestrator.register(agent("c", "route-planning", 1));
        orchestrator.setStatus("a", AgentStatus.UNHEALTHY, "probe");
        orchestrator.setStatus("b", AgentStatus.UNHEALTHY, "probe");
        orchestrator.setStatus("c", AgentStatus.DRAINING, "deploy");
        assertThat(failureOf(orchestrator.dispatch(Task.of("route-planning", "x"))))
                .isInstanceOf(NoAgentAvailableException.class)
                .hasMessage("No agent for capability 'route-planning': 3 registered, 2 unhealthy, 1 draining");
        assertThat(failureOf(orchestrator.dispatch(Task.of("teleport", "x"))))
                .hasMessage("No agent for capability 'teleport': none registered (known capabilities: route-planning)");
        assertThat(transport.sent).isEmpty();
    }

    @Test
    void tasksWaitForAFreeSlotWhenEveryAgentIsSaturated() throws Exception {
        orchestrator.register(agent("solo", "cap", 1));
        CompletableFuture<TaskResult> first = orchestrator.dispatch(Task.of("cap", "1"));
        CompletableFuture<TaskResult> second = orchestrator.dispatch(Task.of("cap", "2"));
        ScriptedTransport.Sent s1 = transport.next();
        assertThat(transport.sent).isEmpty();
        assertThat(orchestrator.agent("solo").orElseThrow().inFlight()).isEqualTo(1);
        s1.succeed("one");
        ScriptedTransport.Sent s2 = transport.next();
        assertThat(s2.envelope().payload().asUtf8()).isEqualTo("2");
        s2.succeed("two");
        assertThat(first.get(10, TimeUnit.SECONDS).payload().asUtf8()).isEqualTo("one");
        assertThat(second.get(10, TimeUnit.SECONDS).payload().asUtf8()).isEqualTo("two");
        assertThat(orchestrator.agent("solo").orElseThrow().inFlight()).isZero();
    }

    @Test
    void aFullWaitingQueueRejectsFast() throws Exception {
        orchestrator.close();
        orchestrator = Orchestrator.builder().security(TestSecurity.OFF).transport(transport).maxQueuedTasks(1).shutdownTimeout(Duration.ZERO).build();
        orchestrator.register(agent("solo", "cap", 1));
        orchestrator.dispatch(Task.of("cap", "runs"));
        orchestrator.dispatch(Task.of("cap", "waits"));
        assertThat(failureOf(orchestrator.dispatch(Task.of("cap", "refused"))))
                .isInstanceOf(TaskRejectedException.class)
                .hasMessageContaining("every agent for capability 'cap' is at its max concurrency and 1 tasks are already waiting (maxQueuedTasks 1)");
    }

    @Test
    void aTaskThatWaitsTooLongTimesOutNamingNoAgent() throws Exception {
        orchestrator.register(agent("solo", "cap", 1));
        orchestrator.dispatch(Task.of("cap", "hog"));
        CompletableFuture<TaskResult> waiting = orchestrator.dispatch(Task.builder("cap").timeout(Duration.ofMillis(50)).build());
        assertThat(failureOf(waiting)).isInstanceOf(TaskTimeoutException.class).hasMessageContaining("while waiting for a free agent");
    }

    @Test
    void aTimedOutTaskGivesItsSlotBackAndItsLateReplyIsDropped() throws Exception {
        orchestrator.register(agent("solo", "cap", 1));
        CompletableFuture<TaskResult> f = orchestrator.dispatch(Task.builder("cap").timeout(Duration.ofMillis(50)).build());
        ScriptedTransport.Sent s = transport.next();
        assertThat(failureOf(f)).isInstanceOf(TaskTimeoutException.class).hasMessageContaining("on agent 'solo'");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> orchestrator.agent("solo").orElseThrow().inFlight() == 0);
        assertThat(s.reply()).isCancelled();
    }

    @Test
    void aDeadlineInThePastFailsAtOnceWithoutSending() throws Exception {
        orchestrator.register(agent("solo", "cap", 1));
        Task late = Task.builder("cap").deadline(Instant.now().minusSeconds(1)).build();
        assertThat(failureOf(orchestrator.dispatch(late))).isInstanceOf(TaskTimeoutException.class);
        assertThat(transport.sent).isEmpty();
    }

    @Test
    void drainingAgentsGetNoNewTasks() throws Exception {
        orchestrator.register(agent("old", "cap", 4));
        orchestrator.register(agent("new", "cap", 4));
        orchestrator.setStatus("old", AgentStatus.DRAINING, "deploy");
        for (int i = 0; i < 20; i++) {
            orchestrator.dispatch(Task.of("cap", "x"));
            ScriptedTransport.Sent s = transport.next();
            assertThat(s.agent().id()).isEqualTo("new");
            s.succeed("ok");
        }
    }

    @Test
    void retryableFailureGoesToAnotherAgentWithTheAttemptNumber() throws Exception {
        orchestrator.register(agent("a", "cap", 1));
        orchestrator.register(agent("b", "cap", 1));
        CompletableFuture<TaskResult> f = orchestrator.dispatch(Task.of("cap", "x"));
        ScriptedTransport.Sent first = transport.next();
        first.reply().completeExceptionally(new TransportException("scripted", "scripted:" + first.agent().id(), "connection reset"));
        ScriptedTransport.Sent second = transport.next();
        assertThat(second.agent().id()).isNotEqualTo(first.agent().id());
        assertThat(second.envelope().attempt()).isEqualTo(2);
        second.succeed("ok");
        assertThat(f.get(10, TimeUnit.SECONDS).attempts()).isEqualTo(2);
        assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOf(OrchestratorEvent.TaskRetried.class));
    }

    @Test
    void aNonRetryableAgentErrorIsNotRetried() throws Exception {
        orchestrator.register(agent("a", "cap", 1));
        orchestrator.register(agent("b", "cap", 1));
        CompletableFuture<TaskResult> f = orchestrator.dispatch(Task.of("cap", "x"));
        ScriptedTransport.Sent s = transport.next();
        s.reply().complete(ResultEnvelope.failure(s.envelope().taskId(), s.agent().id(), "bad-input", "no such port", false));
        assertThat(failureOf(f)).hasMessageContaining("[bad-input]: no such port");
        assertThat(transport.sent).isEmpty();
    }

    @Test
    void aDeregisteredAgentStillCompletesWhatItHas() throws Exception {
        orchestrator.register(agent("a", "cap", 1));
        CompletableFuture<TaskResult> f = orchestrator.dispatch(Task.of("cap", "x"));
        ScriptedTransport.Sent s = transport.next();
        orchestrator.deregister("a");
        s.succeed("still here");
        assertThat(f.get(10, TimeUnit.SECONDS).payload().asUtf8()).isEqualTo("still here");
    }

    @Test
    void aBalancerThatReturnsAStrangerFailsTheTaskClearly() throws Exception {
        orchestrator.close();
        AgentDescriptor stranger = agent("stranger", "cap", 1);
        orchestrator = Orchestrator.builder().security(TestSecurity.OFF).transport(transport)
                .balancer((candidates, task) -> new BalancersTest.FakeAgent(stranger, 0)).build();
        orchestrator.register(agent("a", "cap", 1));
        assertThat(failureOf(orchestrator.dispatch(Task.of("cap", "x")))).isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("returned agent 'stranger', which is not one of the 1 candidates");
    }

    @Test
    void aListenerThatThrowsDoesNotDisturbDispatch() throws Exception {
        orchestrator.addListener(e -> {
            throw new IllegalStateException("listener bug");
        });
        orchestrator.register(agent("a", "cap", 1));
        CompletableFuture<TaskResult> f = orchestrator.dispatch(Task.of("cap", "x"));
        transport.next().succeed("fine");
        assertThat(f.get(10, TimeUnit.SECONDS).payload().asUtf8()).isEqualTo("fine");
    }

    @Test
    void aTransportThatThrowsOnSendCountsAsARetryableFailure() throws Exception {
        orchestrator.close();
        ScriptedTransport flaky = new ScriptedTransport() {
            private boolean thrown;

            @Override
            public CompletableFuture<ResultEnvelope> send(AgentDescriptor agent, io.agentorchestrator.api.TaskEnvelope envelope) {
                if (!thrown) {
                    thrown = true;
                    throw new IllegalStateException("socket closed");
                }
                return CompletableFuture.completedFuture(ResultEnvelope.success(envelope.taskId(), agent.id(), Payload.ofUtf8("ok")));
            }
        };
        orchestrator = Orchestrator.builder().security(TestSecurity.OFF).transport(flaky).build();
        orchestrator.register(agent("a", "cap", 1));
        orchestrator.register(agent("b", "cap", 1));
        assertThat(orchestrator.dispatch(Task.of("cap", "x")).get(10, TimeUnit.SECONDS).attempts()).isEqualTo(2);
    }

    @Test
    void closeFailsWaitingTasksAndRefusesNewOnes() throws Exception {
        orchestrator.close();
        orchestrator = Orchestrator.builder().security(TestSecurity.OFF).transport(transport).shutdownTimeout(Duration.ZERO).build();
        orchestrator.register(agent("a", "cap", 1));
        CompletableFuture<TaskResult> running = orchestrator.dispatch(Task.of("cap", "1"));
        CompletableFuture<TaskResult> waiting = orchestrator.dispatch(Task.of("cap", "2"));
        orchestrator.close();
        assertThat(failureOf(running)).isInstanceOf(io.agentorchestrator.api.OrchestratorClosedException.class);
        assertThat(failureOf(waiting)).isInstanceOf(io.agentorchestrator.api.OrchestratorClosedException.class);
        assertThat(failureOf(orchestrator.dispatch(Task.of("cap", "3")))).hasMessageContaining("refused: the orchestrator is closed");
        assertThatThrownBy(() -> orchestrator.register(agent("b", "cap", 1))).hasMessageContaining("closed");
    }

    @Test
    void requiredMetadataFiltersAgentsBeforeTheBalancer() throws Exception {
        orchestrator.register(agent("us", "llm", 4).toBuilder().metadata("region", "us").build());
        orchestrator.register(agent("eu", "llm", 4).toBuilder().metadata("region", "eu").metadata("model", "gpt-x").build());
        for (int i = 0; i < 10; i++) {
            orchestrator.dispatch(Task.builder("llm").require("region", "eu").build());
            ScriptedTransport.Sent s = transport.next();
            assertThat(s.agent().id()).isEqualTo("eu");
            s.succeed("ok");
        }
        assertThat(failureOf(orchestrator.dispatch(Task.builder("llm").require("model", "claude").build())))
                .isInstanceOf(NoAgentAvailableException.class)
                .hasMessage("No agent for capability 'llm': 2 registered, 2 without the required metadata {model=claude}");
    }

    @Test
    void thePreferredZoneWinsAndOtherZonesTakeOverWhenItHasNoEligibleAgent() throws Exception {
        orchestrator.close();
        orchestrator = Orchestrator.builder().security(TestSecurity.OFF).transport(transport).localZone("kul-1").shutdownTimeout(Duration.ZERO).build();
        orchestrator.register(agent("near", "cap", 1).toBuilder().metadata("zone", "kul-1").build());
        orchestrator.register(agent("far-1", "cap", 1).toBuilder().metadata("zone", "sin-1").build());
        orchestrator.register(agent("far-2", "cap", 1).toBuilder().metadata("zone", "sin-1").build());
        for (int i = 0; i < 5; i++) {
            orchestrator.dispatch(Task.of("cap", "x"));
            ScriptedTransport.Sent s = transport.next();
            assertThat(s.agent().id()).isEqualTo("near");
            s.succeed("ok");
        }
        orchestrator.dispatch(Task.builder("cap").preferZone("sin-1").build());
        assertThat(transport.next().agent().id()).startsWith("far-");

        orchestrator.setStatus("near", AgentStatus.UNHEALTHY, "probe failed");
        orchestrator.dispatch(Task.of("cap", "x"));
        assertThat(transport.next().agent().id()).startsWith("far-");
    }
}
