package io.agentorchestrator.redis;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentDirectory;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.TransportException;
import io.agentorchestrator.api.ValidationException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The agent registry shared through Redis: a hash of descriptors, a sorted set of lease ends and
 * a pub/sub channel of changes (see the README for the layout). Leases are judged by the Redis
 * server's clock ({@code TIME}), so hosts with skewed clocks agree; tests may inject a clock
 * instead.
 *
 * <p>Each {@link #watch} runs two daemon threads: one subscribed to the channel (it replays the
 * current agents after every (re)subscription, so nothing is missed across a Redis restart), one
 * that expires lapsed leases every {@code leaseCheck}. Expiry is an atomic script, so with many
 * watchers each expiry is still announced once. Thread-safe.
 */
final class RedisAgentDirectory implements AgentDirectory {

    private static final Logger log = LoggerFactory.getLogger(RedisAgentDirectory.class);
    private static final AtomicInteger IDS = new AtomicInteger();

    private final RedisTransport transport;
    private final Clock clock;
    private final Set<Watch> watches = ConcurrentHashMap.newKeySet();

    RedisAgentDirectory(RedisTransport transport, Clock clock) {
        this.transport = transport;
        this.clock = clock;
    }

    private String now() {
        return clock == null ? "" : String.valueOf(clock.millis());
    }

    @Override
    public void announce(AgentDescriptor agent, Duration ttl) {
        ValidationException.requireNonNull(agent, "agent");
        ValidationException.requireNonNull(ttl, "ttl");
        ValidationException.require(ttl.toMillis() >= 1, "ttl", "must be at least 1 ms", ttl);
        Keys keys = transport.keys();
        long ttlMillis = ttl.toMillis();
        try {
            transport.connection().client().eval(Scripts.ANNOUNCE, List.of(keys.registry(), keys.leases()),
                    List.of(agent.id(), WireCodec.encodeDescriptor(agent), String.valueOf(ttlMillis), keys.registryChannel(),
                            WireCodec.encodeAnnounce(agent, ttlMillis), now()));
        } catch (JedisException e) {
            throw transport.connection().failure("Announcing agent '" + agent.id() + "'", agent.endpoint().toString(), e);
        }
    }

    @Override
    public void withdraw(String agentId) {
        ValidationException.requireNonNull(agentId, "agentId");
        Keys keys = transport.keys();
        try {
            transport.connection().client().eval(Scripts.WITHDRAW, List.of(keys.registry(), keys.leases()),
                    List.of(agentId, keys.registryChannel(), WireCodec.encodeWithdraw(agentId, "withdrawn")));
        } catch (JedisException e) {
            throw transport.connection().failure("Withdrawing agent '" + agentId + "'", null, e);
        }
    }

    @Override
    public Transport.Listener watch(Watcher watcher) {
        ValidationException.requireNonNull(watcher, "watcher");
        if (transport.isClosed()) {
            throw new TransportException(RedisTransport.SCHEME, transport.settings().redacted(), "The Redis transport is closed", false, null);
        }
        Watch w = new Watch(watcher);
        watches.add(w);
        w.start();
        return w;
    }

    /**
     * Expires every lease that ended (by the server clock, or the injected one) and tells the
     * watchers through the channel. Returns the expired agent ids.
     */
    List<String> expireLapsedLeases() {
        Keys keys = transport.keys();
        Object ids = transport.connection().client().eval(Scripts.EXPIRE, List.of(keys.registry(), keys.leases()),
                List.of(keys.registryChannel(), now()));
        List<String> out = new ArrayList<>();
        if (ids instanceof List<?> list) {
            list.forEach(o -> out.add(String.valueOf(o)));
        }
        return out;
    }

    /**
     * The agents with running leases, and the time left on each; {@code marker} is published on
     * {@code markerChannel} in the same atomic step.
     */
    Map<AgentDescriptor, Duration> snapshot(String markerChannel, String marker) {
        Keys keys = transport.keys();
        Object rows = transport.connection().client().eval(Scripts.SNAPSHOT, List.of(keys.registry(), keys.leases()),
                List.of(now(), markerChannel, marker));
        Map<AgentDescriptor, Duration> out = new java.util.LinkedHashMap<>();
        if (rows instanceof List<?> flat) {
            for (int i = 0; i + 2 < flat.size(); i += 3) {
                try {
                    out.put(WireCodec.decodeDescriptor(String.valueOf(flat.get(i + 1))),
                            Duration.ofMillis(Long.parseLong(String.valueOf(flat.get(i + 2)))));
                } catch (ValidationException | NumberFormatException e) {
                    log.warn("Ignoring a malformed registry entry for agent '{}': {}", flat.get(i), e.getMessage());
                }
            }
        }
        return out;
    }

