package io.agentorchestrator.kafka;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.Transport;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent side of one {@code listen}: a consumer thread that reads the agent's inbox topic (or
 * its capability's topic, as a member of the capability's consumer group), hands tasks to the
 * receiver and commits each offset only once the task's reply is on the broker.
 *
 * <p>Everything about offsets lives on the poll thread; other threads (the handler replying, the
 * producer's callbacks) only hand acknowledgements over through a queue. Concurrency is bounded by
 * pausing the partitions rather than by not polling, so the consumer stays in its group however
 * long tasks run.
 */
final class TaskConsumer implements Transport.Listener {

    private static final Logger log = LoggerFactory.getLogger(TaskConsumer.class);

    private static final int RUNNING = 0;
    private static final int REPLYING = 1;
    private static final int ACKED = 2;
    private static final int ABANDONED = 3;
    private static final int FINISHED = 4;

    private final KafkaTransport transport;
    private final KafkaTransportConfig config;
    private final AgentDescriptor agent;
    private final KafkaTransport.Target target;
    private final Transport.TaskReceiver receiver;
    private final int maxInFlight;
    private final int maxPollRecords;
    private final Thread thread;
    private final AtomicInteger inFlight;
    private final LinkedBlockingQueue<Ack> acks = new LinkedBlockingQueue<>();
    private final CompletableFuture<Void> assigned = new CompletableFuture<>();
    private volatile boolean running = true;
    private volatile boolean crash;
    private volatile int owned;

    // Poll-thread state.
    private final Map<TopicPartition, PartitionState> partitions = new HashMap<>();
    private final ArrayDeque<ConsumerRecord<byte[], byte[]>> backlog = new ArrayDeque<>();
    /** Tasks running here by task id and attempt: a redelivery of one joins it instead of running twice. */
    private final Map<String, Delivery> runningTasks = new HashMap<>();
    /** Tasks answered here lately, at most {@code dedupeCapacity}: their redeliveries are skipped. */
    private final AnsweredTasks answered;
    private Consumer<byte[], byte[]> consumer;
    private boolean paused;

    /**
     * @param inFlight the agent's count of tasks in hand, shared by all consumers of one listen so
     *                 that together they never hand the agent more than its {@code maxConcurrency}
     */
    TaskConsumer(KafkaTransport transport, AgentDescriptor agent, KafkaTransport.Target target, Transport.TaskReceiver receiver,
            AtomicInteger inFlight) {
        this.transport = transport;
        this.inFlight = inFlight;
        this.config = transport.config();
        this.agent = agent;
        this.target = target;
        this.receiver = receiver;
        this.maxInFlight = agent.maxConcurrency();
        this.maxPollRecords = Math.max(1, Math.min(500, maxInFlight));
        // Running ids live apart from answered ones and are never evicted: an id still running
        // must stay to catch its redelivery. Only answered ones count against the capacity.
        this.answered = new AnsweredTasks(config.dedupeCapacity());
        this.thread = new Thread(this::run, "ao-kafka-agent-" + agent.id() + (target.shared() ? "-" + target.topic() : ""));
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Completes once the consumer owns partitions (the inbox at once; a group after its first rebalance). */
    CompletableFuture<Void> assigned() {
        return assigned;
    }

    /** How many partitions this consumer owns right now. */
    int ownedPartitions() {
        return owned;
    }

    /** Tasks handed to the receiver and not yet answered on the broker. */
    int inFlight() {
        return inFlight.get();
    }

    @Override
    public void close() {
        stop(false);
    }

    /**
     * Stops the way a killed process would: nothing more is committed, the consumer does not leave
     * its group (the broker notices after the session timeout) and pending replies are dropped.
     */
    void crash() {
        stop(true);
    }

    private void stop(boolean asCrash) {
        if (!running) {
            return;
        }
        crash = asCrash;
        running = false;
        Consumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (Thread.currentThread() != thread) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(15));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        transport.forget(this);
    }

    boolean isRunning() {
        return running;
    }

    // ------------------------------------------------------------------ poll thread

    private void run() {
        try {
            consumer = transport.newTaskConsumer(target.group(), agent.id(), maxPollRecords);
            if (target.shared()) {
                consumer.subscribe(List.of(target.topic()), new Rebalance());
            } else {
                List<TopicPartition> inbox = new ArrayList<>();
                // A topic created a moment ago may not be in the broker's metadata yet: ask again.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (inbox.isEmpty()) {
                    for (PartitionInfo p : consumer.partitionsFor(target.topic(), Duration.ofSeconds(30))) {
                        inbox.add(new TopicPartition(p.topic(), p.partition()));
                    }
                    if (inbox.isEmpty()) {
                        if (!running || System.nanoTime() - deadline > 0) {
                            throw new org.apache.kafka.common.errors.TimeoutException("topic " + target.topic() + " has no partitions");
                        }
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                    }
                }
                consumer.assign(inbox);
                inbox.forEach(tp -> partitions.put(tp, new PartitionState(tp)));
                inherit(inbox);
                owned = inbox.size();
                // Resolve the committed (or earliest) position now, so that the first task sent
                // after listen() returns is fetched at once.
                for (TopicPartition tp : inbox) {
                    consumer.position(tp, Duration.ofSeconds(30));
                }
                assigned.complete(null);
            }
            boolean troubleLogged = false;
            while (running) {
                applyAcks();
                // Tasks first: the commit is for tasks already answered, and sending it costs the
                // consumer a network round of its own that a waiting task need not sit behind.
                dispatch();
                commit();
                boolean full = inFlight.get() >= maxInFlight || !backlog.isEmpty();
                // Pausing and resuming cost the fetch session a round each time, and a saturated
                // agent would do it for nearly every task: records fetched ahead are cheap to hold,
                // so fetching stops only once a whole poll's worth waits in the backlog.
                if (backlog.size() >= maxPollRecords) {
                    consumer.pause(consumer.assignment());
                    paused = true;
                } else if (paused) {
                    consumer.resume(consumer.paused());
                    paused = false;
                }
                ConsumerRecords<byte[], byte[]> records;
                try {
                    if (full) {
                        // A slot frees when a reply is on the broker, which is also when its ack arrives:
                        // wait for that instead of a poll timeout, or a saturated agent idles up to 20 ms
                        // per round (measured: 64 in flight capped at about 4,500 tasks/s).
                        Ack first = acks.poll(20, TimeUnit.MILLISECONDS);
                        if (first != null) {
                            apply(first);
                        }
                        records = consumer.poll(Duration.ZERO);
                    } else {
                        records = consumer.poll(Duration.ofMillis(200));
                    }
                    troubleLogged = false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                } catch (WakeupException e) {
                    throw e;
                } catch (org.apache.kafka.common.KafkaException e) {
                    // The agent must outlive broker trouble: keep polling, the client reconnects.
                    if (!troubleLogged) {
                        log.warn("Task consumer of agent {} failed to poll, continuing: {}", agent.id(), e.toString());
                        troubleLogged = true;
                    }
                    continue;
                }
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    PartitionState ps = partitions.get(new TopicPartition(r.topic(), r.partition()));
                    if (ps != null && ps.answeredBefore(r.offset())) {
                        transport.countDuplicate();
                        log.debug("Agent {} skips {}@{}: answered by the partition's previous owner", agent.id(), ps.tp, r.offset());
                    } else if (ps != null) {
                        ps.offsets.put(r.offset(), Boolean.FALSE);
                        backlog.add(r);
                    }
                }
            }
        } catch (WakeupException e) {
            // close() woke the poll.
        } catch (RuntimeException e) {
            if (running) {
                log.warn("Task consumer of agent {} on {} stopped: {}", agent.id(), target.topic(), e.toString());
            }
        } finally {
            shutdown();
        }
    }

    private void shutdown() {
        running = false;
        assigned.completeExceptionally(new io.agentorchestrator.api.TransportException(KafkaTransport.SCHEME, target.topic(),
                "Agent '" + agent.id() + "' stopped reading " + target.topic() + " before it was assigned", true, null));
        Consumer<byte[], byte[]> c = consumer;
        if (c == null) {
            return;
        }
        try {
            applyAcks();
            if (!crash) {
                // Replies already handed to the producer are about to land: wait for them (bounded),
                // or their tasks stay uncommitted and the partitions' next owner runs them again.
                awaitAnswers(partitions.values(), false);
            }
            for (PartitionState ps : partitions.values()) {
                abandonLive(ps);
            }
            if (!crash) {
                try {
                    commitSync(partitions.values());
                } catch (WakeupException e) {
                    // close() woke the consumer while it was not polling; a wakeup fires only once.
                    commitSync(partitions.values());
                }
            }
        } catch (RuntimeException e) {
            log.debug("Final commit of agent {} failed", agent.id(), e);
        }
        try {
            c.close(crash
                    ? CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP).withTimeout(Duration.ZERO)
                    : CloseOptions.timeout(Duration.ofSeconds(5)));
        } catch (RuntimeException e) {
            log.debug("Closing the consumer of agent {} failed", agent.id(), e);
        }
        log.debug("Task consumer of agent {} on {} stopped", agent.id(), target.topic());
    }

    private void dispatch() {
        Iterator<ConsumerRecord<byte[], byte[]>> it = backlog.iterator();
        while (it.hasNext() && inFlight.get() < maxInFlight) {
            ConsumerRecord<byte[], byte[]> r = it.next();
            PartitionState ps = partitions.get(new TopicPartition(r.topic(), r.partition()));
            if (ps == null) {
                it.remove();
                continue;
            }
            String orderKey = config.keyOrdering() && r.key() != null ? new String(r.key(), StandardCharsets.UTF_8) : null;
            if (orderKey != null && ps.busyKeys.contains(orderKey)) {
                // A task of the same key is running: this one (and later ones of the key) wait their turn.
                continue;
            }
            if (!reserve()) {
                break;
            }
            it.remove();
            handle(r, ps, orderKey);
        }
    }

    /** Takes one of the agent's slots, atomically: consumers of one listen share them. */
    private boolean reserve() {
        for (;;) {
            int n = inFlight.get();
            if (n >= maxInFlight) {
                return false;
            }
            if (inFlight.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    private void handle(ConsumerRecord<byte[], byte[]> r, PartitionState ps, String orderKey) {
        TaskEnvelope task;
        try {
            task = WireFormat.decodeTask(r.value());
        } catch (WireFormat.MalformedRecordException e) {
            long offset = r.offset();
            inFlight.decrementAndGet();
            transport.deadLetter(r, e.getMessage(), () -> acks.add(new Ack(ps, offset, null, false)));
            return;
        }
        String dedupeKey = task.taskId() + "#" + task.attempt();
        if (answered.contains(dedupeKey)) {
            transport.countDuplicate();
            log.debug("Agent {} skips redelivered task {} (attempt {}): already answered", agent.id(), task.taskId(), task.attempt());
            ps.markDone(r.offset());
            inFlight.decrementAndGet();
            return;
        }
        Delivery prior = runningTasks.get(dedupeKey);
        if (prior != null && prior.ps == ps && ps.live.contains(prior)) {
            transport.countDuplicate();
            prior.duplicates.add(r.offset());
            inFlight.decrementAndGet();
            return;
        }
        Delivery d = new Delivery(ps, r, task, dedupeKey, orderKey, KafkaTransport.replyRoute(r));
        runningTasks.put(dedupeKey, d);
        ps.live.add(d);
        if (orderKey != null) {
            ps.busyKeys.add(orderKey);
        }
        log.debug("Agent {} takes task {} (attempt {}) from {}@{}", agent.id(), task.taskId(), task.attempt(), ps.tp, r.offset());
        try {
            receiver.onTask(task, d::reply);
        } catch (RuntimeException e) {
            log.warn("Receiver of agent {} threw on task {}", agent.id(), task.taskId(), e);
            d.reply(ResultEnvelope.failure(task.taskId(), agent.id(), ResultEnvelope.AGENT_STOPPING,
                    "Agent '" + agent.id() + "' could not take the task: " + e, true));
        }
    }

    private void applyAcks() {
        Ack a;
        while ((a = acks.poll()) != null) {
            apply(a);
        }
    }

    private void apply(Ack a) {
        PartitionState ps = a.ps;
        if (partitions.get(ps.tp) != ps) {
            return; // the partition moved on since: its new owner redelivers what was not committed
        }
        Delivery d = a.delivery;
        if (a.requeue) {
            // The agent had no slot after all: offer the task again once one frees up.
            ps.live.remove(d);
            runningTasks.remove(d.dedupeKey, d);
            if (d.orderKey != null) {
                ps.busyKeys.remove(d.orderKey);
            }
            backlog.addFirst(d.record);
            return;
        }
        ps.markDone(a.offset);
        if (d != null) {
            ps.live.remove(d);
            for (long dup : d.duplicates) {
                ps.markDone(dup);
            }
            runningTasks.remove(d.dedupeKey, d);
            answered.add(d.dedupeKey);
            if (d.orderKey != null) {
                ps.busyKeys.remove(d.orderKey);
            }
        }
    }

    private void commit() {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        List<PartitionState> states = new ArrayList<>();
        for (PartitionState ps : partitions.values()) {
            if (ps.commitInFlight || !ps.changed) {
                continue;
            }
            // Cleared before the commit is sent: what settles meanwhile makes it news again.
            ps.changed = false;
            OffsetAndMetadata c = ps.toCommit();
            if (c != null) {
                offsets.put(ps.tp, c);
                ps.commitInFlight = true;
                states.add(ps);
            }
        }
        if (offsets.isEmpty()) {
            return;
        }
        consumer.commitAsync(offsets, (done, error) -> {
            for (PartitionState ps : states) {
                ps.commitInFlight = false;
                if (error == null) {
                    ps.committed(offsets.get(ps.tp));
                } else {
                    ps.changed = true; // try again on the next round
                }
            }
            if (error != null) {
                log.debug("Agent {} could not commit offsets, will retry: {}", agent.id(), error.toString());
            }
        });
    }

    private void commitSync(Collection<PartitionState> states) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (PartitionState ps : states) {
            OffsetAndMetadata c = ps.toCommit();
            if (c != null) {
                offsets.put(ps.tp, c);
            }
        }
        if (offsets.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(offsets, Duration.ofSeconds(5));
            for (PartitionState ps : states) {
                OffsetAndMetadata c = offsets.get(ps.tp);
                if (c != null) {
                    ps.committed(c);
                }
            }
        } catch (WakeupException e) {
            // Closing: the commit is retried once more in shutdown, then whatever is left is redelivered.
            throw e;
        } catch (RuntimeException e) {
            log.warn("Agent {} could not commit offsets of {}: {} (those tasks will be redelivered)", agent.id(), offsets.keySet(),
                    e.toString());
        }
    }

    /**
     * Marks running tasks of {@code ps} abandoned: their replies are dropped, the partition's next
     * owner runs them. None of its tasks stays in the memory of running ones, whatever its state:
     * the partition's acknowledgements are ignored from now on, so nothing would remove it.
     */
    private void abandonLive(PartitionState ps) {
        for (Delivery d : ps.live) {
            d.state.compareAndSet(RUNNING, ABANDONED);
            runningTasks.remove(d.dedupeKey, d);
        }
    }

    /**
     * Applies acknowledgements until no task of {@code states} waits for its reply (and, with
     * {@code includeRunning}, none is still running), or {@code revokeGrace} has passed.
     */
    private void awaitAnswers(Collection<PartitionState> states, boolean includeRunning) {
        long deadline = System.nanoTime() + config.revokeGrace().toNanos();
        try {
            applyAcks();
            while (hasUnanswered(states, includeRunning)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                Ack a = acks.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)), TimeUnit.NANOSECONDS);
                if (a != null) {
                    apply(a);
                }
                applyAcks();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean hasUnanswered(Collection<PartitionState> states, boolean includeRunning) {
        for (PartitionState ps : states) {
            for (Delivery d : ps.live) {
                int s = d.state.get();
                if (s == REPLYING || (includeRunning && s == RUNNING)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Reads what the previous owners of {@code parts} committed: offsets they answered beyond
     * their committed position are skipped here instead of run a second time.
     */
    private void inherit(Collection<TopicPartition> parts) {
        Map<TopicPartition, OffsetAndMetadata> committed;
        try {
            committed = consumer.committed(new HashSet<>(parts), Duration.ofSeconds(5));
        } catch (WakeupException e) {
            throw e;
        } catch (RuntimeException e) {
            log.warn("Agent {} could not read the committed offsets of {} ({}); tasks answered by their previous owner may run again",
                    agent.id(), parts, e.toString());
            return;
        }
        for (Map.Entry<TopicPartition, OffsetAndMetadata> e : committed.entrySet()) {
            PartitionState ps = partitions.get(e.getKey());
            OffsetAndMetadata c = e.getValue();
            if (ps != null && c != null) {
                ps.committed(c);
                ps.doneAhead.addAll(DoneOffsets.decode(c.offset(), c.metadata()));
            }
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> parts) {
            for (TopicPartition tp : parts) {
                partitions.put(tp, new PartitionState(tp));
            }
            inherit(parts);
            owned = partitions.size();
            log.debug("Agent {} got partitions {}", agent.id(), parts);
            if (!partitions.isEmpty()) {
                assigned.complete(null);
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> parts) {
            List<PartitionState> states = new ArrayList<>();
            for (TopicPartition tp : parts) {
                PartitionState ps = partitions.get(tp);
                if (ps != null) {
                    states.add(ps);
                }
            }
            // Records fetched but not started are dropped uncommitted: the next owner runs them.
            backlog.removeIf(r -> parts.contains(new TopicPartition(r.topic(), r.partition())));
            // Give running tasks of these partitions a bounded chance to answer, so that they are
            // committed here rather than run again by the partitions' next owner. When the consumer
            // is closing, shutdown() has already waited for what can still be answered.
            if (running) {
                awaitAnswers(states, true);
            }
            for (PartitionState ps : states) {
                abandonLive(ps);
            }
            if (!crash) {
                commitSync(states);
            }
            parts.forEach(partitions::remove);
            owned = partitions.size();
            log.debug("Agent {} gave up partitions {}", agent.id(), parts);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> parts) {
            for (TopicPartition tp : parts) {
                PartitionState ps = partitions.remove(tp);
                if (ps != null) {
                    abandonLive(ps);
                }
            }
            backlog.removeIf(r -> parts.contains(new TopicPartition(r.topic(), r.partition())));
            owned = partitions.size();
            log.info("Agent {} lost partitions {}; their unanswered tasks go to the next owner", agent.id(), parts);
        }
    }

    // ------------------------------------------------------------------ state

    /** Offsets of one owned partition: polled ones, which are done, and the next one to commit. */
    static final class PartitionState {
        final TopicPartition tp;
        final TreeMap<Long, Boolean> offsets = new TreeMap<>();
        final Set<Delivery> live = new HashSet<>();
        final Set<String> busyKeys = new HashSet<>();
        /** Offsets not polled yet that the previous owner answered (from its commit's metadata). */
        final TreeSet<Long> doneAhead = new TreeSet<>();
        long commitPosition = -1;
        long committed = -1;
        String committedNote = "";
        boolean commitInFlight;
        /** Whether something settled since the last commit was sent: only then is a new one worth computing. */
        boolean changed;

        PartitionState(TopicPartition tp) {
            this.tp = tp;
        }

        void markDone(long offset) {
            changed = true;
            if (offsets.containsKey(offset)) {
                offsets.put(offset, Boolean.TRUE);
            }
            Map.Entry<Long, Boolean> first;
            while ((first = offsets.firstEntry()) != null && first.getValue()) {
                offsets.pollFirstEntry();
                commitPosition = first.getKey() + 1;
            }
            doneAhead.headSet(commitPosition).clear();
        }

        /** Whether a polled record was answered by the previous owner; if so it counts as done here. */
        boolean answeredBefore(long offset) {
            if (!doneAhead.remove(offset)) {
                return false;
            }
            offsets.put(offset, Boolean.FALSE);
            markDone(offset);
            return true;
        }

        /**
         * What to commit: the first polled offset not answered yet (or past the last answered one),
         * with the answered offsets above it as metadata; null when there is nothing new.
         */
        OffsetAndMetadata toCommit() {
            long position = offsets.isEmpty() ? commitPosition : offsets.firstKey();
            if (position < 0 || position < committed) {
                return null;
            }
            TreeSet<Long> done = new TreeSet<>(doneAhead);
            for (Map.Entry<Long, Boolean> e : offsets.entrySet()) {
                if (e.getValue()) {
                    done.add(e.getKey());
                }
            }
            String note = DoneOffsets.encode(position, done);
            if (position == committed && note.equals(committedNote)) {
                return null;
            }
            return new OffsetAndMetadata(position, note);
        }

        void committed(OffsetAndMetadata c) {
            if (c.offset() >= committed) {
                committed = c.offset();
                committedNote = c.metadata() == null ? "" : c.metadata();
            }
        }
    }

    /** Something settled an offset: a reply is on the broker, or a bad record is dead-lettered. */
    private record Ack(PartitionState ps, long offset, Delivery delivery, boolean requeue) {
    }

    /** One task handed to the receiver. */
    final class Delivery {
        final PartitionState ps;
        final ConsumerRecord<byte[], byte[]> record;
        final long offset;
        final TaskEnvelope task;
        final String dedupeKey;
        final String orderKey;
        final KafkaTransport.ReplyRoute route;
        final List<Long> duplicates = new ArrayList<>();
        final AtomicInteger state = new AtomicInteger(RUNNING);

        Delivery(PartitionState ps, ConsumerRecord<byte[], byte[]> record, TaskEnvelope task, String dedupeKey, String orderKey,
                KafkaTransport.ReplyRoute route) {
            this.ps = ps;
            this.record = record;
            this.offset = record.offset();
            this.task = task;
            this.dedupeKey = dedupeKey;
            this.orderKey = orderKey;
            this.route = route;
        }

        void reply(ResultEnvelope result) {
            if (target.shared() && !result.success() && ResultEnvelope.AGENT_BUSY.equals(result.errorCode())) {
                // On a capability topic, bouncing the task to the orchestrator would only send it
                // back to the topic: keep it here and offer it again when a slot frees up.
                if (state.compareAndSet(RUNNING, FINISHED)) {
                    inFlight.decrementAndGet();
                    acks.add(new Ack(ps, offset, this, true));
                }
                return;
            }
            if (target.shared() && !result.success() && ResultEnvelope.AGENT_STOPPING.equals(result.errorCode())) {
                // On a capability topic the group itself is the way to another agent: leave the
                // task uncommitted so the broker hands it to the partition's next owner.
                if (state.compareAndSet(RUNNING, ABANDONED) && state.compareAndSet(ABANDONED, FINISHED)) {
                    inFlight.decrementAndGet();
                }
                return;
            }
            if (state.compareAndSet(RUNNING, REPLYING)) {
                transport.sendReply(this, result, TaskConsumer.this);
            } else if (state.compareAndSet(ABANDONED, FINISHED)) {
                inFlight.decrementAndGet();
            }
        }

        /** Called by the producer's thread once the reply is on the broker. */
        void replied() {
            if (state.compareAndSet(REPLYING, ACKED)) {
                inFlight.decrementAndGet();
                acks.add(new Ack(ps, offset, this, false));
            }
        }

        /** Whether a failed reply is still worth sending again. */
        boolean wanted() {
            return running && state.get() == REPLYING;
        }

        /** Gives up on a reply that cannot be sent: the task stays uncommitted. */
        void giveUp() {
            if (state.compareAndSet(REPLYING, FINISHED)) {
                inFlight.decrementAndGet();
            }
        }
    }
}
