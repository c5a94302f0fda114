package io.agentorchestrator.core.stats;

/**
 * Fixed-size log-linear histogram of latencies in microseconds: 8 linear sub-bins per power of two
 * (at most about 6% off), from 1 µs to about 71 minutes, in {@value #BINS} int counters. Not
 * thread-safe; {@link Series} guards it.
 */
final class LatencyHistogram {

    static final int SUB_BITS = 3;
    static final int SUB = 1 << SUB_BITS;
    static final int MAX_EXPONENT = 31;
    static final int BINS = SUB + (MAX_EXPONENT - SUB_BITS + 1) * SUB;
    private static final long MAX_MICROS = (1L << (MAX_EXPONENT + 1)) - 1;

    final int[] counts = new int[BINS];
    long total;
    long sumMicros;

    void record(long nanos) {
        long micros = Math.min(MAX_MICROS, Math.max(1, nanos / 1000));
        counts[bin(micros)]++;
        total++;
        sumMicros += micros;
    }

    void add(LatencyHistogram other) {
        for (int i = 0; i < BINS; i++) {
            counts[i] += other.counts[i];
        }
        total += other.total;
        sumMicros += other.sumMicros;
    }

    void clear() {
        java.util.Arrays.fill(counts, 0);
        total = 0;
        sumMicros = 0;
    }

    /** The latency below which {@code quantile} of the samples lie, as the midpoint of its bin; 0 when empty. */
    long percentileNanos(double quantile) {
        if (total == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(quantile * total));
        long seen = 0;
        for (int i = 0; i < BINS; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return midpointMicros(i) * 1000;
            }
        }
        return midpointMicros(BINS - 1) * 1000;
    }

    static int bin(long micros) {
        int exponent = 63 - Long.numberOfLeadingZeros(micros);
        if (exponent < SUB_BITS) {
            return (int) micros;
        }
        int sub = (int) (micros >>> (exponent - SUB_BITS)) & (SUB - 1);
        return SUB + (exponent - SUB_BITS) * SUB + sub;
    }

    static long midpointMicros(int bin) {
        if (bin < SUB) {
            return bin;
        }
        int exponent = (bin - SUB) / SUB + SUB_BITS;
        int sub = (bin - SUB) % SUB;
        long width = 1L << (exponent - SUB_BITS);
        long lower = (SUB + sub) * width;
        return lower + width / 2;
    }
}
