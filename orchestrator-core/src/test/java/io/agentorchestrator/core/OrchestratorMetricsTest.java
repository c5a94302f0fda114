package io.agentorchestrator.core;

import static io.agentorchestrator.core.ScriptedTransport.agent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.agentorchestrator.api.AgentStatus;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskResult;
import io.agentorchestrator.core.kit.TestSecurity;
import io.agentorchestrator.core.metrics.OrchestratorMetricNames;
import io.agentorchestrator.core.metrics.OrchestratorMetrics;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Micrometer binder after a scripted workload: the test holds every reply, so counts are exact. */
class OrchestratorMetricsTest {

    private final ScriptedTransport transport = new ScriptedTransport();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private Orchestrator orchestrator = Orchestrator.builder().security(TestSecurity.OFF).transport(transport).retryBackoff(Duration.ZERO, Duration.ZERO)
            .shutdownTimeout(Duration.ZERO).build();

    @AfterEach
    void close() {
        orchestrator.close();
    }

    private double counter(String name, String... tags) {
        var c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    private double gauge(String name, String... tags) {
        return registry.get(name).tags(tags).gauge().value();
    }

    @Test
    void countsTasksByCapabilityAndOutcomeAndTimesThem() throws Exception {
        java.util.Set<String> histograms = java.util.concurrent.ConcurrentHashMap.newKeySet();
        registry.config().meterFilter(new io.micrometer.core.instrument.config.MeterFilter() {
            @Override
            public io.micrometer.core.instrument.distribution.DistributionStatisticConfig configure(io.micrometer.core.instrument.Meter.Id id,
                    io.micrometer.core.instrument.distribution.DistributionStatisticConfig config) {
                if (Boolean.TRUE.equals(config.isPercentileHistogram())) {
                    histograms.add(id.getName());
                }
                return config;
            }
        });
        orchestrator.register(agent("a", "cap", 1));
        orchestrator.register(agent("b", "cap", 1));
        OrchestratorMetrics metrics = new OrchestratorMetrics(orchestrator);
        metrics.bindTo(registry);

        // Succeeds at once.
        CompletableFuture<TaskResult> ok = orchestrator.dispatch(Task.of("cap", "1"));
        transport.next().succeed("one");
        ok.get(10, TimeUnit.SECONDS);

        // Fails retryably on one agent, then succeeds on the other.
        CompletableFuture<TaskResult> retried = orchestrator.dispatch(Task.of("cap", "2"));
        ScriptedTransport.Sent first = transport.next();
        first.reply().complete(ResultEnvelope.failure(first.envelope().taskId(), first.agent().id(), "busy", "try again", true));
        transport.next().succeed("two");
        assertThat(retried.get(10, TimeUnit.SECONDS).attempts()).isEqualTo(2);

        // Fails for good.
        CompletableFuture<TaskResult> failed = orchestrator.dispatch(Task.of("cap", "3"));
        ScriptedTransport.Sent doomed = transport.next();
        doomed.reply().complete(ResultEnvelope.failure(doomed.envelope().taskId(), doomed.agent().id(), "bad", "no", false));
        assertThatThrownBy(() -> failed.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);

        metrics.flush();
        String[] cap = {OrchestratorMetricNames.TAG_CAPABILITY, "cap"};
        assertThat(counter(OrchestratorMetricNames.TASKS_DISPATCHED, cap)).isEqualTo(3);
        assertThat(counter(OrchestratorMetricNames.TASKS_COMPLETED, "capability", "cap", "outcome", "success")).isEqualTo(2);
        assertThat(counter(OrchestratorMetricNames.TASKS_FAILED, "capability", "cap", "outcome", "TaskFailedException")).isEqualTo(1);
        assertThat(counter(OrchestratorMetricNames.RETRIES, cap)).isEqualTo(1);
        assertThat(counter(OrchestratorMetricNames.TIMEOUTS, cap)).isZero();
        Timer latency = registry.get(OrchestratorMetricNames.TASK_LATENCY).tags("capability", "cap", "outcome", "success").timer();
        assertThat(latency.count()).isEqualTo(2);
        assertThat(registry.get(OrchestratorMetricNames.TASK_LATENCY).tags("capability", "cap", "outcome", "TaskFailedException").timer()
                .count()).as("failed tasks are timed end to end too").isEqualTo(1);
        assertThat(histograms).as("percentile histograms published")
                .contains(OrchestratorMetricNames.TASK_LATENCY, OrchestratorMetricNames.ATTEMPT_LATENCY);
        assertThat(registry.get(OrchestratorMetricNames.ATTEMPT_LATENCY).tags("capability", "cap", "outcome", "success").timer().count())
                .isEqualTo(2);
        assertThat(registry.get(OrchestratorMetricNames.ATTEMPT_LATENCY).tags("capability", "cap", "outcome", "TaskFailedException")
                .timer().count()).isEqualTo(2);
        assertThat(registry.find(OrchestratorMetricNames.TASKS_DISPATCHED).tagKeys(OrchestratorMetricNames.TAG_AGENT).counter())
                .as("no per-agent tags by default").isNull();
        assertThat(registry.get(OrchestratorMetricNames.EVENTS_DROPPED).functionCounter().count()).isZero();
    }

    @Test
    void gaugesShowQueuedAndInFlightTasksAndAgentsByStatus() throws Exception {
        new OrchestratorMetrics(orchestrator).bindTo(registry);
        orchestrator.register(agent("a", "cap", 1));
        orchestrator.register(agent("b", "cap", 1));
        orchestrator.setStatus("b", AgentStatus.DRAINING, "test");

        CompletableFuture<TaskResult> running = orchestrator.dispatch(Task.of("cap", "1"));
        CompletableFuture<TaskResult> waiting = orchestrator.dispatch(Task.of("cap", "2"));
        ScriptedTransport.Sent sent = transport.next();
        assertThat(gauge(OrchestratorMetricNames.TASKS_IN_FLIGHT)).isEqualTo(2);
        assertThat(gauge(OrchestratorMetricNames.TASKS_QUEUED, "capability", "cap")).isEqualTo(1);
        assertThat(gauge(OrchestratorMetricNames.AGENTS, "capability", "cap", "status", "healthy")).isEqualTo(1);
        assertThat(gauge(OrchestratorMetricNames.AGENTS, "capability", "cap", "status", "draining")).isEqualTo(1);
        assertThat(gauge(OrchestratorMetricNames.AGENTS, "capability", "cap", "status", "unhealthy")).isZero();

        sent.succeed("one");
        transport.next().succeed("two");
        running.get(10, TimeUnit.SECONDS);
        waiting.get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> gauge(OrchestratorMetricNames.TASKS_IN_FLIGHT) == 0);
        assertThat(gauge(OrchestratorMetricNames.TASKS_QUEUED, "capability", "cap")).isZero();
    }

