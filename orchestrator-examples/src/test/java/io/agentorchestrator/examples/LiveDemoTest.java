package io.agentorchestrator.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentorchestrator.api.OrchestratorEvent;
import io.agentorchestrator.core.metrics.OrchestratorMetricNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The live demo behind {@code --admin-port}: its admin server answers, and its agents fail and recover in turn. */
class LiveDemoTest {

    @Test
    void agentsFailAndCrashInTurnAndRecoverWhileTheAdminServerAnswers() throws Exception {
        List<OrchestratorEvent> events = new CopyOnWriteArrayList<>();
        List<String> lines = new CopyOnWriteArrayList<>();
        try (LiveDemo demo = new LiveDemo(DemoOptions.defaults(), 0, "live-demo-test-token-0123", false, Duration.ofSeconds(1), lines::add)
                .start()) {
            demo.orchestrator().addListener(events::add);
            HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(demo.base().resolve("/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(demo.dashboard().toString()).endsWith("/dashboard/#token=live-demo-test-token-0123");

            demo.chaosStep();
            // A burst on top of the trickle, so the failing agent surely meets its three failures in a row within the outage.
            LogisticsScene scene = new LogisticsScene(1);
            for (int i = 0; i < 60; i += 3) {
                demo.orchestrator().dispatch(scene.task(i));
            }
            await().atMost(Duration.ofSeconds(15)).until(() -> events.stream()
                    .anyMatch(e -> e instanceof OrchestratorEvent.AgentEjected j && j.agentId().equals("cert-jakim-1")));
            await().atMost(Duration.ofSeconds(15)).until(() -> events.stream()
                    .anyMatch(e -> e instanceof OrchestratorEvent.AgentReinstated r && r.agentId().equals("cert-jakim-1")));

            demo.chaosStep();
            await().atMost(Duration.ofSeconds(15)).until(() -> events.stream()
                    .anyMatch(e -> e instanceof OrchestratorEvent.AgentDeregistered d && d.agent().id().equals("coldchain-penang-1")));
            await().atMost(Duration.ofSeconds(15)).until(() -> demo.orchestrator().agent("coldchain-penang-1").isPresent());
            await().atMost(Duration.ofSeconds(15)).until(() -> demo.orchestrator().stats().agents().containsKey("coldchain-penang-1"));
            assertThat(lines).anyMatch(l -> l.startsWith("chaos: cert-jakim-1 fails its tasks"))
                    .anyMatch(l -> l.startsWith("chaos: coldchain-penang-1 crashes"));
            assertThat(demo.orchestrator().stats().capabilities()).containsKeys(LogisticsScene.CAPABILITIES.toArray(String[]::new));
        }
    }

    @Test
    void recordsTheOrchestratorsMetersInTheRegistryGivenForPrometheus() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (LiveDemo demo = new LiveDemo(DemoOptions.defaults(), 0, "live-demo-test-token-0123", false, Duration.ofSeconds(1), line -> { })
                .meterRegistry(registry).start()) {
            // The trickle dispatches on its own; its tasks show up in the registry's meters.
            await().atMost(Duration.ofSeconds(15)).until(() -> registry.find(OrchestratorMetricNames.TASKS_COMPLETED).counters().stream()
                    .mapToDouble(Counter::count).sum() > 0);
        }
    }
}
