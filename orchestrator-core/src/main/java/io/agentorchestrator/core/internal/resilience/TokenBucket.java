package io.agentorchestrator.core.internal.resilience;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A token bucket kept as one number, the time at which it would be full again with one token
 * less ("theoretical arrival time", as in GCRA): lock-free, no refill thread, exact under any
 * clock step. Times come from the caller's ticker, in nanoseconds.
 */
public final class TokenBucket {

    private static final long FULL = Long.MIN_VALUE;

    private final long intervalNanos;
    private final long toleranceNanos;
    private final AtomicLong tat = new AtomicLong(FULL);

    /** A bucket refilled with {@code permitsPerSecond} tokens per second, holding at most {@code burst}. */
    public TokenBucket(double permitsPerSecond, int burst) {
        this.intervalNanos = Math.max(1, Math.round(1e9 / permitsPerSecond));
        this.toleranceNanos = (burst - 1) * intervalNanos;
    }

    /** Whether a token is there now; takes nothing. */
    public boolean available(long nowNanos) {
        return nanosUntilAvailable(nowNanos) == 0;
    }

    /** How long until a token is there; 0 when one is there now. */
    public long nanosUntilAvailable(long nowNanos) {
        long t = tat.get();
        if (t == FULL) {
            return 0;
        }
        return Math.max(0, t - nowNanos - toleranceNanos);
    }

    /** Takes a token if one is there. */
    public boolean tryAcquire(long nowNanos) {
        for (;;) {
            long t = tat.get();
            long base = t == FULL || t - nowNanos < 0 ? nowNanos : t;
            if (base - nowNanos > toleranceNanos) {
                return false;
            }
            if (tat.compareAndSet(t, base + intervalNanos)) {
                return true;
            }
        }
    }
}
