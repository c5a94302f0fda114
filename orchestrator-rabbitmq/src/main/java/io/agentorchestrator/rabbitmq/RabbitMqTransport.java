package io.agentorchestrator.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.impl.ForgivingExceptionHandler;
import com.rabbitmq.client.Recoverable;
import com.rabbitmq.client.RecoveryListener;
import com.rabbitmq.client.ShutdownSignalException;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentDirectory;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.Ticker;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.TransportCounters;
import io.agentorchestrator.api.TransportException;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.wire.WireHeaders;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code amqp:} transport over the official RabbitMQ Java client. See the module README for
 * the exchanges, queues, wire format and guarantees.
 *
 * <p>Connects lazily, on the first send, listen or directory use, with automatic connection and
 * topology recovery. Orchestrator side: tasks are published persistent, mandatory and confirmed
 * to the tasks exchange; replies come back on this instance's reply queue, correlated by task id.
 * Agent side: one channel per listener with prefetch = the agent's max concurrency, manual acks
 * after the reply is confirmed, duplicate suppression by task id and attempt, dead-lettering of
 * malformed and over-delivered messages. Thread-safe.
 */
final class RabbitMqTransport implements Transport, RabbitMqTransportCounters {

    private static final Logger log = LoggerFactory.getLogger(RabbitMqTransport.class);

    /** The scheme of agent endpoints, also over TLS: {@value}. */
    static final String SCHEME = "amqp";
    /** Endpoint path that names a capability's shared queue: {@code amqp:capability/<capability>}. */
    static final String CAPABILITY_PREFIX = "capability/";
    /** Header counting deliveries of a task message across agent crashes. */
    static final String DELIVERY_COUNT_HEADER = WireHeaders.DELIVERY_COUNT;
    /** Header on dead-lettered messages: why ({@code malformed} or {@code delivery-limit}). */
    static final String DEAD_LETTER_REASON_HEADER = WireHeaders.DEAD_LETTER_REASON;
    /** Header on dead-lettered messages: the details, naming the bad field or the count. */
    static final String DEAD_LETTER_DETAIL_HEADER = WireHeaders.DEAD_LETTER_DETAIL;
    /** Header on dead-lettered messages: the queue the message came from. */
    static final String DEAD_LETTER_QUEUE_HEADER = WireHeaders.DEAD_LETTER_QUEUE;
    static final String CONTENT_TYPE = "application/json";

    private static final AtomicInteger INSTANCES = new AtomicInteger();
    /** Past this many endpoints the remembered routes are forgotten, so agents coming and going cannot grow them without end. */
    private static final int MAX_REMEMBERED_ROUTES = 4_096;

    private final RabbitMqSettings settings;
    /** {@link RabbitMqSettings#tasksExchange()}, built once rather than on every send. */
    private final String tasksExchange;
    private final String instanceId = UUID.randomUUID().toString().substring(0, 8);
    private final int instance = INSTANCES.incrementAndGet();
    private final Object lock = new Object();
    private final ConcurrentHashMap<String, CompletableFuture<ResultEnvelope>> pending = new ConcurrentHashMap<>();
    private final Set<String> declaredQueues = ConcurrentHashMap.newKeySet();
    /** Endpoints already mapped to their routes, so a send does not parse and validate the endpoint again. */
    private final ConcurrentHashMap<URI, Route> routes = new ConcurrentHashMap<>();
    private final Set<AgentQueueListener> listeners = ConcurrentHashMap.newKeySet();
    private final RabbitMqAgentDirectory directory;
    private final RabbitMqEventChannel events = new RabbitMqEventChannel(this);
    private final RecoveryLogging recoveryLogging = new RecoveryLogging();

    final LongAdder lateReplies = new LongAdder();
    final LongAdder malformedMessages = new LongAdder();
    final LongAdder deliveryLimitExceeded = new LongAdder();
    final LongAdder duplicatesSuppressed = new LongAdder();
    final LongAdder redeliveries = new LongAdder();
    private final LongAdder sendErrors = new LongAdder();
    /** Acks sent for replies, and the replies they covered; for tests. */
    final LongAdder replyAcks = new LongAdder();
    final LongAdder repliesAcked = new LongAdder();
    private final AtomicBoolean warnedMalformed = new AtomicBoolean();
    private final AtomicBoolean warnedDeliveryLimit = new AtomicBoolean();
    private final AtomicBoolean warnedQueueArguments = new AtomicBoolean();

