package io.agentorchestrator.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentStatus;
import io.agentorchestrator.api.HealthProbe;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.core.AgentRuntime;
import io.agentorchestrator.core.HealthCheckConfig;
import io.agentorchestrator.core.HealthProbes;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.kit.TestSecurity;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The built-in probes against real endpoints: an HTTP agent played by the JDK's HttpServer on a
 * free loopback port, and an in-process agent runtime for the transport ping. Rounds are run by
 * hand on a fake ticker; only the probes' own I/O is awaited.
 */
class ProbeTest {

    private final ScheduledExecutorService manual = new ScheduledThreadPoolExecutor(1) {
        @Override
        public java.util.concurrent.ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay,
                TimeUnit unit) {
            return super.schedule(() -> { }, 365, TimeUnit.DAYS);
        }
    };
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private DefaultOrchestrator orchestrator;
    private HttpServer server;
    private final AtomicInteger status = new AtomicInteger(200);

    @AfterEach
    void close() {
        if (orchestrator != null) {
            orchestrator.close();
        }
        if (server != null) {
            server.stop(0);
        }
        manual.shutdownNow();
    }

    private DefaultOrchestrator build(io.agentorchestrator.api.Transport transport, HealthProbe probe, int unhealthyThreshold) {
        orchestrator = (DefaultOrchestrator) Orchestrator.builder().security(TestSecurity.OFF).transport(transport).ticker(nanos::get).healthScheduler(manual)
                .healthCheck(HealthCheckConfig.builder().probe(probe).interval(Duration.ofSeconds(1)).jitter(Duration.ZERO)
                        .timeout(Duration.ofSeconds(5)).unhealthyThreshold(unhealthyThreshold).healthyThreshold(1).build())
                .build();
        return orchestrator;
    }

    private HttpServer startServer(int port) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        s.createContext("/health", exchange -> {
            exchange.sendResponseHeaders(status.get(), -1);
            exchange.close();
        });
        s.start();
        return s;
    }

    /** Runs one check of {@code agentId} to completion: moves the ticker to when it is due, starts it, awaits its answer. */
    private void runCheck(String agentId) {
        HealthChecker checker = orchestrator.healthChecker();
        orchestrator.healthTick();
        nanos.set(Math.max(nanos.get(), checker.nextCheckAt(agentId)));
        orchestrator.healthTick();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !checker.running(agentId));
    }

    private AgentStatus statusOf(String agentId) {
        return orchestrator.agent(agentId).orElseThrow().status();
    }

    @Test
    void httpProbeMarksAStoppedAgentUnhealthyAfterTheThresholdAndRecoversItWhenItIsBack() throws Exception {
        server = startServer(0);
        int port = server.getAddress().getPort();
        build(new HealthCheckTest.RefusingTransport(), HealthProbes.http("/health", 200), 2);
        orchestrator.register(AgentDescriptor.builder("web").capability("cap").endpoint("hc:web")
                .metadata(HealthProbes.HEALTH_URL_KEY, "http://127.0.0.1:" + port + "/health").build());

        runCheck("web");
        assertThat(statusOf("web")).isEqualTo(AgentStatus.HEALTHY);

        server.stop(0);
        runCheck("web");
        assertThat(statusOf("web")).as("one failure of two").isEqualTo(AgentStatus.HEALTHY);
        runCheck("web");
        assertThat(statusOf("web")).isEqualTo(AgentStatus.UNHEALTHY);

        server = startServer(port);
        runCheck("web");
        assertThat(statusOf("web")).isEqualTo(AgentStatus.HEALTHY);
    }

    @Test
    void httpProbeWantsTheExpectedStatus() throws Exception {
        server = startServer(0);
        build(new HealthCheckTest.RefusingTransport(), HealthProbes.http("/health", 200), 1);
        orchestrator.register(AgentDescriptor.builder("web").capability("cap").endpoint("hc:web")
                .metadata(HealthProbes.HEALTH_URL_KEY, "http://127.0.0.1:" + server.getAddress().getPort() + "/health").build());
        status.set(503);
        runCheck("web");
        assertThat(statusOf("web")).isEqualTo(AgentStatus.UNHEALTHY);
        status.set(200);
        runCheck("web");
        assertThat(statusOf("web")).isEqualTo(AgentStatus.HEALTHY);
    }

    @Test
    void anAgentWithoutAHealthUrlFailsTheHttpProbeWithAClearReason() {
        build(new HealthCheckTest.RefusingTransport(), HealthProbes.http(), 1);
        java.util.List<io.agentorchestrator.api.OrchestratorEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        orchestrator.addListener(events::add);
        orchestrator.register(AgentDescriptor.builder("nourl").capability("cap").endpoint("hc:nourl").build());
        runCheck("nourl");
        assertThat(events).filteredOn(io.agentorchestrator.api.OrchestratorEvent.AgentStatusChanged.class::isInstance).singleElement()
                .extracting(e -> ((io.agentorchestrator.api.OrchestratorEvent.AgentStatusChanged) e).reason()).asString()
                .contains("has no health URL: set its 'health-url' metadata");
    }

    @Test
    void tcpProbeConnects() throws Exception {
        server = startServer(0);
        build(new HealthCheckTest.RefusingTransport(), HealthProbes.tcp(), 1);
        orchestrator.register(AgentDescriptor.builder("sock").capability("cap").endpoint("hc:sock")
                .metadata(HealthProbes.HEALTH_ADDRESS_KEY, "127.0.0.1:" + server.getAddress().getPort()).build());
        runCheck("sock");
        assertThat(statusOf("sock")).isEqualTo(AgentStatus.HEALTHY);
        server.stop(0);
        server = null;
        runCheck("sock");
        assertThat(statusOf("sock")).isEqualTo(AgentStatus.UNHEALTHY);
    }

    @Test
    void transportPingReachesTheAgentRuntimeWithoutRunningItsHandler() {
        InProcessTransport transport = new InProcessTransport();
        String id = "pinged-" + UUID.randomUUID();
        AgentDescriptor agent = AgentDescriptor.builder(id).capability("cap").endpoint("inproc:" + id).build();
        AtomicInteger handled = new AtomicInteger();
        AgentRuntime runtime = AgentRuntime.builder(agent).security(TestSecurity.OFF).transport(transport).announce(false).handler(t -> {
            handled.incrementAndGet();
            return Payload.empty();
        }).start();
        try {
            build(transport, HealthProbes.ping(), 1);
            orchestrator.register(agent);
            runCheck(id);
            assertThat(statusOf(id)).isEqualTo(AgentStatus.HEALTHY);
            runtime.close();
            runCheck(id);
            assertThat(statusOf(id)).isEqualTo(AgentStatus.UNHEALTHY);
            runtime = AgentRuntime.builder(agent).security(TestSecurity.OFF).transport(transport).announce(false).handler(t -> {
                handled.incrementAndGet();
                return Payload.empty();
            }).start();
            runCheck(id);
            assertThat(statusOf(id)).isEqualTo(AgentStatus.HEALTHY);
            assertThat(handled).hasValue(0);
        } finally {
            runtime.close();
        }
    }

    @Test
    void probesAreFoundByName() {
        assertThat(HealthCheckConfig.builder().probe("http").build().probe()).isInstanceOf(io.agentorchestrator.core.internal.health.HttpProbe.class);
        assertThat(HealthCheckConfig.builder().probe("tcp").build().probe()).isInstanceOf(io.agentorchestrator.core.internal.health.TcpProbe.class);
        assertThat(HealthCheckConfig.builder().build().probe()).isInstanceOf(io.agentorchestrator.core.internal.health.PingProbe.class);
    }
}
