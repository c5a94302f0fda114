package io.agentorchestrator.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentDirectory;
import io.agentorchestrator.api.Ticker;
import io.agentorchestrator.api.Transport;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
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
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;

/** The agent directory against a real Redis, with a clock the test moves (leases never wait on wall time here). */
class RedisAgentDirectoryIT {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String PREFIX = TestRedis.uniquePrefix("directory");

    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final FakeClock clock = new FakeClock();
    // Each test its own registry, so leases of one test never meet another's clock.
    private final String prefix = PREFIX + "-" + run;

    @AfterEach
    void closeEverything() throws Exception {
        while (!resources.isEmpty()) {
            resources.pop().close();
        }
        TestRedis.deleteKeys(prefix);
    }

    @AfterAll
    static void deleteKeys() {
        TestRedis.deleteKeys(PREFIX);
    }

    private RedisTransport transport() {
        RedisSettings settings = RedisSettings.parse(TestRedis.uri("prefix=" + prefix + "&leaseCheck=50ms"));
        RedisTransport t = new RedisTransport(settings, Ticker.system(), clock);
        resources.push(t);
        return t;
    }

    private AgentDirectory directory() {
        return transport().directory().orElseThrow();
    }

    private AgentDescriptor agent(String name) {
        return AgentDescriptor.builder(name + "-" + run).capability("planning").endpoint("redis:" + name + "-" + run).maxConcurrency(3)
                .metadata("zone", "eu-1").build();
    }

    @Test
    void everyWatcherSeesAnnouncementsAndWithdrawals() {
        Recorder first = new Recorder();
        Recorder second = new Recorder();
        resources.push(directory().watch(first));
        resources.push(directory().watch(second));
        AgentDescriptor planner = agent("planner");

        directory().announce(planner, Duration.ofSeconds(15));
        await().atMost(PATIENCE).until(() -> first.live.containsKey(planner.id()) && second.live.containsKey(planner.id()));
        assertThat(first.live.get(planner.id())).isEqualTo(planner);
        assertThat(first.ttls).contains(Duration.ofSeconds(15));

        directory().withdraw(planner.id());
        await().atMost(PATIENCE).until(() -> first.withdrawn.contains(planner.id()) && second.withdrawn.contains(planner.id()));
        assertThat(first.live).isEmpty();
    }

    @Test
    void aNewWatcherIsToldOfTheAgentsAlreadyAnnouncedWithTheirRemainingLease() {
        AgentDescriptor a = agent("a");
        AgentDescriptor b = agent("b");
        directory().announce(a, Duration.ofSeconds(10));
        directory().announce(b, Duration.ofSeconds(20));
        clock.advance(Duration.ofSeconds(4));

        Recorder late = new Recorder();
        resources.push(directory().watch(late));
        await().atMost(PATIENCE).until(() -> late.live.size() == 2);
        assertThat(late.ttls).containsExactlyInAnyOrder(Duration.ofSeconds(6), Duration.ofSeconds(16));
    }

    @Test
    void aLapsedLeaseIsReportedAsWithdrawnEverywhereAndOnlyOnce() {
        Recorder first = new Recorder();
        Recorder second = new Recorder();
        RedisTransport one = transport();
        RedisTransport two = transport();
        resources.push(one.directory().orElseThrow().watch(first));
        resources.push(two.directory().orElseThrow().watch(second));
        AgentDescriptor crashed = agent("crashed");
        AgentDescriptor alive = agent("alive");
        one.directory().orElseThrow().announce(crashed, Duration.ofSeconds(10));
        one.directory().orElseThrow().announce(alive, Duration.ofSeconds(10));
        await().atMost(PATIENCE).until(() -> first.live.size() == 2 && second.live.size() == 2);

        clock.advance(Duration.ofSeconds(8));
        one.directory().orElseThrow().announce(alive, Duration.ofSeconds(10)); // its heartbeat; the crashed one sends none
        clock.advance(Duration.ofSeconds(3));

        await().atMost(PATIENCE).until(() -> first.withdrawn.contains(crashed.id()) && second.withdrawn.contains(crashed.id()));
        assertThat(first.live).containsOnlyKeys(alive.id());
        assertThat(second.live).containsOnlyKeys(alive.id());
        // Both watchers sweep; the atomic expiry announces it once.
        assertThat(first.withdrawn).containsOnlyOnce(crashed.id());
        assertThat(one.directory().orElseThrow() instanceof RedisAgentDirectory d ? d.expireLapsedLeases() : List.of()).isEmpty();
    }

    @Test
    void closingAWatchStopsItsThreads() {
        // Counted against the threads already there, so that other tests' leftovers cannot matter.
        long before = threads("redis-directory-");
        Recorder r = new Recorder();
        Transport.Listener watch = directory().watch(r);
        await().atMost(PATIENCE).until(() -> threads("redis-directory-") == before + 2);
        watch.close();
        for (AutoCloseable c : resources) {
            if (c instanceof RedisTransport t) {
                t.close();
            }
        }
        await().atMost(PATIENCE).until(() -> threads("redis-directory-") <= before);
    }

