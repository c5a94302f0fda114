package io.agentorchestrator.core.internal;

import io.agentorchestrator.api.OrchestratorEvent;
import io.agentorchestrator.api.OrchestratorListener;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.EventStream;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans the engine's events out to {@link Flow.Subscriber}s through a {@link SubmissionPublisher}:
 * bounded buffer per subscriber, delivery on the hub's own daemon threads, drops counted instead
 * of blocking the engine.
 *
 * <p>It joins the engine's listeners only when the first subscriber arrives, so an orchestrator
 * nobody subscribes to builds no events for it. Its threads start with the first subscriber too
 * and stop on {@link #close()}.
 */
final class EventHub implements EventStream, OrchestratorListener {

    private static final Logger log = LoggerFactory.getLogger(EventHub.class);
    private static final AtomicInteger IDS = new AtomicInteger();

    private final int bufferSize;
    private final Consumer<OrchestratorListener> attach;
    private final LongAdder dropped = new LongAdder();
    private final Object lock = new Object();
    private volatile SubmissionPublisher<OrchestratorEvent> publisher;
    private ExecutorService executor;
    private volatile boolean closed;

    /**
     * @param bufferSize events buffered per subscriber (rounded up to a power of two by the publisher)
     * @param attach     adds this hub to the engine's listeners; called once, at the first subscribe
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
                if (publisher == null) {
                    int id = IDS.incrementAndGet();
                    AtomicInteger threads = new AtomicInteger();
                    executor = Executors.newCachedThreadPool(r -> {
                        Thread t = new Thread(r, "orchestrator-events-" + id + "-" + threads.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
                    publisher = new SubmissionPublisher<>(executor, bufferSize);
                    // Before the first subscription, so it sees every event from then on.
                    attach.accept(this);
                }
                // Under the lock, so close() cannot shut the threads down between here and the subscription.
                publisher.subscribe(subscriber);
            }
        }
        if (late) {
            // The stream's threads are gone: complete the late subscriber here, as Flow allows.
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
        SubmissionPublisher<OrchestratorEvent> p = publisher;
        if (p != null && p.hasSubscribers()) {
            // offer never blocks: an event that does not fit a subscriber's buffer is dropped for it.
            try {
                p.offer(event, (subscriber, e) -> {
                    dropped.increment();
                    return false;
                });
            } catch (IllegalStateException closedMeanwhile) {
                // An event raced with close(): the subscribers are complete, nobody is left to tell.
            }
        }
    }

    @Override
    public long dropped() {
        return dropped.sum();
    }

    @Override
    public int subscribers() {
        SubmissionPublisher<OrchestratorEvent> p = publisher;
        return p == null ? 0 : p.getNumberOfSubscribers();
    }

    /**
     * Completes every subscriber once its buffer is delivered, waiting at most {@code waitMillis}
     * for that, then stops the delivery threads. Idempotent.
     */
    void close(long waitMillis) {
        SubmissionPublisher<OrchestratorEvent> p;
        ExecutorService e;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            p = publisher;
            e = executor;
        }
        if (p == null) {
            return;
        }
        p.close();
        e.shutdown();
        try {
            if (!e.awaitTermination(waitMillis, TimeUnit.MILLISECONDS)) {
                log.warn("Event subscribers still busy {} ms after close; interrupting their threads", waitMillis);
                e.shutdownNow();
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            e.shutdownNow();
        }
    }
}