    private volatile Connection connection;
    private volatile ScheduledExecutorService scheduler;
    private volatile boolean closed;
    private volatile boolean lost;
    private Channel topology;
    private volatile ConfirmingPublisher taskPublisher;
    private String replyQueue;

    RabbitMqTransport(RabbitMqSettings settings) {
        this(settings, Ticker.system());
    }

    /** With the ticker the directory measures leases by; tests pass a fake one. */
    RabbitMqTransport(RabbitMqSettings settings, Ticker ticker) {
        this.settings = settings;
        this.tasksExchange = settings.tasksExchange();
        this.directory = new RabbitMqAgentDirectory(this, ticker);
    }

    /** The number in this transport's thread names, {@code rabbitmq-<n>-...}. */
    int instance() {
        return instance;
    }

    RabbitMqAgentDirectory agentDirectory() {
        return directory;
    }

    RabbitMqSettings settings() {
        return settings;
    }

    @Override
    public String scheme() {
        return SCHEME;
    }

    @Override
    public Optional<AgentDirectory> directory() {
        return Optional.of(directory);
    }

    /** The {@code <prefix>.events} topic exchange, one routing key per event channel. */
    @Override
    public Optional<io.agentorchestrator.api.EventChannel> eventChannel() {
        return Optional.of(events);
    }

    /** Replies that arrived for tasks nobody waits for any more (timed out, cancelled); dropped. */
    @Override
    public long lateReplies() {
        return lateReplies.sum();
    }

    /** Messages this transport dead-lettered because they could not be decoded. */
    @Override
    public long malformedMessages() {
        return malformedMessages.sum();
    }

    /** Task messages this transport dead-lettered because they exceeded the delivery limit. */
    @Override
    public long deliveryLimitExceeded() {
        return deliveryLimitExceeded.sum();
    }

    /** Deliveries of a task already running or answered here, not run again. */
    @Override
    public long duplicatesSuppressed() {
        return duplicatesSuppressed.sum();
    }

    /** Redeliveries are the deliveries the broker flagged as redelivered; dead letters both malformed and over-limit messages. */
    @Override
    public Optional<TransportCounters> counters() {
        return Optional.of(new TransportCounters(sendErrors.sum(), redeliveries.sum(),
                malformedMessages.sum() + deliveryLimitExceeded.sum(), lateReplies.sum()));
    }

    /** The name the broker shows for this transport's connection. */
    String connectionName() {
        return settings.connectionName() != null ? settings.connectionName() : "agent-orchestrator-" + instanceId;
    }

    // ---------------------------------------------------------------- orchestrator side

