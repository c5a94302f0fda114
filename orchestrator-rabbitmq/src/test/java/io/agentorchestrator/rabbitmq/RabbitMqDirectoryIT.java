package io.agentorchestrator.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentDirectory;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The agent directory on the fanout exchange, between transports that share nothing but the broker. */
class RabbitMqDirectoryIT {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    /** Far longer than any test: what arrives in time cannot be a heartbeat. */
    private static final Duration LONG_LEASE = Duration.ofMinutes(5);
    private static final String PREFIX = RabbitMqTestBroker.uniquePrefix("directory");

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();

    @BeforeAll
    static void broker() {
        RabbitMqTestBroker.ensureRunning();
    }

    @AfterAll
    static void cleanUp() {
        RabbitMqTestBroker.deleteTopology(PREFIX);
    }

    @AfterEach
    void closeEverything() throws Exception {
        while (!resources.isEmpty()) {
            resources.pop().close();
        }
    }

    private RabbitMqTransport transport() {
        RabbitMqTransport t = RabbitMqTestBroker.transport(PREFIX, "");
        resources.push(t);
        return t;
    }

    private AgentDescriptor agent(String name) {
        String id = name + "-" + run;
        return AgentDescriptor.builder(id).capability("planning").endpoint("amqp:" + id).maxConcurrency(3).build();
    }

    /** What a watcher was told, in order. */
    private static final class Recorder implements AgentDirectory.Watcher {
        final Map<String, AgentDescriptor> present = new ConcurrentHashMap<>();
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void announced(AgentDescriptor agent, Duration ttl) {
            present.put(agent.id(), agent);
            events.add("announced " + agent.id());
        }

        @Override
        public void withdrawn(String agentId) {
            present.remove(agentId);
            events.add("withdrawn " + agentId);
        }
    }

    @Test
    void watcherStartedAfterTheAnnouncementLearnsOfTheAgentWithoutWaitingForAHeartbeat() {
        AgentDescriptor planner = agent("planner");
        transport().directory().orElseThrow().announce(planner, LONG_LEASE);

        Recorder late = new Recorder();
        resources.push(transport().directory().orElseThrow().watch(late));
        await().atMost(PATIENCE).until(() -> late.present.containsKey(planner.id()));
        assertThat(late.present.get(planner.id())).isEqualTo(planner);
    }

    @Test
    void withdrawalReachesEveryWatcher() {
        AgentDirectory announcer = transport().directory().orElseThrow();
        Recorder first = new Recorder();
        Recorder second = new Recorder();
        resources.push(transport().directory().orElseThrow().watch(first));
        resources.push(transport().directory().orElseThrow().watch(second));
        AgentDescriptor a = agent("a");
        AgentDescriptor b = agent("b");
        announcer.announce(a, LONG_LEASE);
        announcer.announce(b, LONG_LEASE);
        await().atMost(PATIENCE).until(() -> first.present.size() == 2 && second.present.size() == 2);

        announcer.withdraw(a.id());
        await().atMost(PATIENCE).until(() -> !first.present.containsKey(a.id()) && !second.present.containsKey(a.id()));
        assertThat(first.present).containsOnlyKeys(b.id());
        assertThat(second.present).containsOnlyKeys(b.id());
    }

    @Test
    void agentWhoseLeaseLapsesIsReportedWithdrawn() {
        AtomicLong nanos = new AtomicLong();
        RabbitMqTransport watching = new RabbitMqTransport(
                RabbitMqSettings.parse(URI.create(RabbitMqTestBroker.transportUri(PREFIX, ""))), nanos::get);
        resources.push(watching);
        Recorder recorder = new Recorder();
        resources.push(watching.directory().orElseThrow().watch(recorder));
        AgentDescriptor crashing = agent("crashing");
        transport().directory().orElseThrow().announce(crashing, Duration.ofSeconds(3));
        await().atMost(PATIENCE).until(() -> recorder.present.containsKey(crashing.id()));

        nanos.addAndGet(Duration.ofMillis(2999).toNanos());
        watching.agentDirectory().sweep();
        assertThat(recorder.present).containsKey(crashing.id());
        nanos.addAndGet(Duration.ofMillis(1).toNanos()); // no heartbeat, no withdrawal: the lease runs out
        watching.agentDirectory().sweep();
        // The directory's own sweeper may have got there first, on its thread: wait for its report.
        await().atMost(PATIENCE).until(() -> !recorder.present.containsKey(crashing.id()));
        assertThat(recorder.events).endsWith("withdrawn " + crashing.id());
    }
}
