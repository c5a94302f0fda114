package io.agentorchestrator.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentorchestrator.api.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class WallClockTest {

    /** A clock a test moves by hand. */
    private static final class MovableClock extends Clock {
        final AtomicLong millis = new AtomicLong(1_700_000_000_000L);

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }
    }

    @Test
    void theSystemTickerIsOneInstanceSoItCanBeRecognised() {
        assertThat(Ticker.system()).isSameAs(Ticker.system());
        assertThat(new WallClock(Clock.systemUTC(), Ticker.system()).systemTicker()).isTrue();
        assertThat(new WallClock(Clock.systemUTC(), () -> 0L).systemTicker()).isFalse();
    }

    @Test
    void aFakeClockIsReadOnEveryCallSoMovingItShowsAtOnce() {
        MovableClock clock = new MovableClock();
        AtomicLong ticks = new AtomicLong();
        WallClock wall = new WallClock(clock, ticks::get);
        assertThat(wall.millis(ticks.get())).isEqualTo(1_700_000_000_000L);
        // The ticker stands still and the clock moves: the wall time follows the clock, not the ticker.
        clock.millis.addAndGet(5_000);
        assertThat(wall.millis(ticks.get())).isEqualTo(1_700_000_005_000L);
        assertThat(wall.instant(ticks.get())).isEqualTo(Instant.ofEpochMilli(1_700_000_005_000L));
    }

    @Test
    void withTheSystemClockAndTickerTheWallTimeFollowsTheTickerReading() {
        WallClock wall = new WallClock(Clock.systemUTC(), Ticker.system());
        for (int i = 0; i < 10_000; i++) {
            long before = System.currentTimeMillis();
            long millis = wall.millis(System.nanoTime());
            long after = System.currentTimeMillis();
            // Within the two real reads, give or take a millisecond of rounding and resynchronisation.
            assertThat(millis).isBetween(before - 2, after + 2);
        }
        long now = System.nanoTime();
        Instant at = wall.instant(now);
        Instant later = wall.instant(now + Duration.ofMillis(3).toNanos());
        assertThat(Duration.between(at, later)).as("instants of two readings are as far apart as the readings")
                .isBetween(Duration.ofMillis(2), Duration.ofMillis(4));
        assertThat(Duration.between(at, Instant.now()).abs()).isLessThan(Duration.ofMillis(50));
    }
}
