package io.agentorchestrator.core.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.EventChannel;
import io.agentorchestrator.api.OrchestratorEvent;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.TaskFailedException;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.AgentRuntime;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.internal.InProcessTransport;
import io.agentorchestrator.core.kit.TestSecurity;
import io.agentorchestrator.core.metrics.EventMirrorMetrics;
import io.agentorchestrator.core.metrics.OrchestratorMetricNames;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Events mirrored onto the in-process event channel and watched from another transport instance. */
class EventMirrorTest {

    private static final AgentDescriptor AGENT = AgentDescriptor.builder("mirror-agent").capability("cap").endpoint("inproc:mirror-agent")
            .maxConcurrency(4).build();

    @Test
    void anotherInstanceWatchesTheTasksAndAgentsOfAMirroringOrchestrator() throws Exception {
        String channel = "mirror-" + UUID.randomUUID().toString().substring(0, 8);
        List<MirroredEvent> seen = new CopyOnWriteArrayList<>();
        List<MirroredEvent> otherChannel = new CopyOnWriteArrayList<>();
        try (InProcessTransport watcherSide = new InProcessTransport();
                Transport.Listener watch = EventMirror.watch(watcherSide, channel, seen::add);
                Transport.Listener other = EventMirror.watch(watcherSide, channel + "-other", otherChannel::add);
                Orchestrator orchestrator = Orchestrator.builder().security(TestSecurity.OFF).watchAgentDirectory(false)
                        .mirrorEvents("inproc", channel, "node-a").build();
                AgentRuntime runtime = AgentRuntime.builder(AGENT).transport("inproc:").announce(false)
                        .handler(TaskEnvelope::payload).start()) {
            orchestrator.register(AGENT);
            String taskId = orchestrator.dispatch(Task.of("cap", Payload.ofUtf8("hi"))).get(10, TimeUnit.SECONDS).taskId();

            await().atMost(Duration.ofSeconds(10)).until(() -> seen.stream().anyMatch(e -> e.type().equals("TaskCompleted")));
            assertThat(seen).extracting(MirroredEvent::type).containsExactly("AgentRegistered", "TaskDispatched", "TaskCompleted");
            assertThat(seen).allSatisfy(e -> assertThat(e.origin()).isEqualTo("node-a"));
            MirroredEvent registered = seen.get(0);
            @SuppressWarnings("unchecked")
            Map<String, Object> agent = (Map<String, Object>) registered.fields().get("agent");
            assertThat(agent).containsEntry("id", "mirror-agent").containsEntry("endpoint", "inproc:mirror-agent")
                    .containsEntry("maxConcurrency", 4).containsEntry("capabilities", List.of("cap"));
            MirroredEvent completed = seen.get(2);
            assertThat(completed.string("taskId")).isEqualTo(taskId);
            assertThat(completed.string("agentId")).isEqualTo("mirror-agent");
            assertThat(completed.fields()).containsEntry("attempts", 1).containsEntry("capability", "cap");
            assertThat(EventMirror.duration(completed, "latency")).isPositive();
            assertThat(completed.at()).isAfterOrEqualTo(seen.get(1).at());
            assertThat(otherChannel).as("another channel's watcher").isEmpty();
        }
    }

    @Test
    void everyKindOfEventIsWrittenWithAllItsComponentsAndReadBack() throws Exception {
        Class<?>[] kinds = OrchestratorEvent.class.getPermittedSubclasses();
        assertThat(kinds).hasSizeGreaterThan(10);
        Instant at = Instant.parse("2026-12-07T10:15:30.123456789Z");
        for (Class<?> kind : kinds) {
            RecordComponent[] components = kind.getRecordComponents();
            Object[] args = new Object[components.length];
            Class<?>[] types = new Class<?>[components.length];
            for (int i = 0; i < components.length; i++) {
                types[i] = components[i].getType();
                args[i] = sample(types[i], at);
            }
            OrchestratorEvent event = (OrchestratorEvent) kind.getDeclaredConstructor(types).newInstance(args);
            MirroredEvent read = EventMirror.decode(EventMirror.encode("node-b", event));
            assertThat(read).as(kind.getSimpleName()).isNotNull();
            assertThat(read.type()).isEqualTo(kind.getSimpleName());
            assertThat(read.origin()).isEqualTo("node-b");
            assertThat(read.at()).isEqualTo(at);
            List<String> names = new ArrayList<>();
            for (RecordComponent c : components) {
                if (!c.getName().equals("at")) {
                    names.add(c.getName());
                }
            }
            assertThat(read.fields().keySet()).as(kind.getSimpleName()).containsExactlyElementsOf(names);
            for (RecordComponent c : components) {
                Object v = read.fields().get(c.getName());
                if (c.getType() == Duration.class) {
                    assertThat(EventMirror.duration(read, c.getName())).isEqualTo(Duration.ofMillis(12));
                } else if (c.getType() == String.class) {
                    assertThat(v).isEqualTo("s");
                } else if (c.getType() == int.class) {
                    assertThat(v).isEqualTo(3);
                } else if (c.getType().isEnum()) {
                    assertThat(v).isEqualTo(((Enum<?>) c.getType().getEnumConstants()[0]).name());
                } else if (c.getType() == io.agentorchestrator.api.OrchestratorException.class) {
                    assertThat(v).isEqualTo(Map.of("type", "TaskFailedException", "message", "it broke"));
                }
            }
        }
    }