    void closeWatches() {
        for (Watch w : List.copyOf(watches)) {
            w.close();
        }
    }

    /** One watcher: a subscriber thread and a lease sweeper thread. */
    private final class Watch implements Transport.Listener {
        private final Watcher watcher;
        private final int id = IDS.incrementAndGet();
        private volatile boolean open = true;
        private volatile JedisPubSub subscription;
        private volatile Connection connection;
        private Thread subscriber;
        private Thread sweeper;
        /**
         * The announcement handed to the watcher last, per agent, and whether a read of the registry
         * (not a message) brought it; subscriber thread only. The registry read that follows every
         * (re)subscription overlaps the channel: an announcement made just before the read arrives
         * from both, and one already heard arrives again from the read after a resubscription. Each
         * copy handed on again was, with security on, a second use of one credential, refused and
         * counted as a replay although nobody replayed anything.
         */
        private final Map<String, Delivered> delivered = new HashMap<>();
        /**
         * This watch's own channel: the registry read publishes a marker on it atomically, and this
         * connection gets messages in the order Redis published them, so every registry message
         * before the marker was published before the read (a possible overlap) and every one after
         * it is news. A window of time only guessed: an agent announced before the subscription (so
         * known from the read alone) and announced again, identically, within the window (a replay)
         * was not handed on, and so not refused.
         */
        private final String syncChannel = transport.keys().registryChannel() + ":sync:" + java.util.UUID.randomUUID();
        /** The marker of the latest registry read, and whether it is still to come; subscriber thread only. */
        private long syncMarker;
        private boolean syncing;

        /** {@code fromRead}: a registry read brought it, not a message. */
        private record Delivered(AgentDescriptor agent, boolean fromRead) {
        }

        Watch(Watcher watcher) {
            this.watcher = watcher;
        }

        void start() {
            subscriber = new Thread(this::subscribeLoop, "redis-directory-watch-" + id);
            subscriber.setDaemon(true);
            sweeper = new Thread(this::sweepLoop, "redis-directory-leases-" + id);
            sweeper.setDaemon(true);
            subscriber.start();
            sweeper.start();
        }

        private void subscribeLoop() {
            // A fresh subscription object each time: one that was unsubscribed is not reused.
            transport.connection().keepSubscribed(() -> open, c -> connection = c, c -> {
                JedisPubSub s = new JedisPubSub() {
                    @Override
                    public void onSubscribe(String channel, int subscribedChannels) {
                        // One SUBSCRIBE for both channels: by the second confirmation both are live.
                        if (subscribedChannels == 2) {
                            replay(this);
                        }
                    }

                    @Override
                    public void onMessage(String channel, String message) {
                        Watch.this.onMessage(channel, message);
                    }
                };
                // The sweeper pings it, so that the socket's read timeout finds a dead server.
                subscription = s;
                s.proceed(c, transport.keys().registryChannel(), syncChannel);
            }, "Agent directory");
        }

