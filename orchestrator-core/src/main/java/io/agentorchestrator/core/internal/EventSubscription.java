package io.agentorchestrator.core.internal;

import io.agentorchestrator.api.OrchestratorEvent;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subscriber of the {@link EventHub}: its bounded buffer, its demand, and the daemon thread
 * that delivers to it, so a slow subscriber delays and loses only its own events.
 *
 * <p>Signals follow {@link Flow}: {@code onSubscribe} first, then at most as many {@code onNext}
 * as requested, serially on the delivery thread; {@code onComplete} once the stream closed and
 * the buffer is delivered; {@code onError} for a request of less than one or when the subscriber
 * throws, which also ends the subscription.
 *
 * <p>The buffer is a bounded ring that many emitting threads write and the delivery thread reads:
 * an event costs its emitter one compare-and-set on the write index and one ordered store, with
 * no lock, no allocation and no shared size counter; a full ring drops the event and counts it.
 * Its delivery thread polls the ring every {@link #POLL_NANOS} while events flow, and an emitter
 * wakes it early each time another half ring has been written: with polls alone a subscriber
 * that keeps up still lost what came faster than one ring per poll (about a million events a
 * second; 60-70 % of the events of the in-process benchmark at 64 tasks in flight).
 */
final class EventSubscription implements Flow.Subscription {

    private static final Logger log = LoggerFactory.getLogger(EventSubscription.class);

    /** How often a delivery thread looks at its buffer while events are flowing. */
    static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** Polls that find nothing before the delivery thread sleeps until woken (about 50 ms idle). */
    static final int IDLE_POLLS = 50;
    /** Events delivered between two publications of the read index, which frees their slots for writers. */
    static final int SIZE_BATCH = 32;

    private final Flow.Subscriber<? super OrchestratorEvent> subscriber;
    private final long pollNanos;
    private final int capacity;
    private final LongAdder dropped;
    private final Consumer<EventSubscription> onEnd;
    /** Slots, a power of two at least {@link #capacity} long; a slot is null until its event is written. */
    private final AtomicReferenceArray<OrchestratorEvent> ring;
    private final int mask;
    /**
     * Every {@code wakeMask + 1}-th claimed slot (a power of two, at most half the capacity), the
     * emitter wakes the delivery thread, so that events arriving faster than its polls fill no
     * more than about half the ring before it drains them.
     */
    private final int wakeMask;
    /** Next slot to claim; emitters advance it by compare-and-set. */
    private final AtomicLong writeIndex = new PaddedIndex();
    /** Next slot to deliver; only the delivery thread moves it, publishing in batches. */
    private final AtomicLong readIndex = new PaddedIndex();
    /**
     * A write index below which the ring surely has room, refreshed from {@link #readIndex} only
     * when reached, so emitters seldom read the line the delivery thread writes.
     */
    private volatile long writeLimit;
    private final AtomicLong demand = new AtomicLong();
    private volatile boolean sleeping;
    private volatile boolean cancelled;
    private volatile boolean completing;
    private volatile Throwable badRequest;
    private volatile Thread thread;
    private final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);

    EventSubscription(Flow.Subscriber<? super OrchestratorEvent> subscriber, int capacity, LongAdder dropped,
            Consumer<EventSubscription> onEnd) {
        this(subscriber, capacity, dropped, onEnd, POLL_NANOS);
    }

    /** @param pollNanos how often the delivery thread looks at its buffer while events flow; tests stretch it */
    EventSubscription(Flow.Subscriber<? super OrchestratorEvent> subscriber, int capacity, LongAdder dropped,
            Consumer<EventSubscription> onEnd, long pollNanos) {
        this.pollNanos = pollNanos;
        this.subscriber = subscriber;
        this.capacity = capacity;
        this.dropped = dropped;
        this.onEnd = onEnd;
        int slots = Integer.highestOneBit(Math.max(1, capacity - 1)) << 1;
        this.ring = new AtomicReferenceArray<>(slots);
        this.mask = slots - 1;
        this.wakeMask = Integer.highestOneBit(Math.max(1, capacity / 2)) - 1;
        this.writeLimit = capacity;
    }

    /**
     * An index on a cache line of its own: the write index is contended by every emitting thread,
     * and allocated next to the read index (or the demand) it would make the delivery thread's
     * line bounce with it.
     */
    @SuppressWarnings({"serial", "unused"})
    private static final class PaddedIndex extends AtomicLong {
        long p1, p2, p3, p4, p5, p6, p7;
    }

    Flow.Subscriber<? super OrchestratorEvent> subscriber() {
        return subscriber;
    }

    void start(String name) {
        Thread t = new Thread(this::deliver, name);
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    /** Buffers the event, or drops and counts it when the buffer is full. Never blocks. */
    void offer(OrchestratorEvent event) {
        if (cancelled || completing) {
            return;
        }
        long index;
        do {
            index = writeIndex.get();
            if (index >= writeLimit) {
                long limit = readIndex.get() + capacity;
                if (index >= limit) {
                    dropped.increment();
                    return;
                }
                writeLimit = limit;
            }
        } while (!writeIndex.compareAndSet(index, index + 1));
        ring.lazySet((int) index & mask, event);
        if (sleeping || ((int) index & wakeMask) == wakeMask) {
            wake();
        }
    }

    @Override
    public void request(long n) {
        if (n <= 0) {
            badRequest = new IllegalArgumentException("request must be > 0, but was " + n + " (Reactive Streams rule 3.9)");
        } else {
            demand.getAndAccumulate(n, (current, more) -> current + more < 0 ? Long.MAX_VALUE : current + more);
        }
        wake();
    }

    @Override
    public void cancel() {
        cancelled = true;
        wake();
    }

    /** The stream closed: deliver what is buffered (as demand allows), then complete. */
    void complete() {
        completing = true;
        wake();
    }

    boolean awaitDone(long deadlineNanos) {
        try {
            return done.await(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    boolean interrupt() {
        Thread t = thread;
        if (t != null && t.isAlive()) {
            cancelled = true;
            t.interrupt();
            return true;
        }
        return false;
    }

    private void wake() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /** Whether every event written so far has been delivered; false while an emitter is between its claim and its write. */
    private boolean isEmpty() {
        return readIndex.get() == writeIndex.get();
    }

    /**
     * Takes the event at read index {@code read}, or null when none is written there yet (an
     * emitter that claimed the slot may not have stored its event: the next poll finds it).
     */
    private OrchestratorEvent take(long read) {
        int slot = (int) read & mask;
        OrchestratorEvent event = ring.get(slot);
        if (event != null) {
            // Cleared before the read index passes it, so the emitter that claims the slot next finds it free.
            ring.lazySet(slot, null);
        }
        return event;
    }

    private void deliver() {
        try {
            subscriber.onSubscribe(this);
            int idle = 0;
            while (!cancelled) {
                Throwable error = badRequest;
                if (error != null) {
                    cancelled = true;
                    subscriber.onError(error);
                    return;
                }
                boolean delivered = false;
                // The read index shared with the emitters is published once per few events rather than
                // once per event: a write fewer to a contended line per event, for a bound that is at
                // most SIZE_BATCH events early.
                long read = readIndex.get();
                int taken = 0;
                try {
                    while (!cancelled && demand.get() > 0) {
                        OrchestratorEvent event = take(read);
                        if (event == null) {
                            break;
                        }
                        read++;
                        if (++taken == SIZE_BATCH) {
                            readIndex.lazySet(read);
                            taken = 0;
                        }
                        if (demand.get() != Long.MAX_VALUE) {
                            demand.decrementAndGet();
                        }
                        subscriber.onNext(event);
                        delivered = true;
                    }
                } finally {
                    readIndex.set(read);
                }
                if (cancelled) {
                    return;
                }
                if (completing && isEmpty()) {
                    cancelled = true;
                    subscriber.onComplete();
                    return;
                }
                if (Thread.interrupted()) {
                    return;
                }
                idle = delivered ? 0 : idle + 1;
                if (idle < IDLE_POLLS) {
                    LockSupport.parkNanos(this, pollNanos);
                } else {
                    // Nothing for a while: sleep until an event, a request, a cancel or close wakes us.
                    sleeping = true;
                    if (isEmpty() || demand.get() == 0) {
                        LockSupport.park(this);
                    }
                    sleeping = false;
                    idle = 0;
                }
            }
        } catch (RuntimeException | Error e) {
            cancelled = true;
            log.warn("Event subscriber {} threw; its subscription is cancelled", subscriber, e);
            try {
                subscriber.onError(e);
            } catch (RuntimeException | Error again) {
                log.debug("Event subscriber {} threw from onError too", subscriber, again);
            }
        } finally {
            onEnd.accept(this);
            done.countDown();
        }
    }
}