    @Test
    void countsTimeoutsAndTagsByAgentWhenAsked() throws Exception {
        orchestrator.register(agent("a", "cap", 1));
        new OrchestratorMetrics(orchestrator, true).bindTo(registry);
        CompletableFuture<TaskResult> slow = orchestrator.dispatch(Task.builder("cap").payload(Payload.ofUtf8("x"))
                .timeout(Duration.ofMillis(50)).build());
        transport.next();
        assertThatThrownBy(() -> slow.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
        // The timer thread counts just after it fails the future.
        await().atMost(Duration.ofSeconds(10)).until(() -> counter(OrchestratorMetricNames.TIMEOUTS, "capability", "cap") == 1);
        assertThat(counter(OrchestratorMetricNames.TASKS_FAILED, "capability", "cap", "outcome", "TaskTimeoutException", "agent", "a"))
                .isEqualTo(1);
        assertThat(counter(OrchestratorMetricNames.TASKS_DISPATCHED, "capability", "cap", "agent", "a")).isEqualTo(1);
    }

    @Test
    void countsHedges() throws Exception {
        orchestrator.close();
        orchestrator = Orchestrator.builder().security(TestSecurity.OFF).transport(transport).hedging(Duration.ofMillis(1)).shutdownTimeout(Duration.ZERO).build();
        orchestrator.register(agent("a", "cap", 4));
        orchestrator.register(agent("b", "cap", 4));
        new OrchestratorMetrics(orchestrator).bindTo(registry);
        CompletableFuture<TaskResult> f = orchestrator.dispatch(Task.builder("cap").payload(Payload.ofUtf8("x"))
                .header(Orchestrator.IDEMPOTENT_HEADER, "true").build());
        transport.next();
        transport.next().succeed("fast");
        f.get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> counter(OrchestratorMetricNames.HEDGES, "capability", "cap") == 1);
        assertThat(counter(OrchestratorMetricNames.TASKS_DISPATCHED, "capability", "cap")).isEqualTo(1);
    }

