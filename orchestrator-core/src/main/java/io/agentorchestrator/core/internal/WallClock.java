package io.agentorchestrator.core.internal;

import io.agentorchestrator.api.Ticker;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Wall-clock time for the dispatch path, from a ticker reading the caller has already taken.
 *
 * <p>A clock read costs about as much as a small allocation (30-40 ns on the 2-core build
 * machine, where they added up to a fifth of an in-process dispatch), and a task needs the wall
 * time twice or more (its deadline's epoch millis, its events' time stamps) at moments when it
 * reads the ticker anyway. With the system clock and the system ticker, the wall time is the
 * ticker reading plus an offset taken from one real clock read, refreshed once the reading is
 * {@link #RESYNC_NANOS} past the last one: at most a millisecond of drift between the two clocks
 * (nanoseconds in practice), and a step of the wall clock (NTP) is picked up within a millisecond.
 * With any other clock or ticker (a test's fake ones) every call reads the clock, as before, so
 * moving a fake clock shows at once.
 *
 * <p>Thread-safe; lock-free.
 */
final class WallClock {

    /** Age of the offset after which the next call takes a fresh one from the clock. */
    static final long RESYNC_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final Clock clock;
    private final Ticker ticker;
    /** Whether wall time may be derived from ticker readings: the system clock and the system ticker. */
    private final boolean derived;
    /** The last real clock read and the ticker reading taken with it; replaced whole, never changed. */
    private volatile Anchor anchor;

    private record Anchor(long tickerNanos, long epochNanos) {
    }

    WallClock(Clock clock, Ticker ticker) {
        this.clock = clock;
        this.ticker = ticker;
        this.derived = ticker == Ticker.system() && clock.getClass() == Clock.systemUTC().getClass();
        this.anchor = derived ? resync() : null;
    }

    /** Whether the ticker is {@link System#nanoTime()}, so its readings are also the JDK scheduler's time. */
    boolean systemTicker() {
        return ticker == Ticker.system();
    }

    /** Milliseconds since the epoch at ticker reading {@code now} (a reading taken just before). */
    long millis(long now) {
        return derived ? Math.floorDiv(epochNanos(now), 1_000_000L) : clock.millis();
    }

    /** The instant of ticker reading {@code now} (a reading taken just before). */
    Instant instant(long now) {
        if (!derived) {
            return clock.instant();
        }
        long nanos = epochNanos(now);
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }

    private long epochNanos(long now) {
        Anchor a = anchor;
        long age = now - a.tickerNanos;
        if (age >= RESYNC_NANOS || age <= -RESYNC_NANOS) {
            // Racing threads may each take one; any of them is as good as the others.
            a = resync();
            anchor = a;
            age = now - a.tickerNanos;
        }
        return a.epochNanos + age;
    }

    /**
     * Pairs a clock read with the ticker readings around it. A thread preempted between them would
     * pair them wrongly for the next millisecond, so of a few tries the tightest pair is kept.
     */
    private Anchor resync() {
        Anchor best = null;
        long bestGap = Long.MAX_VALUE;
        for (int i = 0; i < RESYNC_TRIES && bestGap > TIGHT_NANOS; i++) {
            long before = ticker.read();
            Instant wall = clock.instant();
            long after = ticker.read();
            if (after - before < bestGap) {
                bestGap = after - before;
                // Epoch nanoseconds fit in a long until the year 2262.
                best = new Anchor(before + bestGap / 2, wall.getEpochSecond() * 1_000_000_000L + wall.getNano());
            }
        }
        return best;
    }

    /** Tries at pairing a clock read with the ticker. */
    private static final int RESYNC_TRIES = 3;
    /** A pair taken within this is as good as any. */
    private static final long TIGHT_NANOS = TimeUnit.MICROSECONDS.toNanos(5);
}
