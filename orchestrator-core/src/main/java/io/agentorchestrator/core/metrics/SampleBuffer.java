package io.agentorchestrator.core.metrics;

import java.lang.ref.WeakReference;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One thread's completed-task samples on their way into the Micrometer timers, recorded in
 * bursts rather than one by one.
 *
 * <p>Why: a timer with a percentile histogram keeps its bucket counts in one shared array, and
 * the samples of a fast capability all fall in the same bucket, so threads on different cores
 * recording one sample each pass that cache line back and forth on every task: measured, two
 * such timers per task cost a 2-core machine 16-23 % of its in-process dispatch throughput,
 * and recorded in bursts of a few dozen per thread nothing the benchmark's noise could show.
 *
 * <p>The owning thread appends; a burst is drained by the owner when the buffer is full, or by
 * {@link OrchestratorMetrics#flush} (which the binder runs every
 * {@value OrchestratorMetrics#FLUSH_MILLIS} ms and when the orchestrator closes). Draining is
 * claimed by a flag, so at most one thread drains at a time; an owner that finds its buffer full
 * while another thread drains it records its sample at once. Nothing is dropped and the owner
 * never waits.
 *
 * @param <T> what a sample records into
 */
final class SampleBuffer<T> {

    /** Records one sample; the buffer calls it for each sample it drains. */
    @FunctionalInterface
    interface Sink<T> {
        void record(T target, long a, long b);
    }

    static final int SIZE = 64;
    private static final int MASK = SIZE - 1;

    private final Sink<T> sink;
    private final WeakReference<Thread> owner;
    private final Object[] targets = new Object[SIZE];
    private final long[] as = new long[SIZE];
    private final long[] bs = new long[SIZE];
    /** Samples appended so far; written by the owner only, published with release semantics. */
    private final AtomicLong written = new AtomicLong();
    /** Samples drained so far; written by the drainer only. Its own object, so the owner's line stays its own between drains. */
    private final AtomicLong drained = new AtomicLong();
    private final AtomicBoolean draining = new AtomicBoolean();

    SampleBuffer(Sink<T> sink, Thread owner) {
        this.sink = sink;
        this.owner = new WeakReference<>(owner);
    }

    /** Buffers one sample. Only the owning thread calls this. */
    void add(T target, long a, long b) {
        long w = written.get();
        if (w - drained.get() == SIZE && !drain()) {
            // Full, and another thread is draining it: record this one now rather than wait or lose it.
            sink.record(target, a, b);
            return;
        }
        int slot = (int) w & MASK;
        targets[slot] = target;
        as[slot] = a;
        bs[slot] = b;
        written.lazySet(w + 1);
    }

    /**
     * Records every published sample, unless another thread is draining already.
     *
     * @return false when another thread held the drain
     */
    @SuppressWarnings("unchecked")
    boolean drain() {
        if (!draining.compareAndSet(false, true)) {
            return false;
        }
        try {
            long r = drained.get();
            long w = written.get();
            try {
                while (r < w) {
                    int slot = (int) r++ & MASK;
                    T target = (T) targets[slot];
                    targets[slot] = null;
                    // Counted as drained before it is recorded: a sink that throws loses that sample, not the buffer.
                    sink.record(target, as[slot], bs[slot]);
                }
            } finally {
                // Released after the slots were read, so the owner reuses them only then.
                drained.lazySet(r);
            }
        } finally {
            draining.set(false);
        }
        return true;
    }

    /** Whether the owning thread has ended and everything it buffered is recorded: the buffer can be forgotten. */
    boolean finished() {
        Thread t = owner.get();
        return (t == null || !t.isAlive()) && drained.get() == written.get();
    }
}