    @Test
    void countsBreakerTransitionsAndEjections() throws Exception {
        orchestrator.close();
        orchestrator = Orchestrator.builder().security(TestSecurity.OFF).transport(transport).maxAttempts(1).shutdownTimeout(Duration.ZERO)
                .outlierDetection(OutlierDetectionConfig.builder().consecutiveFailures(1).maxEjectionPercent(100).build())
                .circuitBreaker(CircuitBreakerConfig.builder().slidingWindow(1, 1).build()).build();
        orchestrator.register(agent("a", "cap", 1));
        new OrchestratorMetrics(orchestrator, true).bindTo(registry);
        CompletableFuture<TaskResult> f = orchestrator.dispatch(Task.of("cap", "x"));
        ScriptedTransport.Sent sent = transport.next();
        sent.reply().complete(ResultEnvelope.failure(sent.envelope().taskId(), "a", "boom", "broken", true));
        assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> counter(OrchestratorMetricNames.EJECTIONS, "agent", "a") == 1);
        assertThat(counter(OrchestratorMetricNames.BREAKER_STATE_CHANGES, "from", "closed", "to", "open", "agent", "a")).isEqualTo(1);
    }

    @Test
    void theBuilderBindsTheMetersAndTheTransportsCounters() throws Exception {
        orchestrator.close();
        orchestrator = Orchestrator.builder().transport("inproc:").meterRegistry(registry).perAgentMetrics(true).maxAttempts(1)
                .shutdownTimeout(Duration.ZERO).build();
        String id = "metrics-" + java.util.UUID.randomUUID();
        var descriptor = io.agentorchestrator.api.AgentDescriptor.builder(id).capability("cap").endpoint("inproc:" + id).build();
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        String[] inproc = {OrchestratorMetricNames.TAG_TRANSPORT, "inproc"};

        // Nobody listens yet: the send fails.
        orchestrator.register(descriptor);
        assertThatThrownBy(() -> orchestrator.dispatch(Task.of("cap", "x")).get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(io.agentorchestrator.api.TransportException.class);
        assertThat(registry.get(OrchestratorMetricNames.TRANSPORT_SEND_ERRORS).tags(inproc).functionCounter().count()).isEqualTo(1);

        // The agent answers after the task timed out: a late reply.
        // A clock stuck at the epoch: the agent never refuses the task as past its deadline, however late it arrives.
        try (AgentRuntime runtime = AgentRuntime.builder(descriptor).transport("inproc:").announce(false)
                .clock(java.time.Clock.fixed(java.time.Instant.EPOCH, java.time.ZoneOffset.UTC)).handler(task -> {
            release.await();
            return Payload.ofUtf8("late");
        }).start()) {
            CompletableFuture<TaskResult> slow = orchestrator.dispatch(Task.builder("cap").payload(Payload.ofUtf8("y"))
                    .timeout(Duration.ofMillis(50)).build());
            assertThatThrownBy(() -> slow.get(10, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(io.agentorchestrator.api.TaskTimeoutException.class);
            // The caller may wake before the engine has cancelled the attempt; the answer is late only after that.
            await().atMost(Duration.ofSeconds(10)).until(() -> orchestrator.tasksInFlight() == 0);
            release.countDown();
            await().atMost(Duration.ofSeconds(10)).until(
                    () -> registry.get(OrchestratorMetricNames.TRANSPORT_LATE_REPLIES).tags(inproc).functionCounter().count() == 1);
        }
        assertThat(registry.get(OrchestratorMetricNames.TRANSPORT_REDELIVERIES).tags(inproc).functionCounter().count()).isZero();
        assertThat(registry.get(OrchestratorMetricNames.TRANSPORT_DEAD_LETTERS).tags(inproc).functionCounter().count()).isZero();
        assertThat(counter(OrchestratorMetricNames.TASKS_DISPATCHED, "capability", "cap", "agent", id)).isEqualTo(2);
        for (String name : new String[] {OrchestratorMetricNames.TASKS_DISPATCHED, OrchestratorMetricNames.TASKS_FAILED,
            OrchestratorMetricNames.ATTEMPT_LATENCY}) {
            assertThat(registry.find(name).meters()).as("every %s series has the agent tag", name).isNotEmpty()
                    .allSatisfy(m -> assertThat(m.getId().getTag(OrchestratorMetricNames.TAG_AGENT)).isEqualTo(id));
        }
        assertThat(registry.get(OrchestratorMetricNames.TASK_LATENCY).tags("capability", "cap", "outcome", "TaskTimeoutException")
                .timer().totalTime(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(50);
        assertThat(registry.get(OrchestratorMetricNames.TASK_LATENCY).tags("capability", "cap", "outcome", "TransportException")
                .timer().count()).isEqualTo(1);
    }

    @Test
    void completedTasksReachTheTimersWithoutAFlushAndAllOfThemByClose() throws Exception {
        orchestrator.close();
        orchestrator = Orchestrator.builder().security(TestSecurity.OFF).transport(transport).meterRegistry(registry)
                .shutdownTimeout(Duration.ZERO).build();
        orchestrator.register(agent("a", "cap", 1));
        // More than one thread's buffer holds, so the owner records a burst itself and the flusher the rest.
        int tasks = 3 * 64 + 5;
        for (int i = 0; i < tasks; i++) {
            CompletableFuture<TaskResult> f = orchestrator.dispatch(Task.of("cap", Integer.toString(i)));
            transport.next().succeed("ok");
            f.get(10, TimeUnit.SECONDS);
        }
        Timer latency = registry.get(OrchestratorMetricNames.TASK_LATENCY).tags("capability", "cap", "outcome", "success").timer();
        await().atMost(Duration.ofSeconds(10)).until(() -> latency.count() == tasks);
        assertThat(counter(OrchestratorMetricNames.TASKS_COMPLETED, "capability", "cap", "outcome", "success")).isEqualTo(tasks);

        CompletableFuture<TaskResult> last = orchestrator.dispatch(Task.of("cap", "last"));
        transport.next().succeed("ok");
        last.get(10, TimeUnit.SECONDS);
        orchestrator.close();
        assertThat(latency.count()).as("closing records what was still buffered").isEqualTo(tasks + 1);
        assertThat(registry.get(OrchestratorMetricNames.ATTEMPT_LATENCY).tags("capability", "cap", "outcome", "success").timer().count())
                .isEqualTo(tasks + 1);
    }

    @Test
    void theCoreRunsWithNoListenerAndNoBinder() throws Exception {
        orchestrator.register(agent("a", "cap", 1));
        CompletableFuture<TaskResult> f = orchestrator.dispatch(Task.of("cap", "1"));
        transport.next().succeed("one");
        assertThat(f.get(10, TimeUnit.SECONDS).payload().asUtf8()).isEqualTo("one");
        assertThat(orchestrator.events().subscribers()).isZero();
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("orchestrator-events-"));
        assertThat(registry.getMeters()).isEmpty();
    }
}
