package io.agentorchestrator.core.internal;

import io.agentorchestrator.api.OrchestratorEvent;
import io.agentorchestrator.api.OrchestratorListener;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.EventStream;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans the engine's events out to {@link Flow.Subscriber}s: a bounded buffer and a daemon
 * delivery thread per subscriber, drops counted instead of blocking the engine.
 *
 * <p>The engine starts feeding it ({@link #onEvent}) only when the first subscriber arrives, so an
 * orchestrator nobody subscribes to builds no events for it.
 *
 * <p>Cheap for the thread that emits: an event is one bounded-queue offer per subscriber, and the
 * delivery thread is woken only when it went to sleep because nothing happened for a while. Under
 * load it polls its buffer every {@link EventSubscription#POLL_NANOS} instead, so a busy
 * orchestrator does not pay a thread wake-up per event (the {@code SubmissionPublisher} this
 * replaced handed a task to its executor for nearly every event, which cost more than the task
 * dispatch itself).
 */
final class EventHub implements EventStream, OrchestratorListener {

    private static final Logger log = LoggerFactory.getLogger(EventHub.class);
    private static final AtomicInteger IDS = new AtomicInteger();

    private final int bufferSize;
    private final Consumer<OrchestratorListener> attach;
    private final int id = IDS.incrementAndGet();
    private final AtomicInteger threads = new AtomicInteger();
    private final List<EventSubscription> subscriptions = new CopyOnWriteArrayList<>();
    /** The subscriptions as an array, replaced on every change: each event walks it with no iterator. */
    private volatile EventSubscription[] live = new EventSubscription[0];
    private final java.util.concurrent.atomic.LongAdder dropped = new java.util.concurrent.atomic.LongAdder();
    private final Object lock = new Object();
    private boolean attached;
    private volatile boolean closed;

    /**
     * @param bufferSize events buffered per subscriber
     * @param attach     tells the engine to feed this hub its events from now on; called once, at the first subscribe
     */
    EventHub(int bufferSize, Consumer<OrchestratorListener> attach) {
        this.bufferSize = bufferSize;
        this.attach = attach;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super OrchestratorEvent> subscriber) {
        ValidationException.requireNonNull(subscriber, "subscriber");
        boolean late;
        synchronized (lock) {
            late = closed;
            if (!late) {
                if (!attached) {
                    attached = true;
                    // Before the first subscription, so it sees every event from then on.
                    attach.accept(this);
                }
                EventSubscription s = new EventSubscription(subscriber, bufferSize, dropped, this::ended);
                // Under the lock, so close() cannot miss it.
                subscriptions.add(s);
                live = subscriptions.toArray(new EventSubscription[0]);
                s.start("orchestrator-events-" + id + "-" + threads.incrementAndGet());
            }
        }
        if (late) {
            // The stream is over: complete the late subscriber here, as Flow allows.
            subscriber.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {
                }

                @Override
                public void cancel() {
                }
            });
            subscriber.onComplete();
        }
    }

    @Override
    public void onEvent(OrchestratorEvent event) {
        for (EventSubscription s : live) {
            s.offer(event);
        }
    }

    private void ended(EventSubscription s) {
        synchronized (lock) {
            subscriptions.remove(s);
            live = subscriptions.toArray(new EventSubscription[0]);
        }
    }

    @Override
    public long dropped() {
        return dropped.sum();
    }

    @Override
    public int subscribers() {
        return subscriptions.size();
    }

    /**
     * Completes every subscriber once its buffer is delivered, waiting at most {@code waitMillis}
     * for that, then stops the delivery threads. Idempotent.
     */
    void close(long waitMillis) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        for (EventSubscription s : subscriptions) {
            s.complete();
        }
        boolean interrupted = false;
        for (EventSubscription s : subscriptions) {
            if (!s.awaitDone(deadline)) {
                log.warn("Event subscriber {} still busy {} ms after close; interrupting its thread", s.subscriber(), waitMillis);
                interrupted |= s.interrupt();
            }
        }
        if (interrupted) {
            log.debug("Interrupted the delivery threads of slow event subscribers");
        }
    }
}
