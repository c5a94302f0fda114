package io.agentorchestrator.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.ReturnListener;
import com.rabbitmq.client.ShutdownListener;
import com.rabbitmq.client.ShutdownSignalException;
import io.agentorchestrator.api.Ticker;
import io.agentorchestrator.api.TransportException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One channel in publisher-confirm mode: each publish returns a future that completes when the
 * broker has taken responsibility for the message (confirmed), and fails with a
 * {@link TransportException} when the broker refuses it (after {@code retries} republishes), when
 * it is unroutable (mandatory publishes), when the channel closes first, or when no confirm comes
 * within the timeout.
 *
 * <p>Publishes, acks and nacks on the channel go through here, run one at a time by a
 * {@link ChannelWriter}, because an AMQP channel must not interleave frames of concurrent
 * publishes; a caller never waits for another's write. Confirms arrive on the
 * connection's I/O thread; failures are completed on the transport's scheduler so that whatever
 * the caller chains (a retry that publishes again) never blocks that thread.
 *
 * <p>Confirm timeouts are not one scheduled timer per message (a lock on the timer's queue and
 * a wake-up of the timer thread per publish, on every side of every task): publishes wait in a
 * queue in the order of their deadlines (one timeout for all, so publish order), and one check,
 * scheduled only while something is waiting, fails those past their deadline and forgets the
 * settled ones at the head.
 *
 * <p>A consumer on this channel may report its deliveries ({@link #delivered(long)}); then the
 * acks asked for while one broker confirm is being handled (the tasks whose replies it
 * confirmed) go out together, as one {@code multiple} ack for the run of them that starts at
 * the oldest delivery not settled yet, and singly for the rest. A delivery not reported, or
 * reported and not acked, is never covered by a {@code multiple} ack.
 */
final class ConfirmingPublisher implements ConfirmListener, ReturnListener, ShutdownListener {

    private static final Logger log = LoggerFactory.getLogger(ConfirmingPublisher.class);
    /**
     * Longest pause between two checks while publishes wait: confirmed publishes behind an
     * unconfirmed one are forgotten only when the check passes them, so this bounds how many pile up.
     */
    static final long CHECK_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final Channel channel;
    private final ScheduledExecutorService scheduler;
    private final Duration confirmTimeout;
    private final long confirmTimeoutNanos;
    private final Ticker ticker;
    private final int retries;
    private final String address;
    private final ConcurrentNavigableMap<Long, Outstanding> outstanding = new ConcurrentSkipListMap<>();
    private final ChannelWriter writer = new ChannelWriter();
    /** Every publish not yet forgotten, oldest (so earliest deadline) first; read only by the check. */
    private final Queue<Outstanding> byDeadline = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean checkScheduled = new AtomicBoolean();
    /** Deliveries reported by the consumer and not yet acked or nacked. Removed from only by writes. */
    private final ConcurrentSkipListSet<Long> unsettled = new ConcurrentSkipListSet<>();
    /** The thread handling a broker confirm right now, if any; its acks are collected in {@link #confirmedAcks}. */
    private volatile Thread confirming;
    /** Acks asked for by {@link #confirming} during the confirm; only that thread touches it. */
    private final List<Long> confirmedAcks = new ArrayList<>();

    ConfirmingPublisher(Channel channel, ScheduledExecutorService scheduler, Duration confirmTimeout, int retries, String address)
            throws IOException {
        this(channel, scheduler, confirmTimeout, retries, address, Ticker.system());
    }

    /** With the ticker deadlines are measured by; the checks themselves run on {@code scheduler}. */
    ConfirmingPublisher(Channel channel, ScheduledExecutorService scheduler, Duration confirmTimeout, int retries, String address,
            Ticker ticker) throws IOException {
        this.channel = channel;
        this.scheduler = scheduler;
        this.confirmTimeout = confirmTimeout;
        this.confirmTimeoutNanos = confirmTimeout.toNanos();
        this.ticker = ticker;
        this.retries = retries;
        this.address = address;
        channel.confirmSelect();
        channel.addConfirmListener(this);
        channel.addReturnListener(this);
        channel.addShutdownListener(this);
    }

    Channel channel() {
        return channel;
    }

    /** Messages published and not yet confirmed, refused or timed out. */
    int outstanding() {
        return outstanding.size();
    }

    /**
     * Publishes and returns a future of the broker's confirm. Never throws: every failure is in
     * the future.
     */
    CompletableFuture<Void> publish(String exchange, String routingKey, boolean mandatory, AMQP.BasicProperties props, byte[] body) {
        Outstanding o = new Outstanding(exchange, routingKey, mandatory, props, body, retries, ticker.read() + confirmTimeoutNanos);
        byDeadline.add(o);
        // Added before this: a check that is just ending sees it and schedules the next one.
        if (checkScheduled.compareAndSet(false, true) && !scheduleCheck(confirmTimeoutNanos)) {
            o.future.completeExceptionally(new TransportException(RabbitMqTransport.SCHEME, address, "The amqp transport is closed", false,
                    null));
            return o.future;
        }
        send(o);
        return o.future;
    }

    private boolean scheduleCheck(long delayNanos) {
        try {
            scheduler.schedule(this::checkDeadlines, Math.min(delayNanos, CHECK_PERIOD_NANOS), TimeUnit.NANOSECONDS);
            return true;
        } catch (RejectedExecutionException closing) {
            checkScheduled.set(false);
            return false;
        }
    }

    /** Fails the publishes past their deadline, forgets the settled ones at the head, and comes back while any wait. */
    void checkDeadlines() {
        long now = ticker.read();
        Outstanding o;
        // Only this check takes from the queue, and one runs at a time: what peek sees, poll takes.
        while ((o = byDeadline.peek()) != null) {
            if (!o.future.isDone()) {
                if (o.deadline - now > 0) {
                    break;
                }
                timedOut(o);
            }
            byDeadline.poll();
        }
        checkScheduled.set(false);
        Outstanding head = byDeadline.peek();
        if (head != null && checkScheduled.compareAndSet(false, true)) {
            scheduleCheck(Math.max(TimeUnit.MILLISECONDS.toNanos(1), head.deadline - now));
        }
    }

    private void send(Outstanding o) {
        if (!o.future.isDone()) {
            writer.submit(() -> write(o));
        }
    }

    private void write(Outstanding o) {
        if (o.future.isDone()) {
            return;
        }
        long seq = channel.getNextPublishSeqNo();
        o.seq = seq;
        outstanding.put(seq, o);
        try {
            channel.basicPublish(o.exchange, o.routingKey, o.mandatory, o.props, o.body);
        } catch (IOException | ShutdownSignalException | IllegalStateException e) {
            outstanding.remove(seq, o);
            fail(o, new TransportException(RabbitMqTransport.SCHEME, address, "Could not publish to exchange '" + o.exchange
                    + "' with routing key '" + o.routingKey + "': the broker connection is down (" + e.getMessage() + ")", true, e));
        }
    }

    /**
     * Records a delivery of this channel's consumer, before anything else is done with it, so that
     * acks can be merged up to it once it is settled. Call it for every delivery or for none.
     */
    void delivered(long deliveryTag) {
        unsettled.add(deliveryTag);
    }

    /** Acknowledges a delivery on this channel; a lost connection makes the broker redeliver it instead. */
    void ack(long deliveryTag) {
        if (Thread.currentThread() == confirming) {
            confirmedAcks.add(deliveryTag);
            return;
        }
        writer.submit(() -> {
            unsettled.remove(deliveryTag);
            sendAck(deliveryTag, false);
        });
    }

    private void sendAck(long deliveryTag, boolean multiple) {
        try {
            channel.basicAck(deliveryTag, multiple);
        } catch (IOException | ShutdownSignalException | IllegalStateException e) {
            log.debug("Ack of delivery {} not sent ({}); the broker will redeliver", deliveryTag, e.getMessage());
        }
    }

    /** Sends the acks collected during one confirm: a {@code multiple} one for the oldest run, single ones for the rest. */
    private void ackCollected() {
        if (confirmedAcks.isEmpty()) {
            return;
        }
        long[] tags = new long[confirmedAcks.size()];
        for (int i = 0; i < tags.length; i++) {
            tags[i] = confirmedAcks.get(i);
        }
        confirmedAcks.clear();
        Arrays.sort(tags);
        writer.submit(() -> {
            // In the writer: no other ack or nack changes what is unsettled meanwhile, and a
            // delivery reported meanwhile is newer than every tag here, so it ends the run.
            int run = 0;
            Iterator<Long> oldest = unsettled.iterator();
            while (run < tags.length && oldest.hasNext() && oldest.next() == tags[run]) {
                run++;
            }
            if (run > 0) {
                for (int i = 0; i < run; i++) {
                    unsettled.remove(tags[i]);
                }
                sendAck(tags[run - 1], run > 1);
            }
            for (int i = run; i < tags.length; i++) {
                if (i > run && tags[i] == tags[i - 1]) {
                    continue;
                }
                unsettled.remove(tags[i]);
                sendAck(tags[i], false);
            }
        });
    }

    /** Gives a delivery back to its queue ({@code requeue}) or to its dead-letter exchange. */
    void nack(long deliveryTag, boolean requeue) {
        writer.submit(() -> {
            unsettled.remove(deliveryTag);
            try {
                channel.basicNack(deliveryTag, false, requeue);
            } catch (IOException | ShutdownSignalException | IllegalStateException e) {
                log.debug("Nack of delivery {} not sent ({}); the broker will redeliver", deliveryTag, e.getMessage());
            }
        });
    }

    @Override
    public void handleAck(long seq, boolean multiple) {
        // Confirms arrive on the connection's one I/O thread, one at a time.
        confirming = Thread.currentThread();
        try {
            for (Outstanding o : take(seq, multiple)) {
                if (o.returnedBecause != null) {
                    fail(o, new UnroutableException(address, "The broker could not route the message to exchange '"
                            + o.exchange + "' with routing key '" + o.routingKey + "': " + o.returnedBecause));
                } else {
                    // Confirmed and never sent again: the body need not wait for the check to pass it.
                    o.body = null;
                    o.future.complete(null);
                }
            }
        } finally {
            confirming = null;
            ackCollected();
        }
    }

    @Override
    public void handleNack(long seq, boolean multiple) {
        for (Outstanding o : take(seq, multiple)) {
            if (o.retriesLeft-- > 0) {
                log.debug("Broker nacked a publish to '{}' / '{}'; publishing again ({} retries left)", o.exchange, o.routingKey, o.retriesLeft);
                try {
                    scheduler.execute(() -> send(o));
                } catch (RejectedExecutionException closing) {
                    o.future.completeExceptionally(new TransportException(RabbitMqTransport.SCHEME, address, "The amqp transport is closed",
                            false, closing));
                }
            } else {
                fail(o, new TransportException(RabbitMqTransport.SCHEME, address, "The broker refused (nacked) the message to exchange '"
                        + o.exchange + "' with routing key '" + o.routingKey + "' " + (retries + 1) + " time(s)", true, null));
            }
        }
    }

    @Override
    public void handleReturn(int replyCode, String replyText, String exchange, String routingKey, AMQP.BasicProperties props,
            byte[] body) {
        // A return precedes the confirm of the same message on this channel.
        String id = props.getMessageId();
        for (Outstanding o : outstanding.values()) {
            if (o.exchange.equals(exchange) && o.routingKey.equals(routingKey) && Objects.equals(o.props.getMessageId(), id)) {
                o.returnedBecause = replyCode + " " + replyText;
                return;
            }
        }
    }

    @Override
    public void shutdownCompleted(ShutdownSignalException cause) {
        // The broker has taken back every delivery not acked; their tags are void (the client
        // drops acks of them after recovery), so they must not keep later acks from merging.
        unsettled.clear();
        // Sequence numbers start again after recovery: nothing outstanding can be confirmed any more.
        for (Long seq : outstanding.keySet()) {
            Outstanding o = outstanding.remove(seq);
            if (o != null) {
                fail(o, new TransportException(RabbitMqTransport.SCHEME, address, "The channel closed before the broker confirmed the message to '"
                        + o.routingKey + "' (" + cause.getMessage() + ")", true, cause));
            }
        }
    }

    private Iterable<Outstanding> take(long seq, boolean multiple) {
        if (!multiple) {
            Outstanding o = outstanding.remove(seq);
            return o == null ? java.util.List.of() : java.util.List.of(o);
        }
        java.util.List<Outstanding> taken = new java.util.ArrayList<>();
        for (Map.Entry<Long, Outstanding> e : outstanding.headMap(seq, true).entrySet()) {
            if (outstanding.remove(e.getKey(), e.getValue())) {
                taken.add(e.getValue());
            }
        }
        return taken;
    }

    private void timedOut(Outstanding o) {
        if (outstanding.remove(o.seq, o) || !o.future.isDone()) {
            fail(o, new TransportException(RabbitMqTransport.SCHEME, address, "No confirm from the broker within " + confirmTimeout.toMillis()
                    + " ms (confirmTimeout) for the message to '" + o.routingKey + "'", true, null));
        }
    }

    private void fail(Outstanding o, TransportException e) {
        Executor executor = scheduler;
        try {
            executor.execute(() -> o.future.completeExceptionally(e));
        } catch (RejectedExecutionException closing) {
            o.future.completeExceptionally(e);
        }
    }

    /** A mandatory publish that no queue took: the queue it was bound for is gone. */
    static final class UnroutableException extends TransportException {
        private static final long serialVersionUID = 1L;

        UnroutableException(String address, String message) {
            super(RabbitMqTransport.SCHEME, address, message, true, null);
        }
    }

    private static final class Outstanding {
        final String exchange;
        final String routingKey;
        final boolean mandatory;
        final AMQP.BasicProperties props;
        /** Cleared once confirmed; only a publish not confirmed yet is written (again). */
        byte[] body;
        final long deadline;
        final CompletableFuture<Void> future = new CompletableFuture<>();
        volatile int retriesLeft;
        volatile long seq;
        volatile String returnedBecause;

        Outstanding(String exchange, String routingKey, boolean mandatory, AMQP.BasicProperties props, byte[] body, int retriesLeft,
                long deadline) {
            this.exchange = exchange;
            this.routingKey = routingKey;
            this.mandatory = mandatory;
            this.props = props;
            this.body = body;
            this.retriesLeft = retriesLeft;
            this.deadline = deadline;
        }
    }
}
