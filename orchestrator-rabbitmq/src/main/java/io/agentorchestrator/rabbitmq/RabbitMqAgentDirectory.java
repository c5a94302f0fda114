package io.agentorchestrator.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentDirectory;
import io.agentorchestrator.api.Ticker;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.TransportException;
import io.agentorchestrator.api.ValidationException;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent registry shared through the {@code <prefix>.directory} fanout exchange: every
 * announcement, heartbeat and withdrawal is published there, and every watching transport has its
 * own exclusive queue bound to it, so all orchestrators on the broker see the same agents.
 *
 * <p>A fanout keeps no state, so a watcher that starts late would know nobody until their next
 * heartbeat. To find them at once, {@link #watch} publishes a {@code query} on the
 * {@code <prefix>.directory-queries} fanout; every transport that announced agents listens there
 * and answers by announcing them again. Leases are kept locally against an injected
 * {@link Ticker}: an agent not renewed within its TTL is reported withdrawn.
 */
final class RabbitMqAgentDirectory implements AgentDirectory {

    private static final Logger log = LoggerFactory.getLogger(RabbitMqAgentDirectory.class);
    /** How often leases are checked for expiry while someone watches. */
    static final Duration SWEEP_INTERVAL = Duration.ofMillis(200);

    private final RabbitMqTransport transport;
    private final Ticker ticker;
    private final Object lock = new Object();
    /** Agents announced through this directory, answered again on queries. */
    private final Map<String, Announced> local = new ConcurrentHashMap<>();
    /** Agents heard of on the exchange, with their lease expiry (ticker nanos). */
    private final Map<String, Known> known = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<Watcher> watchers = new CopyOnWriteArrayList<>();
    private final LongAdder malformed = new LongAdder();
    private final AtomicBoolean warnedMalformed = new AtomicBoolean();
    private volatile ConfirmingPublisher publisher;
    private Channel subscription;
    private String subscriptionQueue;
    private boolean boundAnnouncements;
    private boolean boundQueries;
    private ScheduledFuture<?> sweeper;

    private record Announced(AgentDescriptor agent, Duration ttl) {
    }

    private record Known(AgentDescriptor agent, long expiresAtNanos) {
    }

    RabbitMqAgentDirectory(RabbitMqTransport transport, Ticker ticker) {
        this.transport = transport;
        this.ticker = ticker;
    }

    /** Directory messages that could not be decoded; ignored. */
    long malformedMessages() {
        return malformed.sum();
    }

    @Override
    public void announce(AgentDescriptor agent, Duration ttl) {
        ValidationException.requireNonNull(agent, "agent");
        ValidationException.requireNonNull(ttl, "ttl");
        ValidationException.require(!ttl.isNegative() && !ttl.isZero(), "ttl", "must be > 0", ttl);
        subscribe(false);
        local.put(agent.id(), new Announced(agent, ttl));
        publishAndWait(WireFormat.encodeAnnounce(agent, ttl), "announce agent '" + agent.id() + "'");
    }

    @Override
    public void withdraw(String agentId) {
        ValidationException.requireNonNull(agentId, "agentId");
        local.remove(agentId);
        publishAndWait(WireFormat.encodeWithdraw(agentId), "withdraw agent '" + agentId + "'");
    }

    @Override
    public Transport.Listener watch(Watcher watcher) {
        ValidationException.requireNonNull(watcher, "watcher");
        subscribe(true);
        watchers.add(watcher);
        long now = ticker.read();
        for (Known k : known.values()) {
            long left = k.expiresAtNanos - now;
            if (left > 0) {
                tell(watcher, w -> w.announced(k.agent, Duration.ofNanos(left)));
            }
        }
        startSweeping();
        // Agents announced before we subscribed are unknown here: ask them to announce again.
        query();
        return () -> watchers.remove(watcher);
    }

    private void query() {
        publisher().publish(transport.settings().directoryQueriesExchange(), "", false, properties("query"), WireFormat.encodeQuery())
                .whenComplete((ok, e) -> {
                    if (e != null) {
                        log.debug("Directory query not confirmed: {}", e.getMessage());
                    }
                });
    }

    /**
     * After a reconnect our queue is a new one and announcements sent meanwhile are gone: ask
     * again rather than wait for the next heartbeats. Runs on the connection's thread: publish
     * from the scheduler.
     */
    void recovered() {
        if (!watchers.isEmpty()) {
            try {
                transport.scheduler().execute(this::query);
            } catch (RuntimeException e) {
                log.debug("No directory query after recovery: {}", e.getMessage());
            }
        }
    }

    /**
     * Subscribes this transport's one directory queue, binding it to the announcements exchange
     * (watchers) or to the queries exchange (announcers): an agent hears queries, not the
     * heartbeats of every other agent.
     */
    private void subscribe(boolean announcements) {
        synchronized (lock) {
            String exchange = announcements ? transport.settings().directoryExchange() : transport.settings().directoryQueriesExchange();
            if (announcements ? boundAnnouncements : boundQueries) {
                return;
            }
            try {
                if (subscription == null) {
                    Channel ch = transport.connection().createChannel();
                    // Server-named, exclusive, auto-delete: topology recovery declares a new one after a reconnect.
                    subscriptionQueue = ch.queueDeclare().getQueue();
                    ch.basicConsume(subscriptionQueue, true, new DirectoryConsumer(ch));
                    subscription = ch;
                }
                subscription.queueBind(subscriptionQueue, exchange, "");
                if (announcements) {
                    boundAnnouncements = true;
                } else {
                    boundQueries = true;
                }
            } catch (IOException | ShutdownSignalException e) {
                throw new TransportException(RabbitMqTransport.SCHEME, transport.settings().address(),
                        "Could not subscribe to the agent directory exchange '" + exchange + "': " + e.getMessage(), true, e);
            }
        }
    }

    private ConfirmingPublisher publisher() {
        ConfirmingPublisher p = publisher;
        if (p != null) {
            return p;
        }
        synchronized (lock) {
            if (publisher == null) {
                try {
                    publisher = new ConfirmingPublisher(transport.connection().createChannel(), transport.scheduler(),
                            transport.settings().confirmTimeout(), transport.settings().publishRetries(), transport.settings().address());
                } catch (IOException | ShutdownSignalException e) {
                    throw new TransportException(RabbitMqTransport.SCHEME, transport.settings().address(),
                            "Could not open a channel for the agent directory: " + e.getMessage(), true, e);
                }
            }
            return publisher;
        }
    }

    private void publishAndWait(byte[] body, String what) {
        if (transport.isClosed()) {
            throw new TransportException(RabbitMqTransport.SCHEME, transport.settings().address(), "Cannot " + what
                    + ": the amqp transport is closed", false, null);
        }
        CompletableFuture<Void> confirmed = publisher().publish(transport.settings().directoryExchange(), "", false,
                properties(what.startsWith("announce") ? "announce" : "withdraw"), body);
        try {
            confirmed.get(transport.settings().confirmTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof TransportException ? (TransportException) cause
                    : new TransportException(RabbitMqTransport.SCHEME, transport.settings().address(), "Could not " + what, true, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException(RabbitMqTransport.SCHEME, transport.settings().address(), "Interrupted while trying to " + what, true, e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new TransportException(RabbitMqTransport.SCHEME, transport.settings().address(), "No confirm for " + what, true, e);
        }
    }

    private static AMQP.BasicProperties properties(String type) {
        return new AMQP.BasicProperties.Builder().contentType(RabbitMqTransport.CONTENT_TYPE).type(type).deliveryMode(1).build();
    }

    private final class DirectoryConsumer extends DefaultConsumer {

        DirectoryConsumer(Channel channel) {
            super(channel);
        }

        @Override
        public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
            WireFormat.DirectoryMessage message;
            try {
                message = WireFormat.decodeDirectory(body);
            } catch (WireFormat.MalformedMessageException e) {
                malformed.increment();
                if (warnedMalformed.compareAndSet(false, true)) {
                    log.warn("Ignored a malformed message on the agent directory exchange '{}': {} (further ones at DEBUG)",
                            transport.settings().directoryExchange(), e.getMessage());
                } else {
                    log.debug("Ignored a malformed directory message: {}", e.getMessage());
                }
                return;
            }
            if (message instanceof WireFormat.Announce a) {
                known.put(a.agent().id(), new Known(a.agent(), ticker.read() + a.ttl().toNanos()));
                for (Watcher w : watchers) {
                    tell(w, x -> x.announced(a.agent(), a.ttl()));
                }
            } else if (message instanceof WireFormat.Withdraw w) {
                if (known.remove(w.agentId()) != null || !watchers.isEmpty()) {
                    for (Watcher x : watchers) {
                        tell(x, y -> y.withdrawn(w.agentId()));
                    }
                }
            } else if (message instanceof WireFormat.Query) {
                for (Announced a : local.values()) {
                    publisher().publish(transport.settings().directoryExchange(), "", false, properties("announce"),
                            WireFormat.encodeAnnounce(a.agent, a.ttl));
                }
            }
        }
    }

    private void startSweeping() {
        synchronized (lock) {
            if (sweeper != null) {
                return;
            }
            sweeper = transport.scheduler().scheduleWithFixedDelay(this::sweep, SWEEP_INTERVAL.toMillis(), SWEEP_INTERVAL.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    /** Reports agents whose lease ran out without a renewal (a crash sends no withdrawal). */
    void sweep() {
        long now = ticker.read();
        for (Map.Entry<String, Known> e : known.entrySet()) {
            if (now - e.getValue().expiresAtNanos >= 0 && known.remove(e.getKey(), e.getValue())) {
                log.debug("Lease of agent {} expired", e.getKey());
                for (Watcher w : watchers) {
                    tell(w, x -> x.withdrawn(e.getKey()));
                }
            }
        }
    }

    private static void tell(Watcher watcher, java.util.function.Consumer<Watcher> call) {
        try {
            call.accept(watcher);
        } catch (RuntimeException e) {
            log.warn("Directory watcher {} threw; carrying on", watcher, e);
        }
    }

    void close() {
        synchronized (lock) {
            if (sweeper != null) {
                sweeper.cancel(false);
            }
            watchers.clear();
            RabbitMqTransport.closeQuietly(subscription);
            if (publisher != null) {
                RabbitMqTransport.closeQuietly(publisher.channel());
            }
        }
    }
}