    private static Object sample(Class<?> type, Instant at) {
        if (type == Instant.class) {
            return at;
        } else if (type == String.class) {
            return "s";
        } else if (type == int.class) {
            return 3;
        } else if (type == Duration.class) {
            return Duration.ofMillis(12);
        } else if (type == AgentDescriptor.class) {
            return AGENT;
        } else if (type.isEnum()) {
            return type.getEnumConstants()[0];
        } else if (type == io.agentorchestrator.api.OrchestratorException.class) {
            return new TaskFailedException("bad", "it broke", false);
        } else if (type == List.class) {
            return List.of("a change");
        }
        throw new AssertionError("no sample for " + type + ": extend the test for the new component type");
    }

    @Test
    void messagesThatAreNotMirroredEventsAreSkipped() {
        String channel = "mirror-" + UUID.randomUUID().toString().substring(0, 8);
        List<MirroredEvent> seen = new ArrayList<>();
        try (InProcessTransport transport = new InProcessTransport();
                Transport.Listener watch = EventMirror.watch(transport, channel, seen::add)) {
            EventChannel events = transport.eventChannel().orElseThrow();
            events.publish(channel, "not json".getBytes(StandardCharsets.UTF_8));
            events.publish(channel, "{\"v\":2,\"origin\":\"x\",\"type\":\"T\",\"at\":\"2026-12-07T10:15:30Z\",\"fields\":{}}"
                    .getBytes(StandardCharsets.UTF_8));
            events.publish(channel, "{\"v\":1,\"origin\":\"x\",\"type\":\"T\",\"at\":\"yesterday\",\"fields\":{}}".getBytes(StandardCharsets.UTF_8));
            events.publish(channel, EventMirror.encode("x", new OrchestratorEvent.AgentReinstated(Instant.EPOCH, "a", "ok")));
            assertThat(seen).extracting(MirroredEvent::type).containsExactly("AgentReinstated");
        }
    }

    @Test
    void mirroredAndLostEventsAreCountedAsMeters() throws Exception {
        String channel = "mirror-meters-" + UUID.randomUUID().toString().substring(0, 8);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Orchestrator orchestrator = Orchestrator.builder().security(TestSecurity.OFF).watchAgentDirectory(false)
                .meterRegistry(registry).mirrorEvents("inproc", channel).build();
                AgentRuntime runtime = AgentRuntime.builder(AGENT).transport("inproc:").announce(false)
                        .handler(TaskEnvelope::payload).start()) {
            orchestrator.register(AGENT);
            orchestrator.dispatch(Task.of("cap", Payload.ofUtf8("hi"))).get(10, TimeUnit.SECONDS);
            // AgentRegistered, TaskDispatched, TaskCompleted
            await().atMost(Duration.ofSeconds(10)).until(() -> mirrored(registry, OrchestratorMetricNames.OUTCOME_PUBLISHED) == 3);
            assertThat(mirrored(registry, OrchestratorMetricNames.OUTCOME_FAILED)).isZero();
        }

        // A channel whose broker is down: what it refuses is counted as lost.
        EventChannel down = new EventChannel() {
            @Override
            public void publish(String name, byte[] message) {
                throw new io.agentorchestrator.api.TransportException("test", "nowhere", "broker down", true, null);
            }

            @Override
            public Transport.Listener watch(String name, java.util.function.Consumer<byte[]> receiver) {
                throw new UnsupportedOperationException();
            }
        };
        SimpleMeterRegistry lost = new SimpleMeterRegistry();
        try (Orchestrator orchestrator = Orchestrator.builder().security(TestSecurity.OFF).watchAgentDirectory(false).build()) {
            new EventMirrorMetrics(EventMirror.publish(orchestrator, down, channel, "node-b")).bindTo(lost);
            orchestrator.register(AGENT);
            await().atMost(Duration.ofSeconds(10)).until(() -> mirrored(lost, OrchestratorMetricNames.OUTCOME_FAILED) == 1);
            assertThat(mirrored(lost, OrchestratorMetricNames.OUTCOME_PUBLISHED)).isZero();
        }
    }

    private static double mirrored(SimpleMeterRegistry registry, String outcome) {
        return registry.get(OrchestratorMetricNames.EVENTS_MIRRORED).tag(OrchestratorMetricNames.TAG_OUTCOME, outcome).functionCounter().count();
    }

    @Test
    void mirroringNeedsATransportWithAnEventChannelAndAValidChannelName() {
        assertThatThrownBy(() -> Orchestrator.builder().security(TestSecurity.OFF).mirrorEvents("redis", "events").build())
                .isInstanceOf(ValidationException.class).hasMessageContaining("mirrorEvents").hasMessageContaining("redis");
        assertThatThrownBy(() -> Orchestrator.builder().mirrorEvents("inproc", "no spaces"))
                .isInstanceOf(ValidationException.class).hasMessageContaining("channel").hasMessageContaining("no spaces");
        Transport none = new Transport() {
            @Override
            public String scheme() {
                return "none";
            }

            @Override
            public java.util.concurrent.CompletableFuture<io.agentorchestrator.api.ResultEnvelope> send(AgentDescriptor agent,
                    TaskEnvelope envelope) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Listener listen(AgentDescriptor agent, TaskReceiver receiver) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void close() {
            }
        };
        assertThatThrownBy(() -> EventMirror.watch(none, "events", e -> { }))
                .isInstanceOf(ValidationException.class).hasMessageContaining("event channel").hasMessageContaining("none");
        assertThatThrownBy(() -> Orchestrator.builder().security(TestSecurity.OFF).transport(none).mirrorEvents("none", "events").build())
                .isInstanceOf(ValidationException.class).hasMessageContaining("event channel");
    }
}
