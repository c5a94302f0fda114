package io.agentorchestrator.kafka;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentDirectory;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.TransportCounters;
import io.agentorchestrator.api.TransportException;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.wire.WireHeaders;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code kafka:} transport: tasks and replies on Kafka topics, with at-least-once delivery
 * (offsets committed only after the reply is on the broker) and the agent registry on a compacted
 * topic. See the module README for topics, keys, headers and the JSON wire format.
 *
 * <p>Agent endpoints: {@code kafka:<agent-id>} is the agent's own inbox topic (the orchestrator's
 * balancer chose that agent); {@code kafka:capability/<capability>} is the capability's shared
 * topic, read by the capability's agents as one consumer group, so that the broker balances
 * among them.
 *
 * <p>Created through {@link KafkaTransportProvider} (by URI) or {@link #create(KafkaTransportConfig)}.
 * Thread-safe. Connects lazily: no client and no thread exists before the first send, listen or
 * directory call; {@link #close()} stops every thread it started.
 */
public final class KafkaTransport implements Transport {

    /** The URI scheme, {@value}. */
    public static final String SCHEME = "kafka";
    /** Endpoint prefix that names a capability's shared topic: {@code kafka:capability/<name>}. */
    public static final String CAPABILITY_PREFIX = "capability/";

    /** Header naming the orchestrator instance a task came from; replies carry it back. */
    static final String HEADER_INSTANCE = WireHeaders.INSTANCE;
    /** Header with the reply topic partition the orchestrator instance reads. */
    static final String HEADER_REPLY_PARTITION = WireHeaders.REPLY_PARTITION;
    /** Header with the task id, for tooling. */
    static final String HEADER_TASK_ID = WireHeaders.TASK_ID;
    /** Dead-letter headers: why, and where the record came from. */
    static final String HEADER_DLT_REASON = WireHeaders.DEAD_LETTER_REASON;
    static final String HEADER_DLT_TOPIC = WireHeaders.DEAD_LETTER_TOPIC;
    static final String HEADER_DLT_PARTITION = WireHeaders.DEAD_LETTER_PARTITION;
    static final String HEADER_DLT_OFFSET = WireHeaders.DEAD_LETTER_OFFSET;

    private static final Logger log = LoggerFactory.getLogger(KafkaTransport.class);
    private static final long ADMIN_WAIT_MILLIS = 30_000;

    private final KafkaTransportConfig config;
    private final Topics topics;
    private final KafkaEventChannel events = new KafkaEventChannel(this);
    private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();
    private final Set<TaskConsumer> listeners = ConcurrentHashMap.newKeySet();
    private final Set<AutoCloseable> watches = ConcurrentHashMap.newKeySet();
    private final LongAdder lateReplies = new LongAdder();
    private final LongAdder deadLettered = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder sendErrors = new LongAdder();
    private final AtomicBoolean deadLetterLogged = new AtomicBoolean();
    private final AtomicBoolean replyTrouble = new AtomicBoolean();
    private final KafkaAgentDirectory directory;
    private final Object lock = new Object();
    private volatile boolean closed;
    private Admin admin;
    private volatile Producer<byte[], byte[]> producer;
    private volatile Producer<byte[], byte[]> replyProducer;
    private ScheduledThreadPoolExecutor executor;
    private ReplyReader replies;

    private KafkaTransport(KafkaTransportConfig config) {
        this.config = config;
        this.topics = new Topics(this::admin, config.createTopics(), config.replicationFactor());
        this.directory = new KafkaAgentDirectory(this);
    }

    /**
     * A transport with this configuration. Connects nothing yet.
     *
     * @throws ValidationException when {@code config} is null
     */
    public static KafkaTransport create(KafkaTransportConfig config) {
        return new KafkaTransport(ValidationException.requireNonNull(config, "config"));
    }

    @Override
    public String scheme() {
        return SCHEME;
    }

    /** The configuration this transport was made with. */
    public KafkaTransportConfig config() {
        return config;
    }

    /** Replies that arrived for tasks nobody waits for any more (timed out, retried, answered twice); dropped. */
    public long lateReplies() {
        return lateReplies.sum();
    }

    /** Records this transport could not read and moved to the dead-letter topic. */
    public long deadLettered() {
        return deadLettered.sum();
    }

    /** Redeliveries are the redelivered tasks its agents recognised by task id and attempt; Kafka does not flag others. */
    @Override
    public Optional<TransportCounters> counters() {
        return Optional.of(new TransportCounters(sendErrors.sum(), duplicates.sum(), deadLettered.sum(), lateReplies.sum()));
    }

    /** Redelivered tasks its agents recognised by task id and attempt and did not run again. */
    public long duplicatesSkipped() {
        return duplicates.sum();
    }

    // ------------------------------------------------------------------ orchestrator side

    @Override
    public CompletableFuture<ResultEnvelope> send(AgentDescriptor agent, TaskEnvelope envelope) {
        if (closed) {
            return CompletableFuture.failedFuture(new TransportException(SCHEME, agent.endpoint().toString(),
                    "Kafka transport is closed; task " + envelope.taskId() + " not sent", false, null));
        }
        Target target;
        try {
            target = target(agent.endpoint());
        } catch (ValidationException e) {
            return CompletableFuture.failedFuture(new TransportException(SCHEME, agent.endpoint().toString(),
                    "Agent '" + agent.id() + "' has an endpoint this transport cannot reach: " + e.getMessage(), false, e));
        }
        CompletableFuture<ResultEnvelope> future = new CompletableFuture<>();
        Pending p = new Pending(envelope.taskId(), envelope.attempt(), future, agent.endpoint().toString());
        pending.put(envelope.taskId(), p);
        future.whenComplete((r, e) -> {
            pending.remove(p.taskId, p);
            if (e instanceof TransportException) {
                sendErrors.increment();
            }
        });
        CompletableFuture<Integer> replyPartition;
        try {
            replyPartition = replyReader();
            topics.ensure(target.topic(), target.partitions(), Map.of());
        } catch (RuntimeException e) {
            fail(p, asTransportException(p.endpoint, "Sending task " + p.taskId + " failed", e));
            return future;
        }
        // One sender thread, fed in call order: tasks reach the producer (and so a partition) in
        // the order they were sent, even the first ones to a topic still being created. Never the
        // caller's thread, even when all looks ready: the producer's send() blocks (up to
        // max.block.ms) whenever it lacks the topic's metadata, as after losing the broker, and
        // send() must not block.
        try {
            executor().execute(() -> produceQueued(p, target, envelope, replyPartition));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            fail(p, new TransportException(SCHEME, p.endpoint, "Kafka transport is closed; task " + p.taskId + " not sent", false, e));
        }
        return future;
    }

    /** On the sender thread: waits for the reply partition, then produces the task unless it is over already. */
    private void produceQueued(Pending p, Target target, TaskEnvelope envelope, CompletableFuture<Integer> replyPartition) {
        int partition;
        try {
            // Not waiting for topicReady: creation runs alongside, and the producer waits for
            // the topic's metadata itself (up to max.block.ms), which saves a round trip on
            // the first task to an agent. The reply partition, though, must be read first.
            partition = replyPartition.get(config.deliveryTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            fail(p, asTransportException(p.endpoint, "Sending task " + p.taskId + " to " + target.topic() + " failed", e));
            return;
        }
        if (!p.future.isDone()) {
            produceTask(p, target, envelope, partition);
        }
    }

    private void produceTask(Pending p, Target target, TaskEnvelope envelope, int replyPartition) {
        try {
            TaskEnvelope wire = new TaskEnvelope(envelope.version(), envelope.taskId(), envelope.capability(), envelope.payload(),
                    envelope.priority(), envelope.deadlineEpochMillis(), envelope.key(), envelope.headers(), envelope.attempt(),
                    config.replyTopic());
            Headers headers = new RecordHeaders();
            headers.add(HEADER_INSTANCE, config.instance().getBytes(StandardCharsets.UTF_8));
            headers.add(HEADER_REPLY_PARTITION, Integer.toString(replyPartition).getBytes(StandardCharsets.UTF_8));
            headers.add(HEADER_TASK_ID, envelope.taskId().getBytes(StandardCharsets.UTF_8));
            byte[] key = envelope.key() == null ? null : envelope.key().getBytes(StandardCharsets.UTF_8);
            log.debug("Producing task {} to {}", p.taskId, target.topic());
            ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(target.topic(), null, key, WireFormat.encodeTask(wire), headers);
            producer().send(record, (md, error) -> taskProduced(p, target, error));
        } catch (RuntimeException e) {
            fail(p, asTransportException(p.endpoint, "Sending task " + p.taskId + " to topic " + target.topic() + " failed", e));
        }
    }

    /** The producer's callback for a task: on the broker, or failed for good. */
    private void taskProduced(Pending p, Target target, Exception error) {
        log.debug("Produced task {}: {}", p.taskId, error == null ? "ok" : error.toString());
        if (error != null) {
            fail(p, new TransportException(SCHEME, p.endpoint, "Sending task " + p.taskId + " to topic " + target.topic()
                    + " failed: " + error, true, error));
        }
    }

    private void fail(Pending p, TransportException e) {
        if (pending.remove(p.taskId, p)) {
            p.future.completeExceptionally(e);
        }
    }

    /** Completes a waiting send with its reply, or counts the reply late. Called by the reply reader. */
    void onReply(WireFormat.Reply reply) {
        ResultEnvelope result = reply.result();
        Pending p = pending.get(result.taskId());
        if (p == null || (reply.attempt() > 0 && reply.attempt() != p.attempt) || !pending.remove(result.taskId(), p)) {
            lateReplies.increment();
            log.debug("Dropped a late reply to task {} from agent {}", result.taskId(), result.agentId());
            return;
        }
        p.future.complete(result);
    }

    private CompletableFuture<Integer> replyReader() {
        synchronized (lock) {
            if (closed) {
                throw new TransportException(SCHEME, config.bootstrapServers(), "Kafka transport is closed", false, null);
            }
            if (replies == null || replies.ready.isCompletedExceptionally()) {
                replies = new ReplyReader(this);
                replies.start();
            }
            return replies.ready;
        }
    }

    // ------------------------------------------------------------------ agent side

    @Override
    public Listener listen(AgentDescriptor agent, TaskReceiver receiver) {
        ValidationException.requireNonNull(agent, "agent");
        ValidationException.requireNonNull(receiver, "receiver");
        if (closed) {
            throw new TransportException(SCHEME, agent.endpoint().toString(), "Kafka transport is closed", false, null);
        }
        Target target = target(agent.endpoint());
        List<Target> targets = new ArrayList<>();
        targets.add(target);
        if (config.joinCapabilityTopics() && !target.shared()) {
            for (String capability : agent.capabilities()) {
                targets.add(new Target(config.capabilityTopic(capability), config.capabilityGroup(capability), true,
                        config.capabilityPartitions()));
            }
        }
        AtomicInteger inFlight = new AtomicInteger();
        List<TaskConsumer> consumers = new ArrayList<>();
        try {
            for (Target t : targets) {
                topics.ensureNow(t.topic(), t.partitions(), Map.of(), ADMIN_WAIT_MILLIS);
                TaskConsumer consumer = new TaskConsumer(this, agent, t, receiver, inFlight);
                listeners.add(consumer);
                consumers.add(consumer);
                consumer.start();
                if (!t.shared()) {
                    // An inbox needs no group join: wait until it is positioned, so tasks sent from
                    // now on are picked up without a start-up delay. A group member joins in the background.
                    Topics.await(consumer.assigned(), agent.endpoint().toString(), "start reading " + t.topic(), ADMIN_WAIT_MILLIS);
                }
                log.info("Agent {} takes tasks from topic {}{}", agent.id(), t.topic(), t.shared() ? " as a member of group " + t.group() : "");
            }
        } catch (RuntimeException e) {
            consumers.forEach(TaskConsumer::close);
            throw e;
        }
        if (consumers.size() == 1) {
            return consumers.get(0);
        }
        return () -> consumers.forEach(TaskConsumer::close);
    }

    /** Sends an agent's reply to the orchestrator instance that sent the task; calls back once it is on the broker. */
    void sendReply(TaskConsumer.Delivery d, ResultEnvelope result, TaskConsumer owner) {
        String topic = d.task.replyTo();
        if (topic == null || topic.isEmpty()) {
            log.warn("Task {} names no reply topic: its result is dropped", d.task.taskId());
            d.replied();
            return;
        }
        Headers headers = new RecordHeaders();
        if (d.route.instance() != null) {
            headers.add(HEADER_INSTANCE, d.route.instance().getBytes(StandardCharsets.UTF_8));
        }
        headers.add(HEADER_TASK_ID, d.task.taskId().getBytes(StandardCharsets.UTF_8));
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, d.route.partition(),
                d.task.taskId().getBytes(StandardCharsets.UTF_8), WireFormat.encodeResult(result, d.task.attempt()), headers);
        produceReply(d, record, owner);
    }

    private void produceReply(TaskConsumer.Delivery d, ProducerRecord<byte[], byte[]> record, TaskConsumer owner) {
        try {
            replyProducer().send(record, (md, error) -> {
                if (error == null) {
                    if (replyTrouble.get()) {
                        replyTrouble.set(false);
                    }
                    d.replied();
                } else if (d.wanted() && !closed) {
                    retryReply(d, record, owner, error);
                } else {
                    d.giveUp();
                }
            });
        } catch (RuntimeException e) {
            if (d.wanted() && !closed) {
                retryReply(d, record, owner, e);
            } else {
                d.giveUp();
            }
        }
    }

    private void retryReply(TaskConsumer.Delivery d, ProducerRecord<byte[], byte[]> record, TaskConsumer owner, Throwable error) {
        // The task stays uncommitted until its reply is out, so keep trying; one WARN per outage.
        if (replyTrouble.compareAndSet(false, true)) {
            log.warn("Replies cannot be sent ({}); retrying every second until they are (further failures at DEBUG)", error.toString());
        } else {
            log.debug("Reply to task {} could not be sent ({}); trying again in 1 s", d.task.taskId(), error.toString());
        }
        try {
            executor().schedule(() -> produceReply(d, record, owner), 1, TimeUnit.SECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            d.giveUp();
        }
    }

    void forget(TaskConsumer consumer) {
        listeners.remove(consumer);
    }

    void countDuplicate() {
        duplicates.increment();
    }

    // ------------------------------------------------------------------ directory

    @Override
    public Optional<AgentDirectory> directory() {
        return Optional.of(directory);
    }

    /** One single-partition topic per event channel, {@code <topicPrefix>events.<channel>}. */
    @Override
    public Optional<io.agentorchestrator.api.EventChannel> eventChannel() {
        return Optional.of(events);
    }

    /**
     * Prepares the orchestrator side (reply reader, producer) in the background. Called when the
     * directory is watched, which orchestrators do as they start, so the first task is not slowed
     * down by connecting.
     */
    void warmUp() {
        try {
            replyReader();
            executor().execute(() -> {
                try {
                    producer();
                } catch (RuntimeException e) {
                    log.debug("Warming up the producer failed; the first send tries again", e);
                }
            });
        } catch (RuntimeException e) {
            log.debug("Warming up failed; the first send tries again", e);
        }
    }

    void track(AutoCloseable watch) {
        watches.add(watch);
    }

    void untrack(AutoCloseable watch) {
        watches.remove(watch);
    }

    Topics topics() {
        return topics;
    }

    boolean isClosed() {
        return closed;
    }

    // ------------------------------------------------------------------ dead letters

    /**
     * Moves a record nobody can read to the dead-letter topic with the reason in a header, counts
     * it, and calls {@code stored} once it is there (or could not be stored: the reason is logged).
     */
    void deadLetter(ConsumerRecord<byte[], byte[]> r, String reason, Runnable stored) {
        deadLettered.increment();
        if (deadLetterLogged.compareAndSet(false, true)) {
            log.warn("Moved a malformed record from {}-{}@{} to {}: {} (further ones are logged at DEBUG)", r.topic(), r.partition(),
                    r.offset(), config.deadLetterTopic(), reason);
        } else {
            log.debug("Moved a malformed record from {}-{}@{} to {}: {}", r.topic(), r.partition(), r.offset(),
                    config.deadLetterTopic(), reason);
        }
        Headers headers = new RecordHeaders();
        for (Header h : r.headers()) {
            headers.add(h);
        }
        headers.add(HEADER_DLT_REASON, reason.getBytes(StandardCharsets.UTF_8));
        headers.add(HEADER_DLT_TOPIC, r.topic().getBytes(StandardCharsets.UTF_8));
        headers.add(HEADER_DLT_PARTITION, Integer.toString(r.partition()).getBytes(StandardCharsets.UTF_8));
        headers.add(HEADER_DLT_OFFSET, Long.toString(r.offset()).getBytes(StandardCharsets.UTF_8));
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(config.deadLetterTopic(), null, r.key(), r.value(), headers);
        CompletableFuture<Void> topicReady = topics.ensure(config.deadLetterTopic(), 1, Map.of());
        // Through the one sender thread, in order, so dead letters keep the order of their sources.
        Runnable store = () -> {
            try {
                Topics.await(topicReady, config.deadLetterTopic(), "create topic " + config.deadLetterTopic(),
                        config.deliveryTimeout().toMillis());
                producer().send(record, (md, e) -> {
                    if (e != null) {
                        log.warn("Could not store a malformed record from {}-{}@{} in {} ({}); skipped", r.topic(), r.partition(),
                                r.offset(), config.deadLetterTopic(), e.toString());
                    }
                    stored.run();
                });
            } catch (RuntimeException e) {
                log.warn("Could not store a malformed record from {}-{}@{} in {} ({}); skipped", r.topic(), r.partition(), r.offset(),
                        config.deadLetterTopic(), e.toString());
                stored.run();
            }
        };
        try {
            executor().execute(store);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("Transport closing: malformed record from {}-{}@{} not stored", r.topic(), r.partition(), r.offset());
        }
    }

    // ------------------------------------------------------------------ clients

    /** The producer of tasks, announcements and dead letters, lingering {@code lingerMs}. */
    Producer<byte[], byte[]> producer() {
        Producer<byte[], byte[]> p = producer;
        if (p != null && !closed) {
            return p;
        }
        synchronized (lock) {
            if (closed) {
                throw new TransportException(SCHEME, config.bootstrapServers(), "Kafka transport is closed", false, null);
            }
            if (producer == null) {
                producer = newProducer("producer", config.lingerMs());
            }
            return producer;
        }
    }

    /**
     * The producer of replies, lingering {@code replyLingerMs} (none by default) where tasks linger
     * {@code lingerMs}: a producer has one {@code linger.ms}, and the two want different ones.
     * Created on the first reply, so an orchestrator-only transport never opens it.
     */
    Producer<byte[], byte[]> replyProducer() {
        Producer<byte[], byte[]> p = replyProducer;
        if (p != null && !closed) {
            return p;
        }
        synchronized (lock) {
            if (closed) {
                throw new TransportException(SCHEME, config.bootstrapServers(), "Kafka transport is closed", false, null);
            }
            if (replyProducer == null) {
                replyProducer = newProducer("reply-producer", config.replyLingerMs());
            }
            return replyProducer;
        }
    }

    private Producer<byte[], byte[]> newProducer(String purpose, int lingerMs) {
        Map<String, Object> p = base(purpose);
        p.put(ProducerConfig.LINGER_MS_CONFIG, lingerMs);
        p.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                (int) Math.max(1000, Math.min(10_000, config.deliveryTimeout().toMillis() - lingerMs)));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) config.deliveryTimeout().toMillis());
        p.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) Math.min(10_000, config.deliveryTimeout().toMillis()));
        // The guarantees rest on these: not overridable.
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return client(() -> new KafkaProducer<>(p), "producer");
    }

    Admin admin() {
        synchronized (lock) {
            if (closed) {
                throw new TransportException(SCHEME, config.bootstrapServers(), "Kafka transport is closed", false, null);
            }
            if (admin == null) {
                Map<String, Object> a = base("admin");
                a.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
                a.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
                admin = client(() -> Admin.create(a), "admin client");
            }
            return admin;
        }
    }

    /** A consumer of tasks for a group (commits only, never auto-commit). */
    Consumer<byte[], byte[]> newTaskConsumer(String group, String agentId, int maxPollRecords) {
        Map<String, Object> c = consumerBase("agent-" + agentId);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.max(1, maxPollRecords));
        c.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) config.sessionTimeout().toMillis());
        c.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) Math.max(100, config.sessionTimeout().toMillis() / 3));
        c.putIfAbsent(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, List.of(CooperativeStickyAssignor.class.getName()));
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return client(() -> new KafkaConsumer<>(c), "consumer");
    }

    /** A consumer without a group, for reading assigned partitions (replies, the registry). */
    Consumer<byte[], byte[]> newReader(String purpose) {
        Map<String, Object> c = consumerBase(purpose);
        c.remove(ConsumerConfig.GROUP_ID_CONFIG);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1000);
        return client(() -> new KafkaConsumer<>(c), "consumer");
    }

    private Map<String, Object> consumerBase(String purpose) {
        Map<String, Object> c = base(purpose);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return c;
    }

    private Map<String, Object> base(String purpose) {
        Map<String, Object> m = new HashMap<>(config.clientProperties());
        m.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        m.putIfAbsent(CommonClientConfigs.CLIENT_ID_CONFIG, "ao-" + config.instance() + "-" + purpose);
        // The first task to a new agent waits for the topic's metadata; the 100 ms default
        // backoff would add a tenth of a second to it. Still exponential, up to 1 s.
        m.putIfAbsent(CommonClientConfigs.RETRY_BACKOFF_MS_CONFIG, 10);
        return m;
    }

    private static <T> T client(java.util.function.Supplier<T> factory, String what) {
        try {
            return factory.get();
        } catch (KafkaException e) {
            throw new TransportException(SCHEME, null, "Could not create the Kafka " + what + ": " + e.getMessage(), false, e);
        }
    }

    ScheduledThreadPoolExecutor executor() {
        synchronized (lock) {
            if (closed && executor == null) {
                throw new java.util.concurrent.RejectedExecutionException("Kafka transport is closed");
            }
            if (executor == null) {
                AtomicInteger ids = new AtomicInteger();
                executor = new ScheduledThreadPoolExecutor(1, r -> {
                    Thread t = new Thread(r, "ao-kafka-sender-" + config.instance() + "-" + ids.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
                executor.setRemoveOnCancelPolicy(true);
            }
            return executor;
        }
    }

    // ------------------------------------------------------------------ close

    /**
     * Stops listeners and watches, fails the sends still waiting with a non-retryable
     * {@link TransportException}, and closes the Kafka clients and threads (bounded, a few seconds).
     */
    @Override
    public void close() {
        ReplyReader reader;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            reader = replies;
        }
        for (TaskConsumer l : new ArrayList<>(listeners)) {
            l.close();
        }
        for (AutoCloseable w : new ArrayList<>(watches)) {
            try {
                w.close();
            } catch (Exception e) {
                log.debug("Closing a directory watch failed", e);
            }
        }
        if (reader != null) {
            reader.close();
        }
        for (Pending p : new ArrayList<>(pending.values())) {
            fail(p, new TransportException(SCHEME, p.endpoint, "Kafka transport closed before task " + p.taskId + " was answered", false,
                    null));
        }
        Producer<byte[], byte[]> p;
        Producer<byte[], byte[]> rp;
        Admin a;
        ScheduledThreadPoolExecutor e;
        synchronized (lock) {
            // Closed outside the lock: client callbacks may need it while the clients drain.
            p = producer;
            rp = replyProducer;
            a = admin;
            e = executor;
        }
        if (e != null) {
            e.shutdownNow();
        }
        for (Producer<byte[], byte[]> each : java.util.Arrays.asList(p, rp)) {
            if (each != null) {
                try {
                    each.close(Duration.ofSeconds(5));
                } catch (RuntimeException ex) {
                    log.debug("Closing a producer failed", ex);
                }
            }
        }
        if (a != null) {
            try {
                a.close(Duration.ofSeconds(1)); // pending admin calls (topic creation) matter no more
            } catch (RuntimeException ex) {
                log.debug("Closing the admin client failed", ex);
            }
        }
        if (e != null) {
            try {
                e.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
        log.debug("Kafka transport {} closed", config.instance());
    }

    // ------------------------------------------------------------------ helpers and values

    static TransportException asTransportException(String endpoint, String what, Throwable error) {
        Throwable cause = Topics.unwrap(error);
        if (cause instanceof TransportException) {
            return (TransportException) cause;
        }
        return new TransportException(SCHEME, endpoint, what + ": " + cause, true, cause);
    }

    /** Where an agent endpoint's tasks travel. */
    record Target(String topic, String group, boolean shared, int partitions) {
    }

    /**
     * Reads an agent endpoint: {@code kafka:<agent-id>} or {@code kafka:capability/<capability>}.
     *
     * @throws ValidationException naming the endpoint
     */
    Target target(URI endpoint) {
        ValidationException.require(SCHEME.equalsIgnoreCase(endpoint.getScheme()), "endpoint", "must use the scheme 'kafka'",
                endpoint.toString());
        String name = endpoint.getSchemeSpecificPart();
        while (name.startsWith("/")) {
            name = name.substring(1);
        }
        if (name.startsWith(CAPABILITY_PREFIX)) {
            String capability = AgentDescriptor.requireCapability(name.substring(CAPABILITY_PREFIX.length()), "endpoint capability");
            return new Target(config.capabilityTopic(capability), config.capabilityGroup(capability), true, config.capabilityPartitions());
        }
        String agentId = AgentDescriptor.requireId(name, "endpoint agent id");
        return new Target(config.inboxTopic(agentId), config.inboxGroup(agentId), false, 1);
    }

    /** Where the reply to a task record goes: the sender's instance and reply partition. */
    record ReplyRoute(String instance, Integer partition) {
    }

    static ReplyRoute replyRoute(ConsumerRecord<byte[], byte[]> r) {
        Header instance = r.headers().lastHeader(HEADER_INSTANCE);
        Header partition = r.headers().lastHeader(HEADER_REPLY_PARTITION);
        Integer p = null;
        if (partition != null && partition.value() != null) {
            try {
                p = Integer.parseInt(new String(partition.value(), StandardCharsets.UTF_8).trim());
            } catch (NumberFormatException e) {
                p = null;
            }
        }
        return new ReplyRoute(instance == null || instance.value() == null ? null : new String(instance.value(), StandardCharsets.UTF_8),
                p == null || p < 0 ? null : p);
    }

    /** The reply partition an instance reads out of {@code partitions}: a stable hash of its name. */
    static int replyPartitionOf(String instance, int partitions) {
        return Utils.toPositive(Utils.murmur2(instance.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    private static final class Pending {
        final String taskId;
        final int attempt;
        final CompletableFuture<ResultEnvelope> future;
        final String endpoint;

        Pending(String taskId, int attempt, CompletableFuture<ResultEnvelope> future, String endpoint) {
            this.taskId = taskId;
            this.attempt = attempt;
            this.future = future;
            this.endpoint = endpoint;
        }
    }
}