        private void replay(JedisPubSub s) {
            if (!open) {
                // close() may have run before the subscription was confirmed: end it here.
                s.unsubscribe();
                return;
            }
            // Subscribed first, then read the current state: a change in between arrives after this
            // replay (same thread), so the watcher never ends on a stale view.
            try {
                // Only announcements are replayed. An agent known before but missing now is not
                // reported withdrawn: after a Redis restart the registry is empty until the next
                // heartbeats, and withdrawing every agent for that moment would empty every
                // orchestrator. Agents that really left are dropped when their lease lapses.
                syncing = false;
                syncMarker++;
                Map<AgentDescriptor, Duration> registry = snapshot(syncChannel, Long.toString(syncMarker));
                syncing = true;
                Set<String> present = new java.util.HashSet<>();
                registry.keySet().forEach(a -> present.add(a.id()));
                // What is gone from the registry needs no memory (a withdrawal missed while away).
                delivered.keySet().retainAll(present);
                for (Map.Entry<AgentDescriptor, Duration> e : registry.entrySet()) {
                    AgentDescriptor agent = e.getKey();
                    Delivered last = delivered.get(agent.id());
                    if (last != null && last.agent().equals(agent)) {
                        continue; // heard already, before this (re)subscription
                    }
                    delivered.put(agent.id(), new Delivered(agent, true));
                    announced(agent, e.getValue());
                }
            } catch (JedisException | TransportException e) {
                log.warn("Agent directory: could not read the registry ({}); will retry on resubscription", e.getMessage());
                try {
                    s.unsubscribe();
                } catch (RuntimeException ignored) {
                    // The connection is probably broken already; the loop resubscribes.
                }
            }
        }

        private void onMessage(String channel, String message) {
            if (channel.equals(syncChannel)) {
                if (message.equals(Long.toString(syncMarker))) {
                    syncing = false;
                }
                return;
            }
            WireCodec.DirectoryEvent event;
            try {
                event = WireCodec.decodeDirectoryEvent(message);
            } catch (ValidationException e) {
                log.warn("Agent directory: ignoring a malformed message on {}: {}", channel, e.getMessage());
                return;
            }
            if (event.type().equals("announce")) {
                AgentDescriptor agent = event.agent();
                Delivered last = delivered.put(agent.id(), new Delivered(agent, false));
                // Only the copy of what the registry read brought, published before that read, is
                // skipped: a message repeating an earlier message, or one published after the read,
                // is handed on, so that the security layer sees a replay for what it is.
                boolean overlap = syncing && last != null && last.fromRead() && last.agent().equals(agent);
                if (!overlap) {
                    announced(agent, Duration.ofMillis(event.ttlMillis()));
                }
            } else {
                delivered.remove(event.agentId());
                withdrawn(event.agentId(), event.expired());
            }
        }

        private void announced(AgentDescriptor agent, Duration ttl) {
            if (!open) {
                return;
            }
            try {
                watcher.announced(agent, ttl);
            } catch (RuntimeException e) {
                log.warn("Agent directory watcher threw on announcement of {}; carrying on", agent.id(), e);
            }
        }

        private void withdrawn(String agentId, boolean expired) {
            if (!open) {
                return;
            }
            if (expired) {
                transport.agentExpired(agentId);
            }
            try {
                watcher.withdrawn(agentId);
            } catch (RuntimeException e) {
                log.warn("Agent directory watcher threw on withdrawal of {}; carrying on", agentId, e);
            }
        }

        private void sweepLoop() {
            long sweepEvery = transport.settings().leaseCheck().toNanos();
            // The subscriber's socket times out after `timeout` without traffic: ping it twice as often.
            long tick = Math.min(sweepEvery, transport.settings().timeout().toNanos() / 2);
            long nextSweep = transport.ticker().read() + sweepEvery;
            while (open) {
                LockSupport.parkNanos(tick);
                if (!open) {
                    break;
                }
                try {
                    JedisPubSub s = subscription;
                    if (s != null && s.isSubscribed()) {
                        s.ping();
                    }
                } catch (RuntimeException e) {
                    log.debug("Agent directory: ping on the subscription failed ({})", e.getMessage());
                }
                if (transport.ticker().read() - nextSweep < 0) {
                    continue;
                }
                nextSweep = transport.ticker().read() + sweepEvery;
                try {
                    List<String> expired = expireLapsedLeases();
                    if (!expired.isEmpty()) {
                        log.info("Agent lease(s) expired: {}", expired);
                    }
                } catch (JedisException | TransportException e) {
                    log.debug("Agent directory: lease sweep failed ({})", e.getMessage());
                }
            }
        }

        @Override
        public void close() {
            if (!open) {
                return;
            }
            open = false;
            watches.remove(this);
            Connection c = connection;
            if (c != null) {
                // Closing the socket ends the blocking subscription at once, whatever state it is in.
                c.close();
            }
            RedisTransport.join(sweeper);
            RedisTransport.join(subscriber);
        }
    }
}
