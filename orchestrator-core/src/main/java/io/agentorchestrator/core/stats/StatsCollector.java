package io.agentorchestrator.core.stats;

import io.agentorchestrator.api.OrchestratorEvent;
import io.agentorchestrator.api.OrchestratorListener;
import io.agentorchestrator.api.Ticker;
import io.agentorchestrator.api.ValidationException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Rolling traffic analytics fed by an orchestrator's events: throughput, error rate, latency
 * percentiles and trends per capability and per agent over 1, 5 and 15 minute windows.
 *
 * <p>Every orchestrator has one (read it through {@code Orchestrator.stats()}); a host may also
 * add its own to any orchestrator with {@code addListener}. Memory is bounded: each capability and
 * each agent keeps a ring of {@value #BUCKETS} (plus the current) buckets of {@link #BUCKET} with a fixed-size
 * latency histogram (under 1 KiB) in each bucket that saw traffic, and at most
 * {@value #MAX_SERIES} capabilities and {@value #MAX_SERIES} agents are tracked (further ones are
 * counted in {@link #untracked()}). Time comes from the injected {@link Ticker}, so tests move a
 * fake one.
 *
 * <p>Thread-safe. Recording an outcome takes a map lookup and one or two atomic increments, no lock.
 */
public final class StatsCollector implements OrchestratorListener {

    /** Length of one bucket; windows move in steps of it. */
    public static final Duration BUCKET = Duration.ofSeconds(10);
    /** Buckets kept per series: 15 minutes. */
    public static final int BUCKETS = 90;
    /** Most capabilities, and most agents, tracked at once. */
    public static final int MAX_SERIES = 512;
    /** The windows reported, shortest first. */
    public static final List<Duration> WINDOWS = List.of(Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofMinutes(15));

    /** Fewest samples in both halves of a window together (throughput) or each (error rate, latency) to call a trend. */
    static final int MIN_TREND_SAMPLES = 10;
    /** Ratio between halves beyond which throughput or mean latency is rising or falling. */
    static final double TREND_RATIO = 1.2;
    /** Difference of error rates between halves beyond which the error rate is rising or falling. */
    static final double ERROR_RATE_STEP = 0.05;

    private final Clock clock;
    private final Ticker ticker;
    private final long bucketNanos = BUCKET.toNanos();
    private final long createdNanos;
    private final ConcurrentHashMap<String, Series> capabilities = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Series> agents = new ConcurrentHashMap<>();
    private final LongAdder untracked = new LongAdder();

    private StatsCollector(Clock clock, Ticker ticker) {
        this.clock = clock;
        this.ticker = ticker;
        this.createdNanos = ticker.read();
    }

    /**
     * Creates a collector; add it to an orchestrator's listeners to feed it.
     *
     * @param clock  for the snapshot's time stamp
     * @param ticker for bucketing and rates; a fake one in tests
     * @throws ValidationException when either is null
     */
    public static StatsCollector create(Clock clock, Ticker ticker) {
        return new StatsCollector(ValidationException.requireNonNull(clock, "clock"), ValidationException.requireNonNull(ticker, "ticker"));
    }

    @Override
    public void onEvent(OrchestratorEvent event) {
        if (event instanceof OrchestratorEvent.TaskCompleted c) {
            taskCompleted(c.capability(), c.latency().toNanos());
            attemptEnded(c.agentId(), c.attemptLatency().toNanos(), false);
        } else if (event instanceof OrchestratorEvent.TaskFailed f) {
            taskFailed(f.capability());
        } else if (event instanceof OrchestratorEvent.AttemptCompleted a) {
            attemptEnded(a.agentId(), a.latency().toNanos(), !"success".equals(a.outcome()));
        } else if (event instanceof OrchestratorEvent.AgentDeregistered d) {
            agentRemoved(d.agent().id());
        }
    }

    /**
     * Counts a task of {@code capability} that completed, as a {@code TaskCompleted} event does,
     * without the event: the engine feeds its own collector this way, so that an orchestrator
     * nobody listens to builds no events.
     */
    public void taskCompleted(String capability, long latencyNanos) {
        record(capabilities, capability, latencyNanos, false, ticker.read());
    }

    /**
     * As {@link #taskCompleted(String, long)}, at ticker reading {@code now} (taken just before
     * from this collector's ticker): the engine has one at hand, which saves reading it again.
     */
    public void taskCompleted(String capability, long latencyNanos, long now) {
        record(capabilities, capability, latencyNanos, false, now);
    }

    /** Counts a task of {@code capability} that failed, as a {@code TaskFailed} event does. */
    public void taskFailed(String capability) {
        record(capabilities, capability, -1, true, ticker.read());
    }

    /**
     * Counts an attempt on agent {@code agentId} that ended, as an {@code AttemptCompleted} event
     * does (or a {@code TaskCompleted}, for the attempt that completed the task).
     *
     * @param failed whether the attempt's outcome was anything but success
     */
    public void attemptEnded(String agentId, long latencyNanos, boolean failed) {
        record(agents, agentId, latencyNanos, failed, ticker.read());
    }

    /** As {@link #attemptEnded(String, long, boolean)}, at ticker reading {@code now} (taken just before from this collector's ticker). */
    public void attemptEnded(String agentId, long latencyNanos, boolean failed, long now) {
        record(agents, agentId, latencyNanos, failed, now);
    }

    /** Forgets an agent's series, as an {@code AgentDeregistered} event does. */
    public void agentRemoved(String agentId) {
        if (agentId != null) {
            agents.remove(agentId);
        }
    }

    private void record(ConcurrentHashMap<String, Series> map, String key, long latencyNanos, boolean error, long now) {
        if (key == null) {
            return;
        }
        Series series = map.get(key);
        if (series == null) {
            if (map.size() >= MAX_SERIES) {
                untracked.increment();
                return;
            }
            series = map.computeIfAbsent(key, k -> new Series(bucketNanos, BUCKETS + 1, now));
        }
        series.record(now, latencyNanos, error);
    }

    /** Outcomes not counted because {@value #MAX_SERIES} capabilities or agents were already tracked. */
    public long untracked() {
        return untracked.sum();
    }

    /** The analytics as of now. Cost grows with the number of capabilities and agents; meant for dashboards, not the hot path. */
    public StatsSnapshot snapshot() {
        long now = ticker.read();
        Map<String, RollingStats> caps = new LinkedHashMap<>();
        capabilities.forEach((k, s) -> caps.put(k, rolling(s, now)));
        Map<String, RollingStats> ags = new LinkedHashMap<>();
        agents.forEach((k, s) -> ags.put(k, rolling(s, now)));
        Instant at = clock.instant();
        return new StatsSnapshot(at, caps, ags, timeline(now, at));
    }

    /** Buckets from before the collector existed are left out. */
    private List<TimelinePoint> timeline(long now, Instant wallNow) {
        long current = Math.floorDiv(now, bucketNanos);
        long first = Math.max(current - BUCKETS + 1, Math.floorDiv(createdNanos, bucketNanos));
        List<TimelinePoint> points = new ArrayList<>();
        List<Series> all = List.copyOf(capabilities.values());
        for (long e = first; e <= current; e++) {
            Series.Totals t = new Series.Totals();
            for (Series s : all) {
                s.sum(e, e, t);
            }
            long start = Math.max(e * bucketNanos, createdNanos);
            long length = Math.min(now, (e + 1) * bucketNanos) - start;
            points.add(new TimelinePoint(wallNow.minusNanos(now - e * bucketNanos), Duration.ofNanos(Math.max(0, length)),
                    t.requests, t.errors, perSecond(t.requests, length), t.percentile(0.99)));
        }
        return points;
    }

    private RollingStats rolling(Series s, long now) {
        return new RollingStats(window(s, now, WINDOWS.get(0)), window(s, now, WINDOWS.get(1)), window(s, now, WINDOWS.get(2)));
    }

    private WindowStats window(Series s, long now, Duration window) {
        int n = (int) (window.toNanos() / bucketNanos);
        long current = Math.floorDiv(now, bucketNanos);
        Series.Totals all = new Series.Totals();
        // The n full buckets before the current one plus the elapsed part of the current one, so a
        // window never covers less than its length once the series is old enough.
        s.sum(current - n, current, all);
        long covered = now - Math.max((current - n) * bucketNanos, s.createdNanos());
        double throughput = perSecond(all.requests, Math.max(covered, 1_000_000_000L));

        // Trends compare the two halves of the last n full buckets, and only once the series is older than them.
        Trend throughputTrend = Trend.STEADY;
        Trend errorTrend = Trend.STEADY;
        Trend latencyTrend = Trend.STEADY;
        int half = n / 2;
        long olderFrom = current - 2L * half;
        if (olderFrom * bucketNanos >= s.createdNanos()) {
            Series.Totals older = new Series.Totals();
            Series.Totals newer = new Series.Totals();
            s.sum(olderFrom, olderFrom + half - 1, older);
            s.sum(olderFrom + half, current - 1, newer);
            throughputTrend = older.requests + newer.requests < MIN_TREND_SAMPLES ? Trend.STEADY
                    : ratioTrend(newer.requests, older.requests);
            if (older.requests >= MIN_TREND_SAMPLES && newer.requests >= MIN_TREND_SAMPLES) {
                double diff = rate(newer) - rate(older);
                errorTrend = diff >= ERROR_RATE_STEP ? Trend.RISING : diff <= -ERROR_RATE_STEP ? Trend.FALLING : Trend.STEADY;
            }
            if (older.latency.total >= MIN_TREND_SAMPLES && newer.latency.total >= MIN_TREND_SAMPLES) {
                latencyTrend = ratioTrend(newer.meanLatencyMicros(), older.meanLatencyMicros());
            }
        }
        return new WindowStats(window, all.requests, all.errors, throughput, rate(all), all.latency.total, all.percentile(0.50),
                all.percentile(0.95), all.percentile(0.99), throughputTrend, errorTrend, latencyTrend);
    }

    private static Trend ratioTrend(double newer, double older) {
        if (newer > older * TREND_RATIO) {
            return Trend.RISING;
        }
        if (newer * TREND_RATIO < older) {
            return Trend.FALLING;
        }
        return Trend.STEADY;
    }

    private static double rate(Series.Totals t) {
        return t.requests == 0 ? 0 : (double) t.errors / t.requests;
    }

    private static double perSecond(long count, long nanos) {
        return nanos <= 0 ? 0 : count * 1e9 / nanos;
    }
}
