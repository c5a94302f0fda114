package io.agentorchestrator.examples.bench;

import java.io.PrintStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * The end-to-end harness: drives request/reply calls closed-loop (a fixed number in flight, the
 * next one sent as soon as one completes) and records each call's latency in an HdrHistogram.
 * Two contenders are measured in alternating rounds within one run, so that a noisy neighbour
 * hurts both alike.
 */
final class LoadDriver {

    /** One request/reply; the future completes with the reply. */
    @FunctionalInterface
    interface Call {
        CompletableFuture<?> call(long sequence) throws Exception;
    }

    /** Calls made in the measured rounds, with their latencies in nanoseconds. */
    static final class Tally {
        final Histogram latencies = new Histogram(TimeUnit.MINUTES.toNanos(2), 3);
        /** Calls per second of each measured round, in order. */
        final java.util.List<Double> rounds = new java.util.ArrayList<>();
        long calls;
        long nanos;

        double perSecond() {
            return nanos == 0 ? 0 : calls * 1e9 / nanos;
        }

        double quantileMs(double q) {
            return latencies.getValueAtPercentile(q * 100) / 1e6;
        }

        /** Calls in flight on average (Little's law: throughput times mean latency). */
        double meanInFlight() {
            return perSecond() * latencies.getMean() / 1e9;
        }

        double quantileUs(double q) {
            return latencies.getValueAtPercentile(q * 100) / 1e3;
        }
    }

    private LoadDriver() {
    }

    /**
     * Runs {@code call} for {@code nanos} with {@code inFlight} calls outstanding, then waits for
     * the last ones. Throws when any call failed: a benchmark of wrong answers is worthless.
     *
     * @param into where the calls and latencies go, or null for a warm-up
     */
    static void run(Call call, int inFlight, long nanos, Tally into) throws Exception {
        Semaphore window = new Semaphore(inFlight);
        ConcurrentHistogram histogram = new ConcurrentHistogram(TimeUnit.MINUTES.toNanos(2), 3);
        AtomicLong completed = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long start = System.nanoTime();
        long end = start + nanos;
        long sequence = 0;
        while (System.nanoTime() - end < 0 && failure.get() == null) {
            if (!window.tryAcquire(1, TimeUnit.SECONDS)) {
                continue;
            }
            long sent = System.nanoTime();
            CompletableFuture<?> reply;
            try {
                reply = call.call(sequence++);
            } catch (Exception e) {
                window.release();
                throw e;
            }
            reply.whenComplete((r, e) -> {
                if (e != null) {
                    failure.compareAndSet(null, e);
                } else {
                    histogram.recordValue(Math.min(System.nanoTime() - sent, TimeUnit.MINUTES.toNanos(2)));
                    completed.incrementAndGet();
                }
                window.release();
            });
        }
        if (!window.tryAcquire(inFlight, 2, TimeUnit.MINUTES)) {
            throw new IllegalStateException((inFlight - window.availablePermits()) + " calls still unanswered after 2 minutes");
        }
        long elapsed = System.nanoTime() - start;
        if (failure.get() != null) {
            throw new IllegalStateException("a call failed: " + failure.get(), failure.get());
        }
        if (into != null) {
            into.calls += completed.get();
            into.nanos += elapsed;
            into.rounds.add(completed.get() * 1e9 / elapsed);
            into.latencies.add(histogram);
        }
    }

    /**
     * Warms both contenders up, then measures them in {@code rounds} pairs of rounds of
     * {@code roundNanos} each, alternating which goes first (A B, B A, A B, ...), and returns their
     * tallies. Pairs are short and adjacent so that a burst of load from elsewhere on the machine
     * falls on both; {@link #ratio} compares them pair by pair.
     */
    static Tally[] compare(String label, String nameA, Call a, String nameB, Call b, int inFlight, long warmupNanos, long roundNanos,
            int rounds, PrintStream progress) throws Exception {
        progress.printf("  %s: warming up %s and %s (%d ms each)%n", label, nameA, nameB, TimeUnit.NANOSECONDS.toMillis(warmupNanos));
        run(a, inFlight, warmupNanos, null);
        run(b, inFlight, warmupNanos, null);
        Tally ta = new Tally();
        Tally tb = new Tally();
        for (int r = 1; r <= rounds; r++) {
            if (r % 2 == 1) {
                run(a, inFlight, roundNanos, ta);
                run(b, inFlight, roundNanos, tb);
            } else {
                run(b, inFlight, roundNanos, tb);
                run(a, inFlight, roundNanos, ta);
            }
            progress.printf("  %s: round %d/%d  %s %,.0f/s  %s %,.0f/s%n", label, r, rounds, nameA, ta.rounds.get(r - 1), nameB,
                    tb.rounds.get(r - 1));
        }
        return new Tally[] {ta, tb};
    }

    /**
     * B's throughput relative to A's: the median of the ratios of the rounds measured side by side,
     * which a burst of load from elsewhere moves far less than a ratio of totals.
     */
    static double ratio(Tally a, Tally b) {
        int n = Math.min(a.rounds.size(), b.rounds.size());
        double[] ratios = new double[n];
        for (int i = 0; i < n; i++) {
            ratios[i] = b.rounds.get(i) / a.rounds.get(i);
        }
        java.util.Arrays.sort(ratios);
        return n == 0 ? Double.NaN : n % 2 == 1 ? ratios[n / 2] : (ratios[n / 2 - 1] + ratios[n / 2]) / 2;
    }

    static double round(double v, int digits) {
        double scale = Math.pow(10, digits);
        return Math.round(v * scale) / scale;
    }
}