    @Override
    public CompletableFuture<ResultEnvelope> send(AgentDescriptor agent, TaskEnvelope envelope) {
        if (closed) {
            return CompletableFuture.failedFuture(new TransportException(SCHEME, settings.address(), "The amqp transport is closed", false, null));
        }
        Route route;
        ConfirmingPublisher publisher;
        String replyTo;
        try {
            route = sendRoute(agent.endpoint());
        } catch (ValidationException e) {
            return CompletableFuture.failedFuture(new TransportException(SCHEME, String.valueOf(agent.endpoint()),
                    "Agent '" + agent.id() + "' has an endpoint this transport cannot reach: " + e.getMessage(), false, e));
        }
        try {
            publisher = sender();
            replyTo = replyQueue;
            declareQueue(route);
        } catch (TransportException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<ResultEnvelope> reply = new AwaitedReply(envelope.attempt());
        CompletableFuture<ResultEnvelope> previous = pending.put(envelope.taskId(), reply);
        if (previous != null) {
            previous.completeExceptionally(new TransportException(SCHEME, route.endpoint, "Task " + envelope.taskId()
                    + " was sent again before its reply arrived", true, null));
        }
        reply.whenComplete((r, e) -> {
            pending.remove(envelope.taskId(), reply);
            if (e instanceof TransportException) {
                sendErrors.increment();
            }
        });
        TaskEnvelope wire = new TaskEnvelope(envelope.version(), envelope.taskId(), envelope.capability(), envelope.payload(),
                envelope.priority(), envelope.deadlineEpochMillis(), envelope.key(), envelope.headers(), envelope.attempt(), replyTo);
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                .contentType(CONTENT_TYPE)
                .deliveryMode(2)
                .priority(settings.messagePriority(envelope.priority()))
                .messageId(envelope.taskId())
                .correlationId(envelope.taskId())
                .replyTo(replyTo)
                .type("task")
                .timestamp(new java.util.Date())
                .build();
        publisher.publish(tasksExchange, route.routingKey, true, props, WireFormat.encodeTask(wire)).whenComplete((ok, e) -> {
            if (e != null) {
                if (e instanceof ConfirmingPublisher.UnroutableException) {
                    // The queue was deleted behind our back (x-expires, an operator): declare it again next time.
                    declaredQueues.remove(route.queue);
                }
                reply.completeExceptionally(e instanceof TransportException ? e
                        : new TransportException(SCHEME, route.endpoint, "Publishing task " + envelope.taskId() + " failed", true, e));
            }
        });
        // Closing may have swept pending just before the put: do not leave this one behind.
        if (closed) {
            reply.completeExceptionally(new TransportException(SCHEME, settings.address(), "The amqp transport is closed", false, null));
        }
        return reply;
    }

    /** {@link #route(URI)}, remembered for the endpoints this transport sends to (a bounded number). */
    private Route sendRoute(URI endpoint) {
        Route route = endpoint == null ? null : routes.get(endpoint);
        if (route == null) {
            route = route(endpoint);
            if (routes.size() >= MAX_REMEMBERED_ROUTES) {
                routes.clear();
            }
            routes.put(endpoint, route);
        }
        return route;
    }

    /** The publisher for tasks, with this instance's reply queue consumed; set up on first use. */
    private ConfirmingPublisher sender() {
        ConfirmingPublisher p = taskPublisher;
        if (p != null) {
            return p;
        }
        synchronized (lock) {
            if (taskPublisher != null) {
                return taskPublisher;
            }
            Connection c = connection();
            try {
                Channel replies = c.createChannel();
                replies.basicQos(256);
                String queue = settings.prefix() + ".replies." + instanceId;
                // Not exclusive: an exclusive queue dies with the connection, and the replies sent
                // while the connection is down would be lost. x-expires removes it once we are gone.
                replies.queueDeclare(queue, false, false, false, Map.of("x-expires", settings.replyQueueExpires().toMillis()));
                replies.basicConsume(queue, false, "replies-" + instanceId, new ReplyConsumer(replies));
                replyQueue = queue;
                taskPublisher = new ConfirmingPublisher(c.createChannel(), scheduler, settings.confirmTimeout(), settings.publishRetries(),
                        settings.address());
                return taskPublisher;
            } catch (IOException | ShutdownSignalException e) {
                throw new TransportException(SCHEME, settings.address(), "Could not set up publishing on " + settings.address() + ": "
                        + e.getMessage(), true, e);
            }
        }
    }

    /** A send waiting for its reply, and the attempt it sent. */
    private static final class AwaitedReply extends CompletableFuture<ResultEnvelope> {
        final int attempt;

        AwaitedReply(int attempt) {
            this.attempt = attempt;
        }
    }

    /** Replies handled before their batch is acknowledged: one {@code multiple} ack per this many. */
    static final int REPLY_ACK_BATCH = 32;
    /** Longest wait before the replies handled so far are acknowledged, when fewer than a batch came. */
    static final long REPLY_ACK_DELAY_MILLIS = 5;
    /** Task ids of the latest replies handled, to recognise them when the broker delivers them again. */
    private static final int RECENT_REPLIES = 2 * REPLY_ACK_BATCH;

    /**
     * Takes replies off this instance's reply queue and completes the matching sends.
     *
     * <p>Replies are acknowledged in batches, once handled: one {@code multiple} ack for every
     * {@link #REPLY_ACK_BATCH} of them, or {@link #REPLY_ACK_DELAY_MILLIS} after the first one
     * not acked yet (a reply is a message for the broker to process, and an ack per reply cost
     * it about 8 % of its work per task in {@code bench rabbitmq}). The consumer handles its
     * deliveries one at a time and in order, so a {@code multiple} ack covers only handled ones.
     * A connection lost meanwhile makes the broker deliver the handled but unacknowledged replies
     * again; those are recognised by task id among the latest handled and dropped without
     * counting them as late.
     */
    private final class ReplyConsumer extends DefaultConsumer {

        /** Highest delivery tag handled and not acknowledged; guarded by this. */
        private long lastHandled;
        /** Replies handled and not acknowledged; guarded by this. */
        private int unacked;
        /** A delayed ack is scheduled; guarded by this. */
        private boolean ackScheduled;
        /** Task ids of the latest handled replies, a ring; only the consumer's thread touches it. */
        private final String[] recent = new String[RECENT_REPLIES];
        private int recentNext;

        ReplyConsumer(Channel channel) {
            super(channel);
        }

        @Override
        public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
            long tag = envelope.getDeliveryTag();
            ResultEnvelope result;
            try {
                result = WireFormat.decodeResult(body);
            } catch (WireFormat.MalformedMessageException e) {
                ConfirmingPublisher p = taskPublisher;
                // Settled before the ack that will cover it; rare, so waiting here costs nothing.
                try {
                    deadLetter(p, replyQueue, properties, body, "malformed", e.getMessage())
                            .get(settings.confirmTimeout().toMillis() + 1_000, TimeUnit.MILLISECONDS);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                } catch (java.util.concurrent.ExecutionException | TimeoutException failed) {
                    log.debug("Dead-lettering a malformed reply failed ({}); dropped", failed.getMessage());
                }
                handled(tag);
                return;
            }
            CompletableFuture<ResultEnvelope> waiting = pending.get(result.taskId());
            // A reply that names another attempt answers a try the engine has given up on.
            boolean sameAttempt = result.attempt() == 0 || !(waiting instanceof AwaitedReply a) || a.attempt == result.attempt();
            if (waiting == null || !sameAttempt || !pending.remove(result.taskId(), waiting) || !waiting.complete(result)) {
                if (envelope.isRedeliver() && recentlyHandled(result.taskId())) {
                    log.debug("Reply to task {} delivered again after a reconnection; handled before", result.taskId());
                } else {
                    lateReplies.increment();
                    log.debug("Dropped a late reply to task {} from agent {}", result.taskId(), result.agentId());
                }
            }
            recent[recentNext] = result.taskId();
            recentNext = (recentNext + 1) % RECENT_REPLIES;
            handled(tag);
        }

        private boolean recentlyHandled(String taskId) {
            for (String id : recent) {
                if (taskId.equals(id)) {
                    return true;
                }
            }
            return false;
        }

        private synchronized void handled(long tag) {
            lastHandled = tag;
            if (++unacked >= REPLY_ACK_BATCH) {
                ack();
            } else if (!ackScheduled) {
                ackScheduled = true;
                try {
                    scheduler.schedule(this::delayedAck, REPLY_ACK_DELAY_MILLIS, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.RejectedExecutionException closing) {
                    ackScheduled = false;
                    ack();
                }
            }
        }

        private synchronized void delayedAck() {
            ackScheduled = false;
            ack();
        }

        /** Acknowledges every reply handled so far; holding this. */
        private void ack() {
            if (unacked == 0) {
                return;
            }
            int covered = unacked;
            unacked = 0;
            try {
                getChannel().basicAck(lastHandled, true);
                replyAcks.increment();
                repliesAcked.add(covered);
            } catch (IOException | ShutdownSignalException e) {
                log.debug("Ack of replies not sent ({}); they will be delivered again and dropped", e.getMessage());
            }
        }

        @Override
        public void handleShutdownSignal(String consumerTag, ShutdownSignalException sig) {
            // The broker takes back what is unacknowledged, and the tags die with the channel: an
            // ack of them on the recovered channel would name other deliveries (a multiple ack of
            // the last old tag even all of them).
            synchronized (this) {
                unacked = 0;
            }
        }
    }

    // ---------------------------------------------------------------- agent side

    @Override
    public Listener listen(AgentDescriptor agent, TaskReceiver receiver) {
        ValidationException.requireNonNull(agent, "agent");
        ValidationException.requireNonNull(receiver, "receiver");
        if (closed) {
            throw new TransportException(SCHEME, settings.address(), "The amqp transport is closed", false, null);
        }
        Route route = route(agent.endpoint());
        Connection c = connection();
        declareQueue(route);
        Channel channel = null;
        try {
            channel = c.createChannel();
            channel.basicQos(agent.maxConcurrency());
            ConfirmingPublisher publisher = new ConfirmingPublisher(channel, scheduler, settings.confirmTimeout(), settings.publishRetries(),
                    settings.address());
            AgentQueueListener listener = new AgentQueueListener(this, agent, route, receiver, publisher);
            listeners.add(listener);
            try {
                // An agent queue has one consumer: a second agent with the same id is refused.
                channel.basicConsume(route.queue, false, "agent-" + agent.id() + "-" + instanceId, false, !route.shared, null, listener);
            } catch (IOException e) {
                listeners.remove(listener);
                throw e;
            }
            log.debug("Agent {} consuming {}", agent.id(), route.queue);
            return listener;
        } catch (IOException | ShutdownSignalException e) {
            closeQuietly(channel);
            Throwable cause = e instanceof IOException && e.getCause() instanceof ShutdownSignalException ? e.getCause() : e;
            boolean taken = String.valueOf(cause.getMessage()).contains("ACCESS_REFUSED");
            throw new TransportException(SCHEME, route.endpoint, taken
                    ? "Another agent is already listening at " + route.endpoint + " (queue '" + route.queue + "' has an exclusive consumer)"
                    : "Could not listen at " + route.endpoint + ": " + cause.getMessage(), !taken, e);
        }
    }

    void removed(AgentQueueListener listener) {
        listeners.remove(listener);
    }

    // ---------------------------------------------------------------- dead letters

    /**
     * Publishes a copy of a message to the dead-letter exchange with the reason in headers.
     * Counts it and logs the first of each reason at WARN, the rest at DEBUG.
     */
    CompletableFuture<Void> deadLetter(ConfirmingPublisher publisher, String sourceQueue, AMQP.BasicProperties props, byte[] body,
            String reason, String detail) {
        AtomicBoolean warned;
        if ("malformed".equals(reason)) {
            malformedMessages.increment();
            warned = warnedMalformed;
        } else {
            deliveryLimitExceeded.increment();
            warned = warnedDeliveryLimit;
        }
        if (warned.compareAndSet(false, true)) {
            log.warn("Dead-lettered a message from queue '{}' to exchange '{}' ({}: {}); further ones are logged at DEBUG",
                    sourceQueue, settings.deadLetterExchange(), reason, detail);
        } else {
            log.debug("Dead-lettered a message from queue '{}' ({}: {})", sourceQueue, reason, detail);
        }
        Map<String, Object> headers = new HashMap<>();
        if (props.getHeaders() != null) {
            headers.putAll(props.getHeaders());
        }
        headers.put(DEAD_LETTER_REASON_HEADER, reason);
        headers.put(DEAD_LETTER_DETAIL_HEADER, detail);
        headers.put(DEAD_LETTER_QUEUE_HEADER, sourceQueue);
        AMQP.BasicProperties copy = props.builder().headers(headers).deliveryMode(2).build();
        if (publisher == null) {
            return CompletableFuture.failedFuture(new TransportException(SCHEME, settings.address(), "No channel to dead-letter on"));
        }
        return publisher.publish(settings.deadLetterExchange(), sourceQueue, false, copy, body);
    }

    // ---------------------------------------------------------------- topology

    /** Where an endpoint's tasks go: its queue and the routing key that binds it to the tasks exchange. */
    static final class Route {
        final String endpoint;
        final String queue;
        final String routingKey;
        final boolean shared;

        Route(String endpoint, String queue, String routingKey, boolean shared) {
            this.endpoint = endpoint;
            this.queue = queue;
            this.routingKey = routingKey;
            this.shared = shared;
        }
    }

    /**
     * Maps an agent endpoint to its queue: {@code amqp:<agentId>} to {@code <prefix>.agent.<agentId>},
     * {@code amqp:capability/<capability>} to the shared {@code <prefix>.capability.<capability>}.
     *
     * @throws ValidationException when the endpoint is not an amqp endpoint of either form
     */
    Route route(URI endpoint) {
        ValidationException.requireNonNull(endpoint, "endpoint");
        String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(java.util.Locale.ROOT);
        ValidationException.require(scheme.equals(SCHEME) || scheme.equals("amqps"), "endpoint", "must use the amqp: scheme",
                endpoint.toString());
        String name = endpoint.getSchemeSpecificPart();
        while (name.startsWith("/")) {
            name = name.substring(1);
        }
        if (name.startsWith(CAPABILITY_PREFIX)) {
            String capability = AgentDescriptor.requireCapability(name.substring(CAPABILITY_PREFIX.length()), "endpoint capability");
            return new Route(endpoint.toString(), settings.prefix() + ".capability." + capability, "capability." + capability, true);
        }
        String id = AgentDescriptor.requireId(name, "endpoint agent id");
        return new Route(endpoint.toString(), settings.prefix() + ".agent." + id, "agent." + id, false);
    }

    /** The arguments of agent and capability queues; other-language workers must declare the same. */
    Map<String, Object> queueArguments() {
        Map<String, Object> args = new HashMap<>();
        if (settings.maxPriority() > 0) {
            args.put("x-max-priority", settings.maxPriority());
        }
        args.put("x-dead-letter-exchange", settings.deadLetterExchange());
        if (!settings.queueExpires().isZero()) {
            args.put("x-expires", settings.queueExpires().toMillis());
        }
        return args;
    }

    /** Declares an endpoint's queue and binding once per transport; idempotent on the broker. */
    void declareQueue(Route route) {
        if (declaredQueues.contains(route.queue)) {
            return;
        }
        synchronized (lock) {
            if (declaredQueues.contains(route.queue)) {
                return;
            }
            connection();
            try {
                try {
                    topology.queueDeclare(route.queue, true, false, false, queueArguments());
                } catch (IOException e) {
                    if (!String.valueOf(rootMessage(e)).contains("PRECONDITION_FAILED")) {
                        throw e;
                    }
                    // Someone (a worker in another language, an older version) declared it with other
                    // arguments; the failed declare closed the channel. Use the queue as it is.
                    topology = connection.createChannel();
                    topology.queueDeclarePassive(route.queue);
                    if (warnedQueueArguments.compareAndSet(false, true)) {
                        log.warn("Queue '{}' exists with arguments other than {}; using it as it is ({})", route.queue, queueArguments(),
                                rootMessage(e));
                    }
                }
                topology.queueBind(route.queue, settings.tasksExchange(), route.routingKey);
                declaredQueues.add(route.queue);
            } catch (IOException | ShutdownSignalException e) {
                reopenTopology();
                throw new TransportException(SCHEME, route.endpoint, "Could not declare queue '" + route.queue + "' on "
                        + settings.address() + ": " + rootMessage(e), true, e);
            }
        }
    }

    private void reopenTopology() {
        if (topology == null || !topology.isOpen()) {
            try {
                if (connection != null && connection.isOpen()) {
                    topology = connection.createChannel();
                }
            } catch (IOException | ShutdownSignalException ignored) {
                // Next use reports the failure.
            }
        }
    }

    private static boolean tlsFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof javax.net.ssl.SSLException) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    // ---------------------------------------------------------------- connection

