package io.agentorchestrator.core.stats;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The outcomes of one capability or one agent in a ring of {@link StatsCollector#BUCKET}-long
 * buckets covering the longest window: bounded memory whatever the traffic. A bucket's histogram
 * is allocated the first time it gets a latency and reused when the ring comes round.
 *
 * <p>Recording is lock-free because it runs on the dispatch path: an outcome with a latency is one
 * atomic increment of its histogram bin (the request count is the histogram's total plus the
 * outcomes without a latency), a failure one more; only
 * moving a bucket to a new 10 s epoch, once per bucket and lap, takes the bucket's monitor. A
 * bucket is reused only a whole ring (15 minutes) later, so a writer never races with the reset
 * of the bucket it writes to.
 */
final class Series {

    private final long bucketNanos;
    private final long createdNanos;
    private final Bucket[] ring;

    private static final class Bucket {
        volatile long epoch = Long.MIN_VALUE;
        /** Outcomes without a latency (failed tasks); the others are counted by the histogram alone. */
        final AtomicLong unmeasured = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final AtomicReference<AtomicIntegerArray> latency = new AtomicReference<>();

        AtomicIntegerArray latency() {
            AtomicIntegerArray h = latency.get();
            if (h == null) {
                latency.compareAndSet(null, new AtomicIntegerArray(LatencyHistogram.BINS));
                h = latency.get();
            }
            return h;
        }
    }

    Series(long bucketNanos, int buckets, long createdNanos) {
        this.bucketNanos = bucketNanos;
        this.createdNanos = createdNanos;
        this.ring = new Bucket[buckets];
        for (int i = 0; i < buckets; i++) {
            ring[i] = new Bucket();
        }
    }

    /**
     * Counts one outcome.
     *
     * @param latencyNanos its latency, or a negative number when it has none (a task that failed)
     */
    void record(long nowNanos, long latencyNanos, boolean error) {
        long epoch = Math.floorDiv(nowNanos, bucketNanos);
        Bucket b = ring[(int) Math.floorMod(epoch, (long) ring.length)];
        if (b.epoch != epoch && !advance(b, epoch)) {
            return;
        }
        if (error) {
            b.errors.incrementAndGet();
        }
        if (latencyNanos >= 0) {
            b.latency().incrementAndGet(LatencyHistogram.bin(LatencyHistogram.micros(latencyNanos)));
        } else {
            b.unmeasured.incrementAndGet();
        }
    }

    /** Moves {@code b} to {@code epoch}, clearing the lap before; false when it already holds a later epoch (a stale writer). */
    private static boolean advance(Bucket b, long epoch) {
        synchronized (b) {
            if (b.epoch > epoch) {
                return false;
            }
            if (b.epoch < epoch) {
                b.unmeasured.set(0);
                b.errors.set(0);
                AtomicIntegerArray h = b.latency.get();
                if (h != null) {
                    for (int i = 0; i < h.length(); i++) {
                        h.set(i, 0);
                    }
                }
                // Published last: a writer that sees the new epoch finds the bucket cleared.
                b.epoch = epoch;
            }
            return true;
        }
    }

    /** Adds the counts of buckets {@code [fromEpoch, toEpoch]} that hold data of those epochs to {@code into}. */
    void sum(long fromEpoch, long toEpoch, Totals into) {
        for (long e = Math.max(fromEpoch, toEpoch - ring.length + 1); e <= toEpoch; e++) {
            Bucket b = ring[(int) Math.floorMod(e, (long) ring.length)];
            if (b.epoch == e) {
                into.requests += b.unmeasured.get();
                into.errors += b.errors.get();
                AtomicIntegerArray h = b.latency.get();
                if (h != null) {
                    into.requests += into.latency.add(h);
                }
            }
        }
    }

    long createdNanos() {
        return createdNanos;
    }

    /** A window's (or half-window's) sums, merged over buckets and, for the timeline, over series. */
    static final class Totals {
        long requests;
        long errors;
        final LatencyHistogram latency = new LatencyHistogram();

        double meanLatencyMicros() {
            return latency.meanMicros();
        }

        Duration percentile(double q) {
            return Duration.ofNanos(latency.percentileNanos(q));
        }
    }
}
