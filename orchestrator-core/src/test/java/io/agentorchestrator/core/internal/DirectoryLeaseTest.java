package io.agentorchestrator.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentDirectory;
import io.agentorchestrator.api.AgentStatus;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.kit.TestSecurity;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Leases of directory-announced agents, driven by a fake ticker: no waiting on wall time. */
class DirectoryLeaseTest {

    /** A transport whose directory the test drives by hand. */
    static class DirectoryOnlyTransport implements Transport {
        AgentDirectory.Watcher watcher;

        @Override
        public String scheme() {
            return "lease";
        }

        @Override
        public CompletableFuture<ResultEnvelope> send(AgentDescriptor agent, TaskEnvelope envelope) {
            return new CompletableFuture<>();
        }

        @Override
        public Listener listen(AgentDescriptor agent, TaskReceiver receiver) {
            return () -> { };
        }

        @Override
        public Optional<AgentDirectory> directory() {
            return Optional.of(new AgentDirectory() {
                @Override
                public void announce(AgentDescriptor agent, Duration ttl) {
                }

                @Override
                public void withdraw(String agentId) {
                }

                @Override
                public Listener watch(Watcher w) {
                    watcher = w;
                    return () -> watcher = null;
                }
            });
        }

        @Override
        public void close() {
        }
    }

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final DirectoryOnlyTransport transport = new DirectoryOnlyTransport();
    private final DefaultOrchestrator orchestrator = (DefaultOrchestrator) Orchestrator.builder().security(TestSecurity.OFF).transport(transport)
            .ticker(nanos::get).build();
    private final AgentDescriptor agent = AgentDescriptor.builder("leased").capability("cap").endpoint("lease:leased").build();

    @AfterEach
    void close() {
        orchestrator.close();
    }

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    @Test
    void announcedAgentsAreRegisteredAndWithdrawnOnesRemoved() {
        transport.watcher.announced(agent, Duration.ofSeconds(15));
        assertThat(orchestrator.agent("leased")).isPresent();
        transport.watcher.withdrawn("leased");
        assertThat(orchestrator.agent("leased")).isEmpty();
        assertThat(transport.watcher).isNotNull();
    }

    @Test
    void aLapsedLeaseMakesTheAgentUnhealthyThenGone() {
        transport.watcher.announced(agent, Duration.ofSeconds(15));
        advance(Duration.ofSeconds(14));
        orchestrator.sweepLeases();
        assertThat(orchestrator.agent("leased").orElseThrow().status()).isEqualTo(AgentStatus.HEALTHY);

        advance(Duration.ofSeconds(2));
        orchestrator.sweepLeases();
        assertThat(orchestrator.agent("leased").orElseThrow().status()).isEqualTo(AgentStatus.UNHEALTHY);

        advance(Duration.ofSeconds(30));
        orchestrator.sweepLeases();
        assertThat(orchestrator.agent("leased")).isEmpty();
    }

    @Test
    void aHeartbeatAfterTheLeaseLapsedMakesTheAgentHealthyAgain() {
        transport.watcher.announced(agent, Duration.ofSeconds(15));
        advance(Duration.ofSeconds(20));
        orchestrator.sweepLeases();
        assertThat(orchestrator.agent("leased").orElseThrow().status()).isEqualTo(AgentStatus.UNHEALTHY);

        transport.watcher.announced(agent, Duration.ofSeconds(15));
        assertThat(orchestrator.agent("leased").orElseThrow().status()).isEqualTo(AgentStatus.HEALTHY);
        advance(Duration.ofSeconds(10));
        orchestrator.sweepLeases();
        assertThat(orchestrator.agent("leased").orElseThrow().status()).isEqualTo(AgentStatus.HEALTHY);
    }

    @Test
    void aChangedAnnouncementUpdatesTheDescriptor() {
        transport.watcher.announced(agent, Duration.ofSeconds(15));
        transport.watcher.announced(agent.toBuilder().weight(7).build(), Duration.ofSeconds(15));
        assertThat(orchestrator.agent("leased").orElseThrow().weight()).isEqualTo(7);
    }

    @Test
    void closingStopsWatching() {
        orchestrator.close();
        assertThat(transport.watcher).isNull();
    }

    @Test
    void anOrchestratorBuiltWhileItsBrokerIsDownWatchesOnceItIsBack() {
        java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();
        DirectoryOnlyTransport flaky = new DirectoryOnlyTransport() {
            @Override
            public Optional<AgentDirectory> directory() {
                AgentDirectory real = super.directory().orElseThrow();
                return Optional.of(new AgentDirectory() {
                    @Override
                    public void announce(AgentDescriptor agent, Duration ttl) {
                    }

                    @Override
                    public void withdraw(String agentId) {
                    }

                    @Override
                    public Listener watch(Watcher w) {
                        if (attempts.incrementAndGet() < 3) {
                            throw new io.agentorchestrator.api.TransportException("lease", "broker", "connection refused");
                        }
                        return real.watch(w);
                    }
                });
            }
        };
        try (Orchestrator o = Orchestrator.builder().security(TestSecurity.OFF).transport(flaky).build()) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> flaky.watcher != null);
            flaky.watcher.announced(agent, Duration.ofSeconds(15));
            assertThat(o.agent("leased")).isPresent();
            assertThat(attempts.get()).isEqualTo(3);
        }
    }
}
