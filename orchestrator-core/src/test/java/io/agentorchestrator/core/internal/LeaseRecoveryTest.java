package io.agentorchestrator.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentStatus;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.core.AgentRuntime;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.kit.TestSecurity;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The lease grace is configurable, and agents find a restarted orchestrator on their own. */
class LeaseRecoveryTest {

    @Test
    void aLapsedAgentIsRemovedAfterTheConfiguredGrace() {
        AtomicLong nanos = new AtomicLong(1_000_000_000L);
        DirectoryLeaseTest.DirectoryOnlyTransport transport = new DirectoryLeaseTest.DirectoryOnlyTransport();
        try (Orchestrator o = Orchestrator.builder().security(TestSecurity.OFF).transport(transport).ticker(nanos::get).leaseGraceTtls(5).build()) {
            DefaultOrchestrator engine = (DefaultOrchestrator) o;
            transport.watcher.announced(AgentDescriptor.builder("slow").capability("cap").endpoint("lease:slow").build(),
                    Duration.ofSeconds(10));
            nanos.addAndGet(Duration.ofSeconds(11).toNanos());
            engine.sweepLeases();
            assertThat(o.agent("slow").orElseThrow().status()).isEqualTo(AgentStatus.UNHEALTHY);
            nanos.addAndGet(Duration.ofSeconds(48).toNanos()); // 49 s overdue: within 5 TTLs
            engine.sweepLeases();
            assertThat(o.agent("slow")).isPresent();
            nanos.addAndGet(Duration.ofSeconds(2).toNanos());
            engine.sweepLeases();
            assertThat(o.agent("slow")).isEmpty();
        }
    }

    @Test
    void agentsReRegisterWithAnOrchestratorThatRestarted() throws Exception {
        String id = "restart-" + UUID.randomUUID();
        AgentDescriptor agent = AgentDescriptor.builder(id).capability("restart-" + id).endpoint("inproc:" + id).build();
        InProcessTransport transport = new InProcessTransport();
        try (AgentRuntime runtime = AgentRuntime.builder(agent).security(TestSecurity.OFF).transport(transport).heartbeatInterval(Duration.ofMillis(100))
                .handler(t -> Payload.ofUtf8("done")).start()) {
            Orchestrator first = Orchestrator.builder().security(TestSecurity.OFF).transport(transport).build();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> first.agent(id).isPresent());
            assertThat(first.dispatch(Task.of(agent.capabilities().iterator().next(), "x")).get(10, TimeUnit.SECONDS).agentId()).isEqualTo(id);
            first.close();

            try (Orchestrator second = Orchestrator.builder().security(TestSecurity.OFF).transport(transport).build()) {
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> second.agent(id).isPresent());
                assertThat(second.dispatch(Task.of(agent.capabilities().iterator().next(), "y")).get(10, TimeUnit.SECONDS).payload().asUtf8())
                        .isEqualTo("done");
            }
        }
    }

    @Test
    void anAgentNotReplayedByTheDirectoryComesBackWithItsNextHeartbeat() {
        DirectoryLeaseTest.DirectoryOnlyTransport transport = new DirectoryLeaseTest.DirectoryOnlyTransport();
        AgentDescriptor agent = AgentDescriptor.builder("beat").capability("cap").endpoint("lease:beat").build();
        Orchestrator first = Orchestrator.builder().security(TestSecurity.OFF).transport(transport).build();
        transport.watcher.announced(agent, Duration.ofSeconds(15));
        assertThat(first.agent("beat")).isPresent();
        first.close();
        try (Orchestrator second = Orchestrator.builder().security(TestSecurity.OFF).transport(transport).build()) {
            assertThat(second.agent("beat")).isEmpty();
            transport.watcher.announced(agent, Duration.ofSeconds(15));
            assertThat(second.agent("beat")).isPresent();
        }
    }
}
