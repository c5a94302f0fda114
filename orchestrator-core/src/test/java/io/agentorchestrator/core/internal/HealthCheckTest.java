package io.agentorchestrator.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentorchestrator.api.Agent;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentStatus;
import io.agentorchestrator.api.HealthCheckResult;
import io.agentorchestrator.api.HealthProbe;
import io.agentorchestrator.api.OrchestratorEvent;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.TransportException;
import io.agentorchestrator.core.HealthCheckConfig;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.OutlierDetectionConfig;
import io.agentorchestrator.core.kit.TestSecurity;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Active health checking driven by hand: the health scheduler given to the orchestrator never
 * runs its periodic round, the test calls {@link DefaultOrchestrator#healthTick()} after moving a
 * fake ticker, and completes each probe's result itself.
 */
class HealthCheckTest {

    private static final Duration INTERVAL = Duration.ofSeconds(10);
    private static final Duration JITTER = Duration.ofSeconds(1);
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    /** A probe whose every check returns a future the test completes. */
    static final class ScriptedProbe implements HealthProbe {
        final List<CompletableFuture<HealthCheckResult>> checks = new CopyOnWriteArrayList<>();

        @Override
        public CompletionStage<HealthCheckResult> check(Agent agent, Duration timeout) {
            CompletableFuture<HealthCheckResult> f = new CompletableFuture<>();
            checks.add(f);
            return f;
        }

        CompletableFuture<HealthCheckResult> last() {
            return checks.get(checks.size() - 1);
        }
    }

    /** Sends fail as a refused connection: the agent is down for traffic. */
    static final class RefusingTransport implements Transport {
        @Override
        public String scheme() {
            return "hc";
        }

        @Override
        public CompletableFuture<ResultEnvelope> send(AgentDescriptor agent, TaskEnvelope envelope) {
            return CompletableFuture.failedFuture(new TransportException("hc", agent.endpoint().toString(), "connection refused"));
        }

        @Override
        public Listener listen(AgentDescriptor agent, TaskReceiver receiver) {
            return () -> { };
        }

        @Override
        public void close() {
        }
    }

    /** Records periodic tasks instead of running them: the test runs the health round itself. */
    private final ScheduledExecutorService manual = new ScheduledThreadPoolExecutor(1) {
        @Override
        public java.util.concurrent.ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay,
                TimeUnit unit) {
            return super.schedule(() -> { }, 365, TimeUnit.DAYS);
        }
    };
    private final AtomicLong nanos = new AtomicLong(5_000_000_000L);
    private final ScriptedProbe probe = new ScriptedProbe();
    private final List<OrchestratorEvent> events = new CopyOnWriteArrayList<>();
    private final DefaultOrchestrator orchestrator = (DefaultOrchestrator) Orchestrator.builder().security(TestSecurity.OFF)
            .transport(new RefusingTransport())
            .ticker(nanos::get)
            .healthScheduler(manual)
            .listener(events::add)
            .maxAttempts(1)
            .outlierDetection(OutlierDetectionConfig.builder().consecutiveFailures(1).maxEjectionPercent(100).build())
            .healthCheck(HealthCheckConfig.builder().probe(probe).interval(INTERVAL).jitter(JITTER).timeout(TIMEOUT)
                    .healthyThreshold(2).unhealthyThreshold(3).build())
            .build();

    @AfterEach
    void close() {
        orchestrator.close();
        manual.shutdownNow();
    }

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    private HealthChecker checker() {
        return orchestrator.healthChecker();
    }

    private AgentStatus status() {
        return orchestrator.agent("a").orElseThrow().status();
    }

    /** Moves to the agent's next check, runs the round, and answers the check with {@code healthy}. */
    private void check(boolean healthy) {
        long due = checker().nextCheckAt("a");
        nanos.set(Math.max(nanos.get(), due));
        int before = probe.checks.size();
        orchestrator.healthTick();
        assertThat(probe.checks).hasSize(before + 1);
        probe.last().complete(healthy ? HealthCheckResult.healthy("ok") : HealthCheckResult.unhealthy("HTTP 503"));
    }

    private void register() {
        orchestrator.register(AgentDescriptor.builder("a").capability("cap").endpoint("hc:a").build());
    }

    @Test
    void firstCheckComesWithinTheJitterAndLaterOnesAfterIntervalPlusJitter() {
        register();
        long start = nanos.get();
        orchestrator.healthTick();
        assertThat(checker().nextCheckAt("a")).isBetween(start, start + JITTER.toNanos());
        for (int i = 0; i < 20; i++) {
            check(true);
            long now = nanos.get();
            assertThat(checker().nextCheckAt("a")).isBetween(now + INTERVAL.toNanos(), now + INTERVAL.toNanos() + JITTER.toNanos());
        }
    }

    @Test
    void noCheckStartsBeforeItIsDue() {
        register();
        orchestrator.healthTick();
        check(true);
        advance(INTERVAL.minusNanos(1));
        orchestrator.healthTick();
        assertThat(probe.checks).hasSize(1);
    }

    @Test
    void becomesUnhealthyAfterTheFailureThresholdAndHealthyAfterTheSuccessThreshold() {
        register();
        orchestrator.healthTick();
        check(false);
        check(false);
        assertThat(status()).isEqualTo(AgentStatus.HEALTHY);
        check(false);
        assertThat(status()).isEqualTo(AgentStatus.UNHEALTHY);
        check(true);
        assertThat(status()).isEqualTo(AgentStatus.UNHEALTHY);
        check(false);
        check(true);
        check(true);
        assertThat(status()).isEqualTo(AgentStatus.HEALTHY);
        List<OrchestratorEvent.AgentStatusChanged> changes = events.stream().filter(OrchestratorEvent.AgentStatusChanged.class::isInstance)
                .map(OrchestratorEvent.AgentStatusChanged.class::cast).toList();
        assertThat(changes).extracting(OrchestratorEvent.AgentStatusChanged::current)
                .containsExactly(AgentStatus.UNHEALTHY, AgentStatus.HEALTHY);
        assertThat(changes.get(0).reason()).isEqualTo("health check failed: HTTP 503");
        assertThat(changes.get(1).reason()).isEqualTo("health check passed: ok");
    }

    @Test
    void aCheckWithoutAnAnswerWithinTheTimeoutCountsAsAFailure() {
        register();
        orchestrator.healthTick();
        for (int i = 0; i < 3; i++) {
            nanos.set(Math.max(nanos.get(), checker().nextCheckAt("a")));
            orchestrator.healthTick();
            assertThat(checker().running("a")).isTrue();
            advance(TIMEOUT.minusNanos(1));
            orchestrator.healthTick();
            assertThat(checker().running("a")).isTrue();
            advance(Duration.ofNanos(1));
            orchestrator.healthTick();
            assertThat(checker().running("a")).isFalse();
        }
        assertThat(status()).isEqualTo(AgentStatus.UNHEALTHY);
        // Answers arriving after their timeout change nothing.
        probe.checks.forEach(f -> f.complete(HealthCheckResult.healthy("late")));
        assertThat(status()).isEqualTo(AgentStatus.UNHEALTHY);
    }

    @Test
    void aProbeThatThrowsCountsAsAFailure() {
        DefaultOrchestrator throwing = (DefaultOrchestrator) Orchestrator.builder().security(TestSecurity.OFF).transport(new RefusingTransport()).ticker(nanos::get)
                .healthScheduler(manual).healthCheck(HealthCheckConfig.builder().probe((agent, timeout) -> {
                    throw new IllegalStateException("boom");
                }).unhealthyThreshold(1).jitter(Duration.ZERO).build()).build();
        try {
            throwing.register(AgentDescriptor.builder("a").capability("cap").endpoint("hc:a").build());
            throwing.healthTick();
            assertThat(throwing.agent("a").orElseThrow().status()).isEqualTo(AgentStatus.UNHEALTHY);
        } finally {
            throwing.close();
        }
    }

    @Test
    void leavesDrainingAndHandSetStatusesAlone() {
        register();
        orchestrator.setStatus("a", AgentStatus.DRAINING, "deploy");
        orchestrator.healthTick();
        check(false);
        check(false);
        check(false);
        assertThat(status()).isEqualTo(AgentStatus.DRAINING);
        orchestrator.setStatus("a", AgentStatus.UNHEALTHY, "operator");
        check(true);
        check(true);
        assertThat(status()).as("not marked by the checker").isEqualTo(AgentStatus.UNHEALTHY);
    }

    @Test
    void passingChecksBringAnEjectedAgentBack() throws Exception {
        register();
        orchestrator.healthTick();
        CompletableFuture<?> f = orchestrator.dispatch(Task.of("cap", "x"));
        assertThat(f).failsWithin(Duration.ofSeconds(10));
        assertThat(orchestrator.agent("a").orElseThrow().ejected()).isTrue();
        check(true);
        assertThat(orchestrator.agent("a").orElseThrow().ejected()).as("one pass of the two needed").isTrue();
        check(true);
        assertThat(orchestrator.agent("a").orElseThrow().ejected()).isFalse();
        assertThat(events).filteredOn(OrchestratorEvent.AgentReinstated.class::isInstance).singleElement()
                .extracting(e -> ((OrchestratorEvent.AgentReinstated) e).reason()).isEqualTo("health check passed");
    }

    @Test
    void deregisteredAgentsAreNoLongerChecked() {
        register();
        orchestrator.healthTick();
        assertThat(checker().nextCheckAt("a")).isNotNull();
        orchestrator.deregister("a");
        orchestrator.healthTick();
        assertThat(checker().nextCheckAt("a")).isNull();
    }

    @Test
    void anAgentSetHealthyByHandWhileItStillFailsIsMarkedUnhealthyAgain() {
        register();
        orchestrator.healthTick();
        check(false);
        check(false);
        check(false);
        assertThat(status()).isEqualTo(AgentStatus.UNHEALTHY);
        orchestrator.setStatus("a", AgentStatus.HEALTHY, "operator says so");
        check(false);
        assertThat(status()).isEqualTo(AgentStatus.UNHEALTHY);
    }
}
