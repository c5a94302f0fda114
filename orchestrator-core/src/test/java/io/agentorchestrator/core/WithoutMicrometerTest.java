package io.agentorchestrator.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.OrchestratorEvent;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskResult;
import io.agentorchestrator.core.kit.TestSecurity;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The core works without Micrometer: a workload runs in a class loader that holds the core, the
 * API, SLF4J, Jackson and these tests, but not Micrometer.
 */
class WithoutMicrometerTest {

    /** Dispatches a task, with a listener and a live-event subscriber; run inside the isolated loader. */
    public static final class Workload implements Runnable {

        /** Needed by reflection. */
        public Workload() {
        }

        @Override
        public void run() {
            ScriptedTransport transport = new ScriptedTransport();
            java.util.List<OrchestratorEvent> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
            try (Orchestrator orchestrator = Orchestrator.builder().security(TestSecurity.OFF).transport(transport).listener(seen::add)
                    .shutdownTimeout(Duration.ZERO).build()) {
                orchestrator.register(ScriptedTransport.agent("a", "cap", 1));
                CompletableFuture<TaskResult> f = orchestrator.dispatch(Task.of("cap", "x"));
                transport.next().succeed("done");
                if (!"done".equals(f.get(10, TimeUnit.SECONDS).payload().asUtf8())) {
                    throw new AssertionError("wrong result");
                }
                if (seen.stream().noneMatch(e -> e instanceof OrchestratorEvent.TaskCompleted c && c.attemptLatency() != null)) {
                    throw new AssertionError("no TaskCompleted event in " + seen);
                }
                // The agent side too: AgentRuntime's optional tracing must not need Micrometer either.
                String id = "no-micrometer-" + java.util.UUID.randomUUID();
                io.agentorchestrator.api.AgentDescriptor hosted = io.agentorchestrator.api.AgentDescriptor.builder(id).capability("cap")
                        .endpoint("inproc:" + id).build();
                try (AgentRuntime runtime = AgentRuntime.builder(hosted).transport("inproc:").announce(false)
                        .handler(task -> io.agentorchestrator.api.Payload.ofUtf8("hosted")).start();
                        Orchestrator second = Orchestrator.builder().transport("inproc:").watchAgentDirectory(false).build()) {
                    second.register(hosted);
                    if (!"hosted".equals(second.dispatch(Task.of("cap", "y")).get(10, TimeUnit.SECONDS).payload().asUtf8())) {
                        throw new AssertionError("wrong result from the hosted agent");
                    }
                }
                if (orchestrator.tasksInFlight() != 0 || orchestrator.queuedTasks("cap") != 0 || orchestrator.events().dropped() != 0) {
                    throw new AssertionError("unexpected readings");
                }
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
    }

    private static URL from(Class<?> type) {
        return type.getProtectionDomain().getCodeSource().getLocation();
    }

    @Test
    void dispatchesWithoutMicrometerOnTheClasspath() throws Exception {
        URL[] urls = {from(Orchestrator.class), from(OrchestratorEvent.class), from(WithoutMicrometerTest.class),
            from(org.slf4j.LoggerFactory.class), from(org.slf4j.simple.SimpleLogger.class),
            from(com.fasterxml.jackson.databind.ObjectMapper.class), from(com.fasterxml.jackson.core.JsonParser.class),
            from(com.fasterxml.jackson.annotation.JsonProperty.class)};
        try (URLClassLoader isolated = new URLClassLoader(urls, ClassLoader.getPlatformClassLoader())) {
            assertThatThrownBy(() -> Class.forName("io.micrometer.core.instrument.MeterRegistry", false, isolated))
                    .isInstanceOf(ClassNotFoundException.class);
            Class<?> workload = Class.forName(Workload.class.getName(), true, isolated);
            assertThat(workload.getClassLoader()).isSameAs(isolated);
            ((Runnable) workload.getDeclaredConstructor().newInstance()).run();
        }
    }
}
