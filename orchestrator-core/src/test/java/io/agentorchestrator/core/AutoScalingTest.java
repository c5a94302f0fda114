package io.agentorchestrator.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.OrchestratorEvent;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskResult;
import io.agentorchestrator.core.internal.DefaultOrchestrator;
import io.agentorchestrator.core.metrics.OrchestratorMetricNames;
import io.agentorchestrator.core.metrics.OrchestratorMetrics;
import io.agentorchestrator.core.scaling.ScalingDecision;
import io.agentorchestrator.core.scaling.ScalingPolicy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Auto-scaling signals through the orchestrator: the hook, the event and the gauge agree. */
class AutoScalingTest {

    @Test
    void aBusyCapabilityIsReportedToTheHookAsAnEventAndAsAGauge() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        AtomicLong nanos = new AtomicLong(1_000_000_000L);
        List<ScalingDecision> decisions = new CopyOnWriteArrayList<>();
        List<OrchestratorEvent> events = new CopyOnWriteArrayList<>();
        CountDownLatch gate = new CountDownLatch(1);
        List<AgentRuntime> runtimes = new ArrayList<>();
        ScalingPolicy policy = ScalingPolicy.builder().targetUtilization(0.5).bounds(1, 8).evaluationInterval(Duration.ofMinutes(10)).build();
        try (Orchestrator orchestrator = Orchestrator.builder().ticker(nanos::get).watchAgentDirectory(false).listener(events::add)
                .autoScaling(policy).scalingHook(decisions::add).build()) {
            for (int i = 0; i < 2; i++) {
                AgentDescriptor d = AgentDescriptor.builder("busy-" + i + "-" + run).capability("plan").endpoint("inproc:busy-" + i + "-" + run)
                        .maxConcurrency(1).build();
                runtimes.add(AgentRuntime.builder(d).transport("inproc:").announce(false).handler(task -> {
                    gate.await(10, TimeUnit.SECONDS);
                    return Payload.ofUtf8("ok");
                }).start());
                orchestrator.register(d);
            }
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            new OrchestratorMetrics(orchestrator).bindTo(registry);
            assertThat(registry.get(OrchestratorMetricNames.SCALING_DESIRED_AGENTS).tag("capability", "plan").gauge().value()).isNaN();

            List<CompletableFuture<TaskResult>> futures = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                futures.add(orchestrator.dispatch(Task.of("plan", "p" + i)));
            }
            ((DefaultOrchestrator) orchestrator).evaluateScaling();

            assertThat(decisions).singleElement().satisfies(d -> {
                assertThat(d.capability()).isEqualTo("plan");
                assertThat(d.currentAgents()).isEqualTo(2);
                assertThat(d.queuedTasks()).isEqualTo(4);
                assertThat(d.desiredAgents()).as("utilization 1.0 against 0.5").isEqualTo(4);
            });
            assertThat(events).filteredOn(e -> e instanceof OrchestratorEvent.ScalingRecommended).singleElement()
                    .isEqualTo(new OrchestratorEvent.ScalingRecommended(((OrchestratorEvent.ScalingRecommended) events.stream()
                            .filter(e -> e instanceof OrchestratorEvent.ScalingRecommended).findFirst().orElseThrow()).at(), "plan", 2, 4,
                            decisions.get(0).reason()));
            assertThat(orchestrator.desiredAgents("plan")).hasValue(4);
            assertThat(registry.get(OrchestratorMetricNames.SCALING_DESIRED_AGENTS).tag("capability", "plan").gauge().value()).isEqualTo(4);

            ((DefaultOrchestrator) orchestrator).evaluateScaling();
            assertThat(decisions).as("no change, no second call").hasSize(1);
            gate.countDown();
            for (CompletableFuture<TaskResult> f : futures) {
                f.get(10, TimeUnit.SECONDS);
            }
        } finally {
            for (AgentRuntime r : runtimes) {
                r.close(Duration.ZERO);
            }
        }
    }
}
