package io.agentorchestrator.rabbitmq;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the writes to one AMQP channel (publishes, acks, nacks) one at a time without making the
 * threads that ask for them wait: each write is queued, and whichever caller finds the channel
 * free runs every queued write, its own and the others', before letting go.
 *
 * <p>Why: a channel must not interleave the frames of concurrent writes, and a plain lock around
 * each write made the agent's handler threads queue up behind one another on every reply (a
 * monitor convoy of tens of threads on a few cores), and made the connection's I/O thread, which
 * acks tasks once their replies are confirmed, wait behind them too. Here a caller that finds the
 * channel busy only enqueues and returns. A write is run by some caller soon after it is
 * submitted, on that caller's thread; writes run in the order they were submitted.
 */
final class ChannelWriter {

    private static final Logger log = LoggerFactory.getLogger(ChannelWriter.class);

    private final Queue<Runnable> writes = new ConcurrentLinkedQueue<>();
    private final ReentrantLock channel = new ReentrantLock();

    /** Queues {@code write} and runs the queue if the channel is free. {@code write} should not throw. */
    void submit(Runnable write) {
        writes.add(write);
        // Checked again after each unlock: a write queued while the holder was finishing would
        // otherwise wait for the next caller.
        while (!writes.isEmpty() && channel.tryLock()) {
            try {
                Runnable next;
                while ((next = writes.poll()) != null) {
                    try {
                        next.run();
                    } catch (RuntimeException e) {
                        log.warn("A write to the AMQP channel threw; carrying on with the others", e);
                    }
                }
            } finally {
                channel.unlock();
            }
        }
    }
}
