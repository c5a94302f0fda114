package io.agentorchestrator.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentStatus;
import io.agentorchestrator.api.HealthCheckResult;
import io.agentorchestrator.api.HealthProbe;
import io.agentorchestrator.api.HealthProbeProvider;
import io.agentorchestrator.core.HealthCheckConfig;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.kit.TestSecurity;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A probe plugged in through the SPI and selected by name. */
class CustomProbeTest {

    /** Unhealthy while the agent's "maintenance" metadata is "on"; found through META-INF/services in the test classpath. */
    public static final class MaintenanceFlagProbe implements HealthProbeProvider {
        @Override
        public String name() {
            return "maintenance-flag";
        }

        @Override
        public HealthProbe create() {
            return (agent, timeout) -> CompletableFuture.completedFuture("on".equals(agent.descriptor().metadata().get("maintenance"))
                    ? HealthCheckResult.unhealthy("in maintenance") : HealthCheckResult.healthy("in service"));
        }
    }

    @Test
    void aCustomProbeIsFoundByNameAndDrivesTheStatus() {
        ScheduledExecutorService manual = new ScheduledThreadPoolExecutor(1) {
            @Override
            public java.util.concurrent.ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay,
                    TimeUnit unit) {
                return super.schedule(() -> { }, 365, TimeUnit.DAYS);
            }
        };
        long[] nanos = {0};
        try (Orchestrator o = Orchestrator.builder().security(TestSecurity.OFF).transport(new HealthCheckTest.RefusingTransport()).ticker(() -> nanos[0])
                .healthScheduler(manual).healthCheck(HealthCheckConfig.builder().probe("maintenance-flag").jitter(Duration.ZERO)
                        .unhealthyThreshold(1).healthyThreshold(1).build()).build()) {
            DefaultOrchestrator engine = (DefaultOrchestrator) o;
            AgentDescriptor agent = AgentDescriptor.builder("m").capability("cap").endpoint("hc:m").metadata("maintenance", "on").build();
            o.register(agent);
            engine.healthTick();
            assertThat(o.agent("m").orElseThrow().status()).isEqualTo(AgentStatus.UNHEALTHY);
            o.update(agent.toBuilder().metadata("maintenance", "off").build());
            nanos[0] += HealthCheckConfig.DEFAULT_INTERVAL.plus(HealthCheckConfig.DEFAULT_JITTER).toNanos();
            engine.healthTick();
            assertThat(o.agent("m").orElseThrow().status()).isEqualTo(AgentStatus.HEALTHY);
        } finally {
            manual.shutdownNow();
        }
    }
}
