package io.agentorchestrator.core.stats;

import java.time.Duration;

/**
 * The outcomes of one capability or one agent in a ring of {@link StatsCollector#BUCKET}-long
 * buckets covering the longest window: bounded memory whatever the traffic. A bucket's histogram
 * is allocated the first time it gets a latency and reused when the ring comes round.
 *
 * <p>Guarded by its own monitor: recording is a few increments, so the lock is held for
 * nanoseconds, and series of different agents never contend.
 */
final class Series {

    private final long bucketNanos;
    private final long createdNanos;
    private final long[] epochs;
    private final long[] requests;
    private final long[] errors;
    private final LatencyHistogram[] latencies;

    Series(long bucketNanos, int buckets, long createdNanos) {
        this.bucketNanos = bucketNanos;
        this.createdNanos = createdNanos;
        this.epochs = new long[buckets];
        java.util.Arrays.fill(epochs, Long.MIN_VALUE);
        this.requests = new long[buckets];
        this.errors = new long[buckets];
        this.latencies = new LatencyHistogram[buckets];
    }

    /**
     * Counts one outcome.
     *
     * @param latencyNanos its latency, or a negative number when it has none (a task that failed)
     */
    synchronized void record(long nowNanos, long latencyNanos, boolean error) {
        int slot = slot(Math.floorDiv(nowNanos, bucketNanos));
        requests[slot]++;
        if (error) {
            errors[slot]++;
        }
        if (latencyNanos >= 0) {
            LatencyHistogram h = latencies[slot];
            if (h == null) {
                h = latencies[slot] = new LatencyHistogram();
            }
            h.record(latencyNanos);
        }
    }

    /** Moves the bucket of {@code epoch} to that epoch, clearing what an older lap left in it. */
    private int slot(long epoch) {
        int slot = (int) Math.floorMod(epoch, (long) epochs.length);
        if (epochs[slot] != epoch) {
            epochs[slot] = epoch;
            requests[slot] = 0;
            errors[slot] = 0;
            if (latencies[slot] != null) {
                latencies[slot].clear();
            }
        }
        return slot;
    }

    /** Adds the counts of buckets {@code [fromEpoch, toEpoch]} that hold data of those epochs to {@code into}. */
    synchronized void sum(long fromEpoch, long toEpoch, Totals into) {
        for (long e = Math.max(fromEpoch, toEpoch - epochs.length + 1); e <= toEpoch; e++) {
            int slot = (int) Math.floorMod(e, (long) epochs.length);
            if (epochs[slot] == e) {
                into.requests += requests[slot];
                into.errors += errors[slot];
                if (latencies[slot] != null) {
                    into.latency.add(latencies[slot]);
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
            return latency.total == 0 ? 0 : (double) latency.sumMicros / latency.total;
        }

        Duration percentile(double q) {
            return Duration.ofNanos(latency.percentileNanos(q));
        }
    }
}
