package io.agentorchestrator.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentStatus;
import io.agentorchestrator.api.OrchestratorEvent;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.core.AgentRuntime;
import io.agentorchestrator.core.HealthCheckConfig;
import io.agentorchestrator.core.HealthProbes;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.OutlierDetectionConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A crash and a recovery end to end on in-process agents: passive detection takes the dead agent
 * out after its failures, with no task lost and none sent to it afterwards; health checks mark it
 * UNHEALTHY; when it comes back, passing checks return it to rotation. Tasks are dispatched one
 * at a time and health rounds run by hand on a fake ticker, so the order of events is exact.
 */
class FailoverTest {

    private final ScheduledExecutorService manual = new ScheduledThreadPoolExecutor(1) {
        @Override
        public java.util.concurrent.ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay,
                TimeUnit unit) {
            return super.schedule(() -> { }, 365, TimeUnit.DAYS);
        }
    };
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final List<OrchestratorEvent> events = new CopyOnWriteArrayList<>();
    private final InProcessTransport transport = new InProcessTransport();
    private final List<AgentRuntime> runtimes = new ArrayList<>();
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final DefaultOrchestrator orchestrator = (DefaultOrchestrator) Orchestrator.builder()
            .transport(transport)
            .watchAgentDirectory(false)
            .ticker(nanos::get)
            .healthScheduler(manual)
            .retryBackoff(Duration.ZERO, Duration.ZERO)
            .outlierDetection(OutlierDetectionConfig.builder().consecutiveFailures(3).maxEjectionPercent(50).build())
            .healthCheck(HealthCheckConfig.builder().probe(HealthProbes.ping()).interval(Duration.ofSeconds(1)).jitter(Duration.ZERO)
                    .unhealthyThreshold(2).healthyThreshold(2).build())
            .listener(events::add)
            .build();

    @AfterEach
    void close() {
        orchestrator.close();
        runtimes.forEach(r -> r.close(Duration.ZERO));
        manual.shutdownNow();
    }

    private AgentDescriptor agent(int i) {
        return AgentDescriptor.builder("fo-" + run + "-" + i).capability("fo-" + run).endpoint("inproc:fo-" + run + "-" + i).build();
    }

    private AgentRuntime start(AgentDescriptor agent) {
        AgentRuntime runtime = AgentRuntime.builder(agent).transport(transport).announce(false).handler(t -> Payload.ofUtf8("ok")).start();
        runtimes.add(runtime);
        return runtime;
    }

    private void healthRound() {
        orchestrator.healthTick();
        long due = orchestrator.registeredAgents().stream().mapToLong(a -> orchestrator.healthChecker().nextCheckAt(a.id())).max()
                .orElseThrow();
        nanos.set(Math.max(nanos.get(), due));
        orchestrator.healthTick();
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> orchestrator.registeredAgents().stream().noneMatch(a -> orchestrator.healthChecker().running(a.id())));
    }

    private long dispatchedTo(String agentId, List<OrchestratorEvent> from) {
        return from.stream().filter(e -> e instanceof OrchestratorEvent.TaskDispatched d && d.agentId().equals(agentId)).count();
    }

    @Test
    void aCrashedAgentIsTakenOutWithoutLosingATaskAndComesBackWhenItRecovers() throws Exception {
        List<AgentDescriptor> agents = new ArrayList<>();
        List<AgentRuntime> started = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            agents.add(agent(i));
            started.add(start(agents.get(i)));
            orchestrator.register(agents.get(i));
        }
        String dead = agents.get(1).id();
        started.get(1).close(Duration.ZERO);

        for (int i = 0; i < 40; i++) {
            assertThat(orchestrator.dispatch(Task.of("fo-" + run, "x")).get(10, TimeUnit.SECONDS).payload().asUtf8()).isEqualTo("ok");
        }
        // A snapshot: the last TaskCompleted event may still be on its way from an agent thread.
        List<OrchestratorEvent> seen = List.copyOf(events);
        int ejectedAt = -1;
        for (int i = 0; i < seen.size(); i++) {
            if (seen.get(i) instanceof OrchestratorEvent.AgentEjected e && e.agentId().equals(dead)) {
                ejectedAt = i;
            }
        }
        assertThat(ejectedAt).as("the dead agent was ejected").isNotNegative();
        assertThat(dispatchedTo(dead, seen.subList(0, ejectedAt))).isEqualTo(3);
        assertThat(dispatchedTo(dead, seen.subList(ejectedAt, seen.size()))).as("tasks sent to it after detection").isZero();

        healthRound();
        healthRound();
        assertThat(orchestrator.agent(dead).orElseThrow().status()).isEqualTo(AgentStatus.UNHEALTHY);

        start(agents.get(1));
        healthRound();
        healthRound();
        assertThat(orchestrator.agent(dead).orElseThrow().status()).isEqualTo(AgentStatus.HEALTHY);
        assertThat(orchestrator.agent(dead).orElseThrow().ejected()).isFalse();
        int before = events.size();
        for (int i = 0; i < 8; i++) {
            orchestrator.dispatch(Task.of("fo-" + run, "x")).get(10, TimeUnit.SECONDS);
        }
        List<OrchestratorEvent> after = List.copyOf(events);
        assertThat(dispatchedTo(dead, after.subList(before, after.size()))).isEqualTo(2);
    }
}
