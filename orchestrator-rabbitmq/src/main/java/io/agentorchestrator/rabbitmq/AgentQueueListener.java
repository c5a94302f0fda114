package io.agentorchestrator.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.Transport;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes one agent's queue (or a capability's shared queue) on its own channel and hands the
 * tasks to the agent's receiver.
 *
 * <p>Deliveries are acknowledged only once the reply is confirmed by the broker, so a crash
 * before that makes the broker deliver the task again. A delivery of a task (same id and
 * attempt) that is still running here is attached to the running one; one already answered here
 * is answered again from memory; neither runs the handler twice. A redelivered task that is new
 * here is published again with its delivery count raised (classic queues keep no count) and
 * acknowledged, and dead-lettered once the count passes the delivery limit.
 *
 * <p>Running tasks are kept in a plain map, never evicted (their deliveries must be acked with
 * their answer, and there are at most prefetch = max concurrency of them). Answered tasks are
 * remembered in {@link AnsweredTasks}, bounded by weight: an answer weighs its result payload
 * bytes plus {@link #ENTRY_COST} = {@link #REMEMBERED_BYTES} / {@link #REMEMBERED_TASKS}, and the
 * maximum weight is {@link #REMEMBERED_BYTES}: hence at most {@link #REMEMBERED_TASKS} answers
 * (each weighs at least {@link #ENTRY_COST}) and at most {@link #REMEMBERED_BYTES} of result
 * payloads are kept; a mix of both shares the one budget, and the oldest answers go first. An
 * answered task stays in the running map, with its answer, until it is remembered, so a duplicate
 * delivery always finds it in one of them. It is remembered after its reply is published, so the
 * reply does not wait for the eviction of older answers.
 */
final class AgentQueueListener extends DefaultConsumer implements Transport.Listener {

    private static final Logger log = LoggerFactory.getLogger(AgentQueueListener.class);
    /** Most answered tasks remembered for duplicate suppression. */
    static final int REMEMBERED_TASKS = 10_000;
    /** Most bytes of remembered results (with {@link #ENTRY_COST} each): past this, the oldest answers are forgotten. */
    static final long REMEMBERED_BYTES = 32L * 1024 * 1024;
    /** Weight of an answered task on top of its payload bytes: its share of the task limit. */
    static final long ENTRY_COST = REMEMBERED_BYTES / REMEMBERED_TASKS;

    private final RabbitMqTransport transport;
    private final AgentDescriptor agent;
    private final RabbitMqTransport.Route route;
    private final Transport.TaskReceiver receiver;
    private final ConfirmingPublisher publisher;
    private final AtomicBoolean warnedNoReplyTo = new AtomicBoolean();
    private final AtomicBoolean cancelled = new AtomicBoolean();
    /** Running tasks by id and attempt. Guarded by {@link #lock}. */
    private final Map<String, Entry> running = new HashMap<>();
    /** Answers by task id and attempt. Guarded by {@link #lock} (together with {@link #running}). */
    private final AnsweredTasks answered = new AnsweredTasks(REMEMBERED_BYTES, ENTRY_COST);
    /** Guards {@link #running}, the fields of its entries, and moves from it to {@link #answered}. */
    private final Object lock = new Object();
    /** Notified, once closing, when the last reply in flight settles. */
    private final Object replies = new Object();
    private final AtomicInteger repliesInFlight = new AtomicInteger();
    private volatile boolean closing;
    private volatile boolean closed;

    AgentQueueListener(RabbitMqTransport transport, AgentDescriptor agent, RabbitMqTransport.Route route, Transport.TaskReceiver receiver,
            ConfirmingPublisher publisher) {
        super(publisher.channel());
        this.transport = transport;
        this.agent = agent;
        this.route = route;
        this.receiver = receiver;
        this.publisher = publisher;
    }

    /** One running task (id and attempt). Guarded by {@code lock}. */
    private static final class Entry {
        final List<Long> tags = new ArrayList<>(1);
        final String replyTo;
        /** The message as delivered, kept only while running (to hand it back); null once answered. */
        AMQP.BasicProperties props;
        byte[] body;
        boolean done;
        /** Set when answered; the entry stays in running until the answer is remembered. */
        ResultEnvelope result;

        Entry(long tag, String replyTo, AMQP.BasicProperties props, byte[] body) {
            tags.add(tag);
            this.replyTo = replyTo;
            this.props = props;
            this.body = body;
        }
    }

    @Override
    public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties props, byte[] body) {
        long tag = envelope.getDeliveryTag();
        // First: no ack may cover this delivery until it is settled, even if it is dropped here.
        publisher.delivered(tag);
        if (closed) {
            return; // the channel is closing: the broker requeues it
        }
        if (envelope.isRedeliver()) {
            transport.redeliveries.increment();
        }
        TaskEnvelope task;
        try {
            task = WireFormat.decodeTask(body);
        } catch (WireFormat.MalformedMessageException e) {
            deadLetter(tag, props, body, "malformed", e.getMessage());
            return;
        }
        String key = task.taskId() + "#" + task.attempt();
        String replyTo = props.getReplyTo() != null ? props.getReplyTo() : task.replyTo();
        ResultEnvelope answer;
        synchronized (lock) {
            Entry entry = running.get(key);
            if (entry != null && !entry.done) {
                entry.tags.add(tag);
                transport.duplicatesSuppressed.increment();
                log.debug("Task {} attempt {} delivered again while running on agent {}; will ack both", task.taskId(), task.attempt(), agent.id());
                return;
            }
            // Under the lock: a task is in the cache before it leaves running.
            answer = entry != null ? entry.result : answered.get(key);
        }
        if (answer != null) {
            transport.duplicatesSuppressed.increment();
            log.debug("Task {} attempt {} delivered again after agent {} answered it; answering again", task.taskId(), task.attempt(), agent.id());
            sendReply(answer, replyTo, List.of(tag));
            return;
        }
        if (envelope.isRedeliver()) {
            redelivered(tag, props, body, task);
            return;
        }
        Entry fresh = new Entry(tag, replyTo, props, body);
        synchronized (lock) {
            running.put(key, fresh);
        }
        try {
            receiver.onTask(task, result -> replied(key, fresh, result.withAttempt(task.attempt())));
        } catch (RuntimeException e) {
            log.warn("Receiver of agent {} threw on task {}", agent.id(), task.taskId(), e);
            replied(key, fresh, ResultEnvelope.failure(task.taskId(), agent.id(), "receiver-error",
                    "The agent's receiver threw " + e.getClass().getSimpleName(), true).withAttempt(task.attempt()));
        }
    }

    /** A task the broker delivered before, to an agent that did not acknowledge it (crashed or cut off). */
    private void redelivered(long tag, AMQP.BasicProperties props, byte[] body, TaskEnvelope task) {
        int deliveries = deliveryCount(props) + 1;
        int limit = transport.settings().deliveryLimit();
        if (deliveries > limit) {
            deadLetter(tag, props, body, "delivery-limit", "task " + task.taskId() + " was delivered " + deliveries
                    + " times, more than deliveryLimit " + limit);
            return;
        }
        Map<String, Object> headers = new HashMap<>();
        if (props.getHeaders() != null) {
            headers.putAll(props.getHeaders());
        }
        headers.put(RabbitMqTransport.DELIVERY_COUNT_HEADER, deliveries);
        AMQP.BasicProperties counted = props.builder().headers(headers).build();
        // Back into the same queue with the count, then ack this copy: the count survives the next crash.
        publisher.publish("", route.queue, true, counted, body).whenComplete((ok, e) -> {
            if (e == null) {
                publisher.ack(tag);
            } else {
                log.debug("Could not requeue redelivered task {} with its count ({}); the broker will redeliver it", task.taskId(), e.getMessage());
            }
        });
    }

    static int deliveryCount(AMQP.BasicProperties props) {
        Map<String, Object> headers = props.getHeaders();
        Object count = headers == null ? null : headers.get(RabbitMqTransport.DELIVERY_COUNT_HEADER);
        if (count instanceof Number) {
            return Math.max(1, ((Number) count).intValue());
        }
        if (count != null) {
            try {
                return Math.max(1, Integer.parseInt(count.toString().trim()));
            } catch (NumberFormatException ignored) {
                return 1;
            }
        }
        return 1;
    }

    private void deadLetter(long tag, AMQP.BasicProperties props, byte[] body, String reason, String detail) {
        transport.deadLetter(publisher, route.queue, props, body, reason, detail).whenComplete((ok, e) -> {
            if (e == null) {
                publisher.ack(tag);
            } else {
                // The queue's own dead-letter exchange takes it, without our reason headers.
                publisher.nack(tag, false);
            }
        });
    }

    private void replied(String key, Entry entry, ResultEnvelope result) {
        List<Long> tags;
        boolean giveBack;
        AMQP.BasicProperties props;
        byte[] body;
        synchronized (lock) {
            if (entry.done) {
                return;
            }
            entry.done = true;
            tags = List.copyOf(entry.tags);
            entry.tags.clear();
            props = entry.props;
            body = entry.body;
            entry.props = null;
            entry.body = null;
            if (closed) {
                // The channel is closed and the broker has put the task back; whoever takes it answers it.
                running.remove(key, entry);
                log.debug("Agent {} answered task {} after its listener closed; the task was requeued", agent.id(), result.taskId());
                return;
            }
            giveBack = route.shared && !result.success()
                    && (ResultEnvelope.AGENT_STOPPING.equals(result.errorCode()) || ResultEnvelope.AGENT_BUSY.equals(result.errorCode()));
            if (giveBack) {
                running.remove(key, entry);
            } else {
                // A delivery of it from now on is answered again with this result.
                entry.result = result;
            }
        }
        if (!giveBack) {
            sendReply(result, entry.replyTo, tags);
            // After the reply is on its way: evicting older answers need not delay it.
            synchronized (lock) {
                answered.put(key, result);
                running.remove(key, entry);
            }
            return;
        }
        // On a shared queue another agent of the capability can take it: give it back rather than
        // fail it, and take no more if this agent is stopping.
        giveBack(props, body, tags);
        if (ResultEnvelope.AGENT_STOPPING.equals(result.errorCode())) {
            stopConsuming();
        }
    }

    /** Weight of the answers remembered now (payload bytes plus {@link #ENTRY_COST} each); for tests. */
    long rememberedWeight() {
        synchronized (lock) {
            return answered.weight();
        }
    }

    /**
     * Puts a task back at the tail of its queue, unchanged (not a nack: a requeued message comes
     * back marked redelivered, and an agent that merely stopped must not count as a delivery).
     */
    private void giveBack(AMQP.BasicProperties props, byte[] body, List<Long> tags) {
        publisher.publish("", route.queue, true, props, body).whenComplete((ok, e) -> {
            for (long tag : tags) {
                if (e == null) {
                    publisher.ack(tag);
                } else {
                    publisher.nack(tag, true);
                }
            }
        });
    }

    private void stopConsuming() {
        if (!cancelled.compareAndSet(false, true)) {
            return;
        }
        try {
            transport.scheduler().execute(() -> {
                try {
                    getChannel().basicCancel(getConsumerTag());
                } catch (Exception e) {
                    log.debug("Cancelling consumer of {} failed: {}", route.queue, e.getMessage());
                }
            });
        } catch (RuntimeException e) {
            log.debug("Consumer of {} not cancelled: {}", route.queue, e.getMessage());
        }
    }

    @Override
    public void handleCancel(String consumerTag) {
        if (!closed) {
            log.warn("The broker cancelled agent {}'s consumer of queue '{}' (queue deleted?); it receives no more tasks there",
                    agent.id(), route.queue);
        }
    }

    @Override
    public void handleShutdownSignal(String consumerTag, com.rabbitmq.client.ShutdownSignalException sig) {
        if (!closed && !sig.isHardError() && !sig.isInitiatedByApplication()) {
            // A channel-level error is not recovered (only connection failures are): say so loudly.
            log.warn("The broker closed agent {}'s channel on queue '{}' ({}); it receives no more tasks there", agent.id(), route.queue,
                    sig.getMessage());
        }
    }

    private void sendReply(ResultEnvelope result, String replyTo, List<Long> tags) {
        if (replyTo == null || replyTo.isEmpty()) {
            if (warnedNoReplyTo.compareAndSet(false, true)) {
                log.warn("Task {} for agent {} has no reply_to; its result is dropped (further ones at DEBUG)", result.taskId(), agent.id());
            }
            tags.forEach(publisher::ack);
            return;
        }
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                .contentType(RabbitMqTransport.CONTENT_TYPE)
                .correlationId(result.taskId())
                .type("result")
                .deliveryMode(1)
                .build();
        repliesInFlight.incrementAndGet();
        publisher.publish("", replyTo, false, props, WireFormat.encodeResult(result)).whenComplete((ok, e) -> {
            try {
                if (e == null) {
                    tags.forEach(publisher::ack);
                } else {
                    log.debug("Reply to task {} not confirmed ({}); the task will be redelivered and answered again", result.taskId(),
                            e.getMessage());
                }
            } finally {
                if (repliesInFlight.decrementAndGet() == 0 && closing) {
                    synchronized (replies) {
                        replies.notifyAll();
                    }
                }
            }
        });
    }

    /** Stops consuming. Replies still being confirmed get a short while; unacknowledged tasks go back to the queue. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        long deadline = System.nanoTime() + transport.settings().confirmTimeout().toNanos();
        closing = true;
        synchronized (replies) {
            long left;
            while (repliesInFlight.get() > 0 && (left = deadline - System.nanoTime()) > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(replies, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        synchronized (lock) {
            closed = true;
        }
        transport.removed(this);
        RabbitMqTransport.closeQuietly(getChannel());
        log.debug("Agent {} stopped consuming {}", agent.id(), route.queue);
    }
}
