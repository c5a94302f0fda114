package io.agentorchestrator.core.stats;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Sums of fixed-size log-linear latency histograms, in microseconds: 8 linear sub-bins per power
 * of two (at most about 6% off), from 1 µs to about 71 minutes, in {@value #BINS} counters. The
 * live per-bucket histograms are {@link AtomicIntegerArray}s of that size in {@link Series}; this
 * class merges them for a window and reads percentiles. Not thread-safe.
 */
final class LatencyHistogram {

    static final int SUB_BITS = 3;
    static final int SUB = 1 << SUB_BITS;
    static final int MAX_EXPONENT = 31;
    static final int BINS = SUB + (MAX_EXPONENT - SUB_BITS + 1) * SUB;
    private static final long MAX_MICROS = (1L << (MAX_EXPONENT + 1)) - 1;

    final long[] counts = new long[BINS];
    long total;

    /** A latency in whole microseconds, clamped to the histogram's range. */
    static long micros(long nanos) {
        return Math.min(MAX_MICROS, Math.max(1, nanos / 1000));
    }

    /** Adds a live histogram's counts; returns how many samples it held. */
    long add(AtomicIntegerArray bucket) {
        long added = 0;
        for (int i = 0; i < BINS; i++) {
            int c = bucket.get(i);
            counts[i] += c;
            added += c;
        }
        total += added;
        return added;
    }

    /** The mean latency, from the bins' midpoints. */
    double meanMicros() {
        if (total == 0) {
            return 0;
        }
        double sum = 0;
        for (int i = 0; i < BINS; i++) {
            if (counts[i] != 0) {
                sum += (double) counts[i] * midpointMicros(i);
            }
        }
        return sum / total;
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
