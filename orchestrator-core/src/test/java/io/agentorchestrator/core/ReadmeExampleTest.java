package io.agentorchestrator.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskResult;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The README's examples, as they stand there, compiled and run. */
class ReadmeExampleTest {

    private static String planRoute(String request) {
        return "route for " + request;
    }

    @Test
    void theBuilderExampleWorks() throws Exception {
        Payload payload = Payload.ofUtf8("KUL->PEN");
        AgentDescriptor planner = AgentDescriptor.builder("planner-1")
            .capability("route-planning").endpoint("inproc:planner-1").weight(2).maxConcurrency(8).build();
        try (AgentRuntime runtime = AgentRuntime.builder(planner)
                .transport("inproc:")
                .handler(task -> Payload.ofUtf8(planRoute(task.payload().asUtf8())))
                .start()) {

            try (Orchestrator orchestrator = Orchestrator.builder()
                    .transport("inproc:")                       // the embedded default
                    .balancer("least-connections")              // or .balancer(myBalancer)
                    .defaultTimeout(Duration.ofSeconds(5))
                    .build()) {
                orchestrator.register(AgentDescriptor.builder("planner-1")
                    .capability("route-planning").endpoint("inproc:planner-1").weight(2).maxConcurrency(8).build());
                TaskResult r = orchestrator.dispatch(Task.of("route-planning", payload)).get();

                assertThat(r.payload().asUtf8()).isEqualTo("route for KUL->PEN");
                assertThat(r.agentId()).isEqualTo("planner-1");
            }
        }
    }
}