    @Test
    void aResubscribedWatcherIsNotToldAgainOfWhatItHeardButARepeatedMessageStillReachesIt() {
        // A Redis of the test's own: the test cuts the watcher's subscription connection.
        PrivateRedis server = PrivateRedis.start();
        resources.push(server::stopServer);
        RedisTransport t = new RedisTransport(RedisSettings.parse(URI.create(server.uri() + "?prefix=" + prefix + "&leaseCheck=50ms")),
                Ticker.system(), clock);
        resources.push(t);
        AgentDirectory directory = t.directory().orElseThrow();
        Counter counter = new Counter();
        resources.push(directory.watch(counter));
        AgentDescriptor first = agent("first");
        directory.announce(first, Duration.ofSeconds(15));
        await().atMost(PATIENCE).until(() -> counter.count(first.id()) == 1);

        try (RedisClient admin = RedisClient.create(server.uri())) {
            admin.sendCommand(Protocol.Command.CLIENT, "KILL", "TYPE", "pubsub");
        }
        // Announced after the cut: it reaches the watcher through its next subscription, whose
        // registry read brings "first" again (read first: its lease ends sooner) unless it is skipped.
        AgentDescriptor second = agent("second");
        directory.announce(second, Duration.ofSeconds(20));
        await().atMost(PATIENCE).until(() -> counter.count(second.id()) >= 1);
        assertThat(counter.count(first.id())).isEqualTo(1);

        // The same announcement published once more is news to the watcher (with security on, a replay to refuse).
        directory.announce(first, Duration.ofSeconds(15));
        await().atMost(PATIENCE).until(() -> counter.count(first.id()) == 2);
    }

    @Test
    void anAnnouncementRepeatedRightAfterTheRegistryReadBroughtItReachesTheWatcher() {
        // The security kit's replay test: announced before the watch, so only the registry read
        // brings it; the same announcement again a moment later must be handed on to be refused.
        AgentDirectory directory = directory();
        AgentDescriptor early = agent("early");
        directory.announce(early, Duration.ofSeconds(15));
        Counter counter = new Counter();
        resources.push(directory.watch(counter));
        await().atMost(PATIENCE).until(() -> counter.count(early.id()) == 1);

        directory.announce(early, Duration.ofSeconds(15));
        await().atMost(PATIENCE).until(() -> counter.count(early.id()) == 2);
    }

    @Test
    void agentsAnnouncedWhileAWatcherSubscribesAreEachToldOnce() throws Exception {
        // Some of these land between the watcher's subscription and its registry read, so they
        // arrive both from the read and as messages; each must reach the watcher once.
        AgentDirectory directory = directory();
        Counter counter = new Counter();
        int agents = 400;
        AtomicLong announced = new AtomicLong();
        Thread announcer = new Thread(() -> {
            for (int i = 0; i < agents; i++) {
                directory.announce(agent("busy" + i), Duration.ofSeconds(30));
                announced.incrementAndGet();
            }
        });
        announcer.start();
        await().atMost(PATIENCE).until(() -> announced.get() >= agents / 4);
        resources.push(directory.watch(counter));
        announcer.join(PATIENCE.toMillis());
        assertThat(announced.get()).isEqualTo(agents);
        // Messages arrive in publishing order: once the last one is in, every earlier one is too.
        AgentDescriptor last = agent("last");
        directory.announce(last, Duration.ofSeconds(30));
        await().atMost(PATIENCE).until(() -> counter.count(last.id()) == 1);

        for (int i = 0; i < agents; i++) {
            assertThat(counter.count(agent("busy" + i).id())).as("busy" + i).isEqualTo(1);
        }
    }

    /** Counts the announcements a watcher is told of, per agent. */
    private static final class Counter implements AgentDirectory.Watcher {
        private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

        long count(String agentId) {
            AtomicLong c = counts.get(agentId);
            return c == null ? 0 : c.get();
        }

        @Override
        public void announced(AgentDescriptor agent, Duration ttl) {
            counts.computeIfAbsent(agent.id(), id -> new AtomicLong()).incrementAndGet();
        }

        @Override
        public void withdrawn(String agentId) {
        }
    }

    private static long threads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(prefix) && t.isAlive()).count();
    }

    /** Records what a watcher is told. */
    private static final class Recorder implements AgentDirectory.Watcher {
        final Map<String, AgentDescriptor> live = new ConcurrentHashMap<>();
        final List<String> withdrawn = new CopyOnWriteArrayList<>();
        final List<Duration> ttls = new CopyOnWriteArrayList<>();

        @Override
        public void announced(AgentDescriptor agent, Duration ttl) {
            live.put(agent.id(), agent);
            ttls.add(ttl);
        }

        @Override
        public void withdrawn(String agentId) {
            live.remove(agentId);
            withdrawn.add(agentId);
        }
    }

    /** A clock the test moves by hand. */
    private static final class FakeClock extends Clock {
        private final AtomicLong millis = new AtomicLong(1_800_000_000_000L);

        void advance(Duration d) {
            millis.addAndGet(d.toMillis());
        }

        @Override
        public long millis() {
            return millis.get();
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
