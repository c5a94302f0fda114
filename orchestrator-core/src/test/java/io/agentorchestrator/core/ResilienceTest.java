package io.agentorchestrator.core;

import static io.agentorchestrator.core.ScriptedTransport.agent;
import static org.assertj.core.api.Assertions.assertThat;

import io.agentorchestrator.api.Agent;
import io.agentorchestrator.api.CircuitState;
import io.agentorchestrator.api.NoAgentAvailableException;
import io.agentorchestrator.api.OrchestratorEvent;
import io.agentorchestrator.api.RateLimitExceededException;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskResult;
import io.agentorchestrator.api.TransportException;
import io.agentorchestrator.core.internal.DefaultOrchestrator;
import io.agentorchestrator.core.kit.TestSecurity;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Outlier ejection, circuit breakers, rate limits and the retry budget as the engine applies
 * them, on a fake ticker: every transition is driven by moving the ticker, never by waiting.
 */
class ResilienceTest {

    private final ScriptedTransport transport = new ScriptedTransport();
    private final List<OrchestratorEvent> events = new CopyOnWriteArrayList<>();
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private Orchestrator orchestrator;

    private DefaultOrchestrator build(UnaryOperator<Orchestrator.Builder> config) {
        orchestrator = config.apply(Orchestrator.builder().security(TestSecurity.OFF).transport(transport).listener(events::add).ticker(nanos::get)
                .retryBackoff(Duration.ZERO, Duration.ZERO).shutdownTimeout(Duration.ZERO)).build();
        return (DefaultOrchestrator) orchestrator;
    }

