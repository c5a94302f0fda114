package io.agentorchestrator.core.internal.resilience;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counts events over a sliding time window made of {@code buckets} equal buckets, on the
 * caller's ticker. Lock-free and approximate at bucket edges: an increment racing with the reuse
 * of its bucket may be lost, which is fine for a budget.
 */
public final class SlidingCounter {

    private final long bucketNanos;
    private final AtomicLongArray counts;
    private final AtomicLongArray epochs;

    /** A window of {@code windowNanos} split into {@code buckets} buckets. */
    public SlidingCounter(long windowNanos, int buckets) {
        this.bucketNanos = Math.max(1, windowNanos / buckets);
        this.counts = new AtomicLongArray(buckets);
        this.epochs = new AtomicLongArray(buckets);
        for (int i = 0; i < buckets; i++) {
            epochs.set(i, Long.MIN_VALUE);
        }
    }

    /** Counts one event at {@code nowNanos}. */
    public void increment(long nowNanos) {
        long epoch = Math.floorDiv(nowNanos, bucketNanos);
        int i = (int) Math.floorMod(epoch, (long) counts.length());
        long seen = epochs.get(i);
        if (seen != epoch) {
            if (seen < epoch && epochs.compareAndSet(i, seen, epoch)) {
                counts.set(i, 0);
            }
        }
        counts.incrementAndGet(i);
    }

    /** Events in the window that ends at {@code nowNanos}. */
    public long sum(long nowNanos) {
        long epoch = Math.floorDiv(nowNanos, bucketNanos);
        long sum = 0;
        for (int i = 0; i < counts.length(); i++) {
            long e = epochs.get(i);
            if (e != Long.MIN_VALUE && e > epoch - counts.length() && e <= epoch) {
                sum += counts.get(i);
            }
        }
        return sum;
    }
}