    /** The connection, opened on first use with the shared exchanges declared. */
    Connection connection() {
        Connection c = connection;
        if (c != null) {
            return c;
        }
        synchronized (lock) {
            if (connection != null) {
                return connection;
            }
            if (closed) {
                throw new TransportException(SCHEME, settings.address(), "The amqp transport is closed", false, null);
            }
            // Before the timer starts: a bad trust store fails here without leaving a thread behind.
            ConnectionFactory connectionFactory = factory();
            ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, threads("timer"));
            timer.setRemoveOnCancelPolicy(true);
            scheduler = timer;
            try {
                c = connectionFactory.newConnection(connectionName());
            } catch (IOException | TimeoutException e) {
                scheduler.shutdownNow();
                scheduler = null;
                if (tlsFailure(e)) {
                    // An untrusted or misnamed certificate stays so on retry.
                    throw new TransportException(SCHEME, settings.address(), "TLS handshake with RabbitMQ at " + settings.address()
                            + " failed: " + rootMessage(e) + ". Does the trust store (" + (settings.truststore() == null
                            ? "the JVM's default; set the truststore option" : "truststore option")
                            + ") hold the broker's CA, and does its certificate name host '" + settings.host() + "'?", false, e);
                }
                throw new TransportException(SCHEME, settings.address(), "Cannot connect to RabbitMQ at " + settings.address() + ": "
                        + rootMessage(e) + ". Is the broker running (rabbitmq-server -detached) and are the credentials right?", true, e);
            }
            try {
                topology = c.createChannel();
                topology.exchangeDeclare(settings.tasksExchange(), "direct", true);
                topology.exchangeDeclare(settings.deadLetterExchange(), "fanout", true);
                topology.queueDeclare(settings.deadLetterQueue(), true, false, false, null);
                topology.queueBind(settings.deadLetterQueue(), settings.deadLetterExchange(), "");
                topology.exchangeDeclare(settings.directoryExchange(), "fanout", true);
                topology.exchangeDeclare(settings.directoryQueriesExchange(), "fanout", true);
                topology.exchangeDeclare(settings.eventsExchange(), "topic", true);
            } catch (IOException | ShutdownSignalException e) {
                closeQuietly(c);
                scheduler.shutdownNow();
                scheduler = null;
                throw new TransportException(SCHEME, settings.address(), "Could not declare the exchanges of prefix '" + settings.prefix()
                        + "' on " + settings.address() + ": " + rootMessage(e), false, e);
            }
            c.addShutdownListener(cause -> {
                if (!cause.isInitiatedByApplication() && !closed) {
                    onConnectionLost(cause);
                }
            });
            if (c instanceof Recoverable) {
                ((Recoverable) c).addRecoveryListener(new RecoveryListener() {
                    @Override
                    public void handleRecovery(Recoverable recoverable) {
                        lost = false;
                        log.info("Connection {} to {} recovered", connectionName(), settings.address());
                        recoveryLogging.recovered();
                        directory.recovered();
                    }

                    @Override
                    public void handleRecoveryStarted(Recoverable recoverable) {
                        log.debug("Recovering connection {} to {}", connectionName(), settings.address());
                    }
                });
            }
            log.info("Connected to RabbitMQ at {} as {}", settings.address(), connectionName());
            connection = c;
            return c;
        }
    }

    /** The TLS context: one trusting the configured PKCS12 trust store, or the JVM's default. */
    private SSLContext sslContext() {
        if (settings.truststore() == null && settings.keystore() == null) {
            try {
                return SSLContext.getDefault();
            } catch (NoSuchAlgorithmException e) {
                throw new TransportException(SCHEME, settings.address(), "No default TLS context in this JVM", false, e);
            }
        }
        char[] password = settings.truststorePassword() == null ? null : settings.truststorePassword().toCharArray();
        try {
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            // A null store means the JVM's default trust anchors.
            trust.init(settings.truststore() == null ? null : pkcs12(settings.truststore(), password));
            javax.net.ssl.KeyManager[] keys = null;
            if (settings.keystore() != null) {
                char[] keyPassword = settings.keystorePassword() == null ? new char[0] : settings.keystorePassword().toCharArray();
                javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(
                        javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(pkcs12(settings.keystore(), keyPassword), keyPassword);
                keys = kmf.getKeyManagers();
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            // Not retryable: a bad file or password stays bad.
            throw new TransportException(SCHEME, settings.address(), "Cannot load the PKCS12 trust store '" + settings.truststore()
                    + "' (truststore option) or key store '" + settings.keystore() + "' (keystore option): " + rootMessage(e), false, e);
        }
    }

    private static KeyStore pkcs12(String file, char[] password) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(Path.of(file))) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, password);
            return store;
        }
    }

    private ConnectionFactory factory() {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost(settings.host());
        f.setPort(settings.port());
        f.setVirtualHost(settings.virtualHost());
        f.setUsername(settings.username());
        f.setPassword(settings.password());
        if (settings.tls()) {
            f.useSslProtocol(sslContext());
            f.enableHostnameVerification();
        }
        f.setAutomaticRecoveryEnabled(true);
        f.setTopologyRecoveryEnabled(true);
        f.setNetworkRecoveryInterval(settings.recoveryInterval().toMillis());
        f.setRequestedHeartbeat((int) Math.min(Integer.MAX_VALUE, settings.heartbeat().toSeconds()));
        f.setConnectionTimeout((int) Math.min(Integer.MAX_VALUE, settings.connectionTimeout().toMillis()));
        f.setHandshakeTimeout((int) Math.min(Integer.MAX_VALUE, settings.connectionTimeout().toMillis()));
        f.setThreadFactory(threads("io"));
        f.setExceptionHandler(recoveryLogging);
        return f;
    }

    /**
     * The client logs every failed reconnection attempt at ERROR with a stack trace, several times
     * a second while the broker is away; we say it once per outage at WARN, the rest at DEBUG.
     */
    private final class RecoveryLogging extends ForgivingExceptionHandler {

        private final AtomicBoolean warned = new AtomicBoolean();

        @Override
        public void handleConnectionRecoveryException(Connection conn, Throwable exception) {
            if (!lost || warned.compareAndSet(false, true)) {
                log.warn("Connection {} to {} not recovered yet ({}); still trying every {} ms", connectionName(), settings.address(),
                        rootMessage(exception), settings.recoveryInterval().toMillis());
            } else {
                log.debug("Reconnection attempt to {} failed: {}", settings.address(), rootMessage(exception));
            }
        }

        @Override
        public void handleUnexpectedConnectionDriverException(Connection conn, Throwable exception) {
            // The shutdown listener reports the lost connection once, with the reason.
            log.debug("Connection {} driver error: {}", connectionName(), rootMessage(exception));
        }

        void recovered() {
            warned.set(false);
        }
    }

    private ThreadFactory threads(String role) {
        AtomicInteger ids = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "rabbitmq-" + instance + "-" + role + "-" + ids.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private void onConnectionLost(ShutdownSignalException cause) {
        lost = true;
        log.warn("Connection {} to {} lost ({}); reconnecting every {} ms, {} task(s) awaiting replies", connectionName(),
                settings.address(), cause.getMessage(), settings.recoveryInterval().toMillis(), pending.size());
        ScheduledExecutorService s = scheduler;
        if (s == null) {
            return;
        }
        try {
            s.schedule(() -> {
                if (lost && !closed) {
                    failPending(new TransportException(SCHEME, settings.address(), "The connection to " + settings.address()
                            + " was lost and not recovered within " + settings.recoveryTimeout().toMillis() + " ms (recoveryTimeout)", true,
                            cause));
                }
            }, settings.recoveryTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // Closing: close() fails what is pending.
        }
    }

    private void failPending(TransportException e) {
        for (CompletableFuture<ResultEnvelope> f : pending.values()) {
            f.completeExceptionally(e);
        }
    }

    ScheduledExecutorService scheduler() {
        connection();
        return scheduler;
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        failPending(new TransportException(SCHEME, settings.address(), "The amqp transport was closed before the reply arrived", true, null));
        directory.close();
        events.close();
        for (AgentQueueListener l : List.copyOf(listeners)) {
            l.close();
        }
        Connection c = connection;
        if (c != null) {
            String replies = replyQueue;
            if (replies != null && c.isOpen()) {
                // Nobody will read it again; x-expires would remove it later anyway.
                try (Channel ch = c.createChannel()) {
                    ch.queueDelete(replies);
                } catch (Exception e) {
                    log.debug("Reply queue {} not deleted: {}", replies, e.getMessage());
                }
            }
            try {
                c.close(5_000);
            } catch (IOException | ShutdownSignalException e) {
                log.debug("Closing connection {}: {}", connectionName(), e.getMessage());
            }
        }
        ScheduledExecutorService s = scheduler;
        if (s != null) {
            s.shutdownNow();
            try {
                s.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (c != null) {
            log.info("Closed connection {} to {}", connectionName(), settings.address());
        }
    }

    static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            log.debug("Ignored while closing: {}", e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "RabbitMqTransport[" + settings.address() + ", prefix=" + settings.prefix() + "]";
    }
}