    @AfterEach
    void close() {
        if (orchestrator != null) {
            orchestrator.close();
        }
    }

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    private static Throwable failureOf(CompletableFuture<?> future) throws Exception {
        try {
            future.get(10, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure");
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    private static void breakConnection(ScriptedTransport.Sent sent) {
        sent.reply().completeExceptionally(new TransportException("scripted", "scripted:" + sent.agent().id(), "connection refused"));
    }

    private <T extends OrchestratorEvent> List<T> eventsOf(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private Agent agentNamed(String id) {
        return orchestrator.agent(id).orElseThrow();
    }

    @Test
    void ejectsAnAgentAfterConsecutiveFailuresForAGrowingTime() throws Exception {
        DefaultOrchestrator engine = build(b -> b.maxAttempts(1).outlierDetection(OutlierDetectionConfig.builder()
                .consecutiveFailures(2).baseEjectionTime(Duration.ofSeconds(30)).maxEjectionPercent(100).build()));
        orchestrator.register(agent("a", "cap", 4));
        for (int i = 0; i < 2; i++) {
            CompletableFuture<TaskResult> f = orchestrator.dispatch(Task.of("cap", "x"));
            breakConnection(transport.next());
            assertThat(failureOf(f)).isInstanceOf(TransportException.class);
        }
        assertThat(agentNamed("a").ejected()).isTrue();
        assertThat(eventsOf(OrchestratorEvent.AgentEjected.class)).singleElement()
                .satisfies(e -> {
                    assertThat(e.agentId()).isEqualTo("a");
                    assertThat(e.duration()).isEqualTo(Duration.ofSeconds(30));
                    assertThat(e.reason()).isEqualTo("2 consecutive failures");
                });
        assertThat(failureOf(orchestrator.dispatch(Task.of("cap", "x")))).isInstanceOf(NoAgentAvailableException.class)
                .hasMessage("No agent for capability 'cap': 1 registered, 1 ejected");

        advance(Duration.ofSeconds(29));
        engine.healthTick();
        assertThat(agentNamed("a").ejected()).isTrue();
        advance(Duration.ofSeconds(1));
        engine.healthTick();
        assertThat(agentNamed("a").ejected()).isFalse();
        assertThat(eventsOf(OrchestratorEvent.AgentReinstated.class)).singleElement()
                .satisfies(e -> assertThat(e.reason()).isEqualTo("ejection time over"));

        for (int i = 0; i < 2; i++) {
            CompletableFuture<TaskResult> f = orchestrator.dispatch(Task.of("cap", "x"));
            breakConnection(transport.next());
            failureOf(f);
        }
        assertThat(eventsOf(OrchestratorEvent.AgentEjected.class)).extracting(OrchestratorEvent.AgentEjected::duration)
                .containsExactly(Duration.ofSeconds(30), Duration.ofSeconds(60));
    }

    @Test
    void neverEjectsMoreThanTheAllowedShareOfACapability() throws Exception {
        build(b -> b.maxAttempts(1).outlierDetection(OutlierDetectionConfig.builder().consecutiveFailures(1).maxEjectionPercent(25).build()));
        for (String id : List.of("a", "b", "c", "d")) {
            orchestrator.register(agent(id, "cap", 4));
        }
        for (int i = 0; i < 3; i++) {
            CompletableFuture<TaskResult> f = orchestrator.dispatch(Task.of("cap", "x"));
            breakConnection(transport.next());
            failureOf(f);
        }
        assertThat(orchestrator.agents().stream().filter(Agent::ejected)).hasSize(1);
        assertThat(eventsOf(OrchestratorEvent.AgentEjected.class)).hasSize(1);
    }

    @Test
    void aBusinessFailureDoesNotCountAgainstTheAgent() throws Exception {
        build(b -> b.outlierDetection(OutlierDetectionConfig.builder().consecutiveFailures(1).maxEjectionPercent(100).build())
                .circuitBreaker(CircuitBreakerConfig.builder().slidingWindow(1, 1).build()));
        orchestrator.register(agent("a", "cap", 4));
        CompletableFuture<TaskResult> f = orchestrator.dispatch(Task.of("cap", "x"));
        ScriptedTransport.Sent s = transport.next();
        s.reply().complete(ResultEnvelope.failure(s.envelope().taskId(), "a", "certificate-expired", "expired", false));
        failureOf(f);
        orchestrator.dispatch(Task.of("cap", "y"));
        s = transport.next();
        s.reply().complete(ResultEnvelope.failure(s.envelope().taskId(), "a", ResultEnvelope.AGENT_BUSY, "busy", true));
        assertThat(agentNamed("a").ejected()).isFalse();
        assertThat(agentNamed("a").circuitState()).isEqualTo(CircuitState.CLOSED);
    }

    @Test
    void aTaskAnAgentRefusedAsBusyIsSentAgainWithoutSpendingAttemptsOrRetryBudget() throws Exception {
        // One attempt allowed and no retry budget at all: a refusal before the task ran spends neither.
        DefaultOrchestrator engine = build(b -> b.maxAttempts(1).retryBudget(0, 0));
        orchestrator.register(agent("a", "cap", 4));
        CompletableFuture<TaskResult> f = orchestrator.dispatch(Task.of("cap", "x"));
        for (int attempt = 1; attempt <= 2; attempt++) {
            ScriptedTransport.Sent s = transport.next();
            assertThat(s.envelope().attempt()).as("a new attempt number each time: agents dedupe by it").isEqualTo(attempt);
            s.reply().complete(ResultEnvelope.failure(s.envelope().taskId(), "a", ResultEnvelope.AGENT_BUSY, "busy", true));
        }
        ScriptedTransport.Sent third = transport.next();
        assertThat(third.agent().id()).isEqualTo("a");
        third.succeed("done");

        TaskResult result = f.get(10, TimeUnit.SECONDS);
        assertThat(result.payload().asUtf8()).isEqualTo("done");
        assertThat(result.attempts()).isEqualTo(3);
        assertThat(engine.busyResends()).isEqualTo(2);
        assertThat(eventsOf(OrchestratorEvent.TaskRetried.class)).hasSize(2);
        assertThat(agentNamed("a").ejected()).isFalse();
    }

    @Test
    void aCircuitOpensPerAgentThenLetsOneTrialThroughAndCloses() throws Exception {
        build(b -> b.maxAttempts(1).circuitBreaker(CircuitBreakerConfig.builder().slidingWindow(2, 2).failureRateThreshold(50)
                .waitInOpen(Duration.ofSeconds(5)).permittedCallsInHalfOpen(1).build()));
        orchestrator.register(agent("a", "cap", 4));
        for (int i = 0; i < 2; i++) {
            CompletableFuture<TaskResult> f = orchestrator.dispatch(Task.of("cap", "x"));
            breakConnection(transport.next());
            failureOf(f);
        }
        assertThat(agentNamed("a").circuitState()).isEqualTo(CircuitState.OPEN);
        assertThat(failureOf(orchestrator.dispatch(Task.of("cap", "x")))).isInstanceOf(NoAgentAvailableException.class)
                .hasMessage("No agent for capability 'cap': 1 registered, 1 circuit open");

        advance(Duration.ofSeconds(5));
        CompletableFuture<TaskResult> trial = orchestrator.dispatch(Task.of("cap", "trial"));
        ScriptedTransport.Sent s = transport.next();
        assertThat(agentNamed("a").circuitState()).isEqualTo(CircuitState.HALF_OPEN);
        // The one trial is taken: nothing else gets through until it answers.
        assertThat(failureOf(orchestrator.dispatch(Task.of("cap", "x")))).hasMessageContaining("1 circuit open");
        s.succeed("ok");
        assertThat(trial.get(10, TimeUnit.SECONDS).payload().asUtf8()).isEqualTo("ok");
        assertThat(agentNamed("a").circuitState()).isEqualTo(CircuitState.CLOSED);
        assertThat(eventsOf(OrchestratorEvent.CircuitStateChanged.class)).extracting(OrchestratorEvent.CircuitStateChanged::current)
                .containsExactly(CircuitState.OPEN, CircuitState.HALF_OPEN, CircuitState.CLOSED);
    }

    @Test
    void anOpenCircuitOnOneAgentSendsTasksToTheOthers() throws Exception {
        build(b -> b.maxAttempts(1).circuitBreaker(CircuitBreakerConfig.builder().slidingWindow(1, 1).build()));
        orchestrator.register(agent("a", "cap", 4));
        orchestrator.register(agent("b", "cap", 4));
        CompletableFuture<TaskResult> f = orchestrator.dispatch(Task.of("cap", "x"));
        ScriptedTransport.Sent first = transport.next();
        breakConnection(first);
        failureOf(f);
        String broken = first.agent().id();
        for (int i = 0; i < 4; i++) {
            CompletableFuture<TaskResult> g = orchestrator.dispatch(Task.of("cap", "y"));
            ScriptedTransport.Sent s = transport.next();
            assertThat(s.agent().id()).isNotEqualTo(broken);
            s.succeed("ok");
            g.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aRateLimitedAgentMakesTasksWaitForTheNextToken() throws Exception {
        build(b -> b.agentRateLimit(RateLimitConfig.of(1, 1)));
        orchestrator.register(agent("a", "cap", 10));
        CompletableFuture<TaskResult> first = orchestrator.dispatch(Task.of("cap", "1"));
        CompletableFuture<TaskResult> second = orchestrator.dispatch(Task.of("cap", "2"));
        transport.next().succeed("one");
        first.get(10, TimeUnit.SECONDS);
        assertThat(transport.sent.poll(50, TimeUnit.MILLISECONDS)).as("no token yet").isNull();
        advance(Duration.ofSeconds(1));
        ScriptedTransport.Sent s = transport.next();
        assertThat(s.envelope().payload().asUtf8()).isEqualTo("2");
        s.succeed("two");
        assertThat(second.get(10, TimeUnit.SECONDS).payload().asUtf8()).isEqualTo("two");
    }

    @Test
    void aCapabilityRateLimitRefusesTasksBeyondItAndRefills() throws Exception {
        build(b -> b.capabilityRateLimit("cap", RateLimitConfig.of(2, 2)));
        orchestrator.register(agent("a", "cap", 10));
        orchestrator.dispatch(Task.of("cap", "1"));
        orchestrator.dispatch(Task.of("cap", "2"));
        assertThat(failureOf(orchestrator.dispatch(Task.of("cap", "3")))).isInstanceOf(RateLimitExceededException.class)
                .hasMessageContaining("capability 'cap' is limited to 2.0 tasks per second with a burst of 2");
        advance(Duration.ofMillis(500));
        orchestrator.dispatch(Task.of("cap", "4"));
        assertThat(List.of(transport.next(), transport.next(), transport.next()))
                .extracting(s -> s.envelope().payload().asUtf8()).containsExactly("1", "2", "4");
    }

    @Test
    void retriesGoToAnotherAgentWhileTheBudgetLasts() throws Exception {
        DefaultOrchestrator engine = build(b -> b.retryBudget(0, 1)); // 10 retries per 10 s window, none earned by traffic
        orchestrator.register(agent("a", "cap", 100));
        orchestrator.register(agent("b", "cap", 100));
        for (int i = 0; i < 10; i++) {
            CompletableFuture<TaskResult> f = orchestrator.dispatch(Task.of("cap", "x"));
            ScriptedTransport.Sent s = transport.next();
            breakConnection(s);
            ScriptedTransport.Sent retry = transport.next();
            assertThat(retry.agent().id()).isNotEqualTo(s.agent().id());
            retry.succeed("ok");
            f.get(10, TimeUnit.SECONDS);
        }
        CompletableFuture<TaskResult> f = orchestrator.dispatch(Task.of("cap", "x"));
        breakConnection(transport.next());
        assertThat(failureOf(f)).isInstanceOf(TransportException.class).hasMessage("connection refused");
        assertThat(engine.retries()).isEqualTo(10);
        assertThat(engine.retriesDenied()).isEqualTo(1);

        advance(Duration.ofSeconds(11));
        CompletableFuture<TaskResult> g = orchestrator.dispatch(Task.of("cap", "x"));
        breakConnection(transport.next());
        transport.next().succeed("ok");
        assertThat(g.get(10, TimeUnit.SECONDS).attempts()).isEqualTo(2);
    }

    @Test
    void noRetryWhenTheBackoffWouldEndPastTheDeadline() throws Exception {
        // Full jitter is random: with 1 ns of the deadline left, only a delay of exactly 0 (a 1e-10 chance) could retry.
        build(b -> b.retryBackoff(Duration.ofSeconds(10), Duration.ofSeconds(10)));
        orchestrator.register(agent("a", "cap", 4));
        orchestrator.register(agent("b", "cap", 4));
        CompletableFuture<TaskResult> f = orchestrator.dispatch(Task.builder("cap").timeout(Duration.ofSeconds(20)).build());
        ScriptedTransport.Sent s = transport.next();
        advance(Duration.ofSeconds(20).minusNanos(1));
        breakConnection(s);
        assertThat(failureOf(f)).isInstanceOf(TransportException.class);
        assertThat(transport.sent).isEmpty();
    }

    @Test
    void aDrainingAgentFinishesItsTasksTakesNoNewOnesAndComesBackWhenHealthy() throws Exception {
        build(b -> b);
        orchestrator.register(agent("a", "cap", 4));
        CompletableFuture<TaskResult> running = orchestrator.dispatch(Task.of("cap", "x"));
        ScriptedTransport.Sent s = transport.next();
        orchestrator.setStatus("a", io.agentorchestrator.api.AgentStatus.DRAINING, "deploy");
        assertThat(failureOf(orchestrator.dispatch(Task.of("cap", "y")))).hasMessage("No agent for capability 'cap': 1 registered, 1 draining");
        s.succeed("finished");
        assertThat(running.get(10, TimeUnit.SECONDS).payload().asUtf8()).isEqualTo("finished");
        orchestrator.setStatus("a", io.agentorchestrator.api.AgentStatus.HEALTHY, "deployed");
        CompletableFuture<TaskResult> after = orchestrator.dispatch(Task.of("cap", "z"));
        transport.next().succeed("back");
        assertThat(after.get(10, TimeUnit.SECONDS).payload().asUtf8()).isEqualTo("back");
    }
}
