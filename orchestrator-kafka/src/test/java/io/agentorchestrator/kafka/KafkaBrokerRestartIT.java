package io.agentorchestrator.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.OrchestratorException;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskResult;
import io.agentorchestrator.core.AgentRuntime;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.kit.TestSecurity;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The broker goes away under load and comes back: every task completes with a result or a typed
 * exception, none hangs, and tasks sent after the broker returns are answered. Restarts the
 * module's shared broker (tests run one at a time; the broker is as good as new afterwards).
 */
class KafkaBrokerRestartIT {

    @Test
    void tasksCompleteOrFailTypedAcrossABrokerRestart() throws Exception {
        // The shared broker: restarting it is what this test is about, and tests run one at a time.
        EmbeddedKafka kafka = EmbeddedKafka.shared();
        {
            String uri = kafka.uri(EmbeddedKafka.uniquePrefix("restart"), "deliveryTimeoutMs=8000");
            AgentDescriptor agent = AgentDescriptor.builder("survivor").capability("echo").endpoint("kafka:survivor").maxConcurrency(16).build();
            AgentDescriptor pool = AgentDescriptor.builder("echo-pool").capability("pooled").endpoint("kafka:capability/pooled")
                    .maxConcurrency(1000).build();
            try (KafkaTransport orchestratorSide = (KafkaTransport) new KafkaTransportProvider().create(URI.create(uri));
                    KafkaTransport agentSide = (KafkaTransport) new KafkaTransportProvider().create(URI.create(uri));
                    Orchestrator orchestrator = Orchestrator.builder().security(TestSecurity.OFF).transport(orchestratorSide).defaultTimeout(Duration.ofSeconds(40))
                            .maxAttempts(3).watchAgentDirectory(false).build();
                    AgentRuntime inbox = AgentRuntime.builder(agent).security(TestSecurity.OFF).transport(agentSide).announce(false)
                            .handler(task -> Payload.ofUtf8("echo:" + task.payload().asUtf8())).start();
                    AgentRuntime member = AgentRuntime.builder(AgentDescriptor.builder("member").capability("pooled")
                            .endpoint("kafka:capability/pooled").maxConcurrency(16).build()).security(TestSecurity.OFF).transport(agentSide).announce(false)
                            .handler(task -> Payload.ofUtf8("echo:" + task.payload().asUtf8())).start()) {
                orchestrator.register(inbox.agent());
                orchestrator.register(pool);
                assertThat(member.agent().endpoint()).isEqualTo(pool.endpoint());

                List<CompletableFuture<TaskResult>> before = dispatch(orchestrator, "before", 100);
                for (CompletableFuture<TaskResult> f : before) {
                    f.get(60, TimeUnit.SECONDS);
                }
                List<CompletableFuture<TaskResult>> during = dispatch(orchestrator, "during", 100);
                kafka.stopBroker();
                during.addAll(dispatch(orchestrator, "down", 100));
                kafka.startBroker();
                List<CompletableFuture<TaskResult>> after = dispatch(orchestrator, "after", 100);

                int results = 0;
                int typed = 0;
                List<CompletableFuture<TaskResult>> all = new ArrayList<>(during);
                all.addAll(after);
                for (CompletableFuture<TaskResult> f : all) {
                    try {
                        // Bounded: a task must never hang, whatever the broker did.
                        assertThat(f.get(90, TimeUnit.SECONDS).payload().asUtf8()).startsWith("echo:");
                        results++;
                    } catch (ExecutionException e) {
                        assertThat(e.getCause()).isInstanceOf(OrchestratorException.class);
                        typed++;
                    }
                }
                assertThat(results + typed).isEqualTo(all.size());
                // Once the broker is back, new work goes through.
                int afterOk = 0;
                for (CompletableFuture<TaskResult> f : after) {
                    if (!f.isCompletedExceptionally()) {
                        afterOk++;
                    }
                }
                assertThat(afterOk).as("tasks sent after the broker returned that succeeded").isGreaterThan(0);
                assertThat(orchestrator.dispatch(Task.of("echo", "last")).get(60, TimeUnit.SECONDS).payload().asUtf8())
                        .isEqualTo("echo:last");
            }
        }
    }

    private static List<CompletableFuture<TaskResult>> dispatch(Orchestrator orchestrator, String label, int n) {
        List<CompletableFuture<TaskResult>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String capability = i % 2 == 0 ? "echo" : "pooled";
            futures.add(orchestrator.dispatch(Task.builder(capability).payload(label + "-" + i).build()));
        }
        return futures;
    }
}
