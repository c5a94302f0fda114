package io.agentorchestrator.core.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.OrchestratorEvent;
import io.agentorchestrator.api.TaskFailedException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Rolling windows, percentiles and trends, driven by a fake ticker. */
class StatsCollectorTest {

    private final AtomicLong nanos = new AtomicLong();
    private final StatsCollector stats = StatsCollector.create(Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC), nanos::get);

    private void completed(String capability, long latencyMillis) {
        stats.onEvent(new OrchestratorEvent.TaskCompleted(Instant.EPOCH, "t", capability, "a-1", 1, Duration.ofMillis(latencyMillis),
                Duration.ofMillis(latencyMillis)));
    }

    private void failed(String capability) {
        stats.onEvent(new OrchestratorEvent.TaskFailed(Instant.EPOCH, "t", capability, "a-1", 1, new TaskFailedException("E", "boom", false), Duration.ofMillis(5)));
    }

    private void attempt(String agent, long latencyMillis, String outcome) {
        stats.onEvent(new OrchestratorEvent.AttemptCompleted(Instant.EPOCH, "t", "plan", agent, 1, Duration.ofMillis(latencyMillis), outcome));
    }

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    @Test
    void percentilesAreWithinSixPercentOfTheTrueLatencies() {
        for (int ms = 1; ms <= 1000; ms++) {
            completed("plan", ms);
        }
        WindowStats w = stats.snapshot().capabilities().get("plan").oneMinute();
        assertThat(w.latencySamples()).isEqualTo(1000);
        assertThat(w.p50().toNanos() / 1e6).isCloseTo(500, within(500 * 0.065));
        assertThat(w.p95().toNanos() / 1e6).isCloseTo(950, within(950 * 0.065));
        assertThat(w.p99().toNanos() / 1e6).isCloseTo(990, within(990 * 0.065));
    }

    @Test
    void throughputAndErrorRateOverTheLastMinute() {
        for (int s = 0; s < 60; s++) {
            if (s % 10 == 0) {
                failed("plan");
            } else {
                completed("plan", 20);
            }
            advance(Duration.ofSeconds(1));
        }
        WindowStats w = stats.snapshot().capabilities().get("plan").oneMinute();
        assertThat(w.requests()).isEqualTo(60);
        assertThat(w.errors()).isEqualTo(6);
        assertThat(w.errorRate()).isCloseTo(0.1, within(1e-9));
        assertThat(w.throughputPerSecond()).isCloseTo(1.0, within(1e-9));
        assertThat(w.latencySamples()).isEqualTo(54);
    }

    @Test
    void oldTrafficLeavesEachWindowInTurn() {
        completed("plan", 5);
        advance(Duration.ofMinutes(2));
        RollingStats r = stats.snapshot().capabilities().get("plan");
        assertThat(r.oneMinute().requests()).isZero();
        assertThat(r.oneMinute().p99()).isEqualTo(Duration.ZERO);
        assertThat(r.fiveMinutes().requests()).isEqualTo(1);
        assertThat(r.fifteenMinutes().requests()).isEqualTo(1);
        advance(Duration.ofMinutes(4));
        r = stats.snapshot().capabilities().get("plan");
        assertThat(r.fiveMinutes().requests()).isZero();
        assertThat(r.fifteenMinutes().requests()).isEqualTo(1);
        advance(Duration.ofMinutes(10));
        assertThat(stats.snapshot().capabilities().get("plan").fifteenMinutes().requests()).isZero();
    }

    @Test
    void aRingReusedAfterAnHourHoldsOnlyTheLastWindow() {
        for (int s = 0; s < 3600; s++) {
            completed("plan", s < 3540 ? 1000 : 10);
            advance(Duration.ofSeconds(1));
        }
        WindowStats w = stats.snapshot().capabilities().get("plan").oneMinute();
        assertThat(w.requests()).isEqualTo(60);
        assertThat(w.p99().toMillis()).isBetween(9L, 11L);
        assertThat(stats.snapshot().capabilities().get("plan").fifteenMinutes().requests()).isEqualTo(900);
    }

    @Test
    void trendsCompareTheNewerHalfOfAWindowWithTheOlder() {
        for (int s = 0; s < 30; s++) {
            completed("plan", 10);
            completed("steady", 10);
            advance(Duration.ofSeconds(1));
        }
        for (int s = 0; s < 30; s++) {
            completed("plan", 50);
            completed("plan", 50);
            completed("plan", 50);
            failed("plan");
            completed("steady", 10);
            advance(Duration.ofSeconds(1));
        }
        WindowStats rising = stats.snapshot().capabilities().get("plan").oneMinute();
        assertThat(rising.throughputTrend()).isEqualTo(Trend.RISING);
        assertThat(rising.latencyTrend()).isEqualTo(Trend.RISING);
        assertThat(rising.errorRateTrend()).isEqualTo(Trend.RISING);
        WindowStats steady = stats.snapshot().capabilities().get("steady").oneMinute();
        assertThat(steady.throughputTrend()).isEqualTo(Trend.STEADY);
        assertThat(steady.latencyTrend()).isEqualTo(Trend.STEADY);
        assertThat(steady.errorRateTrend()).isEqualTo(Trend.STEADY);

        for (int s = 0; s < 30; s++) {
            completed("plan", 10);
            advance(Duration.ofSeconds(1));
        }
        WindowStats falling = stats.snapshot().capabilities().get("plan").oneMinute();
        assertThat(falling.throughputTrend()).isEqualTo(Trend.FALLING);
        assertThat(falling.latencyTrend()).isEqualTo(Trend.FALLING);
        assertThat(falling.errorRateTrend()).isEqualTo(Trend.FALLING);
    }

    @Test
    void noTrendBeforeTheCollectorHasSeenAWholeWindow() {
        advance(Duration.ofSeconds(25));
        for (int s = 0; s < 35; s++) {
            completed("plan", 10);
            advance(Duration.ofSeconds(1));
        }
        assertThat(stats.snapshot().capabilities().get("plan").fiveMinutes().throughputTrend()).isEqualTo(Trend.STEADY);
    }

    @Test
    void agentsCountAttemptsAndLeaveWithTheirDeregistration() {
        attempt("a-1", 10, "success");
        attempt("a-1", 30, "TransportException");
        attempt("a-2", 10, "success");
        WindowStats a1 = stats.snapshot().agents().get("a-1").oneMinute();
        assertThat(a1.requests()).isEqualTo(2);
        assertThat(a1.errors()).isEqualTo(1);
        assertThat(a1.latencySamples()).isEqualTo(2);
        stats.onEvent(new OrchestratorEvent.AgentDeregistered(Instant.EPOCH,
                AgentDescriptor.builder("a-1").capability("plan").endpoint("inproc:a-1").build()));
        assertThat(stats.snapshot().agents()).containsOnlyKeys("a-2");
    }

    @Test
    void concurrentRecordersLoseNoCountAcrossABucketBoundary() throws Exception {
        int threads = 4;
        int perThread = 50_000;
        advance(Duration.ofSeconds(9));
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        java.util.List<Thread> workers = new java.util.ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread w = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                for (int i = 0; i < perThread; i++) {
                    completed("plan", 1 + i % 100);
                    if (i % 1000 == 0) {
                        failed("plan");
                    }
                }
            });
            w.start();
            workers.add(w);
        }
        go.countDown();
        // Time crosses into the next bucket while the threads record.
        advance(Duration.ofSeconds(2));
        for (Thread w : workers) {
            w.join();
        }
        WindowStats w = stats.snapshot().capabilities().get("plan").oneMinute();
        assertThat(w.latencySamples()).isEqualTo((long) threads * perThread);
        assertThat(w.requests()).isEqualTo((long) threads * perThread + threads * (perThread / 1000));
        assertThat(w.errors()).isEqualTo((long) threads * (perThread / 1000));
    }

    @Test
    void tracksAtMostMaxSeriesAgents() {
        for (int i = 0; i <= StatsCollector.MAX_SERIES; i++) {
            attempt("a-" + i, 1, "success");
        }
        assertThat(stats.snapshot().agents()).hasSize(StatsCollector.MAX_SERIES);
        assertThat(stats.untracked()).isEqualTo(1);
    }

    @Test
    void timelineHasOnePointPerBucketSinceStartUpToFifteenMinutes() {
        for (int s = 0; s < 25; s++) {
            completed("plan", 100);
            completed("other", 100);
            advance(Duration.ofSeconds(1));
        }
        var timeline = stats.snapshot().timeline();
        assertThat(timeline).hasSize(3);
        assertThat(timeline.get(0).requests()).isEqualTo(20);
        assertThat(timeline.get(0).throughputPerSecond()).isCloseTo(2.0, within(1e-9));
        assertThat(timeline.get(2).length()).isEqualTo(Duration.ofSeconds(5));
        assertThat(timeline.get(2).requests()).isEqualTo(10);
        assertThat(timeline.get(1).p99().toMillis()).isBetween(94L, 106L);
        advance(Duration.ofMinutes(30));
        assertThat(stats.snapshot().timeline()).hasSize(StatsCollector.BUCKETS);
        assertThat(stats.snapshot().timeline()).allSatisfy(p -> assertThat(p.requests()).isZero());
    }
}
