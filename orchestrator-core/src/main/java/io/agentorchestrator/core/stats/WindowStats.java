package io.agentorchestrator.core.stats;

import java.time.Duration;

/**
 * What happened in one rolling window (1, 5 or 15 minutes) for one capability or one agent.
 *
 * <p>For a capability the unit is the task: {@code requests} counts tasks that ended, {@code errors}
 * those that failed, and the latency is end-to-end (dispatch to result) of the tasks that
 * completed. For an agent the unit is the attempt sent to it, whatever its answer, and the latency
 * runs from sending to answer. Percentiles come from a log-scaled histogram and are within about
 * 6% of the true value; they are {@link Duration#ZERO} when {@code latencySamples} is 0.
 *
 * @param window           the window's length; the counts cover the whole {@link StatsCollector#BUCKET}s
 *                         in it plus the elapsed part of the current bucket, so up to 10 s more
 * @param requests         tasks (or attempts) that ended in the window
 * @param errors           of those, the ones that failed
 * @param throughputPerSecond {@code requests} per second of the time the window covers (less than
 *                         its length while the orchestrator is younger than it)
 * @param errorRate        {@code errors / requests}, 0 when there was no request
 * @param latencySamples   how many latencies the percentiles are drawn from
 * @param p50              median latency
 * @param p95              95th percentile latency
 * @param p99              99th percentile latency
 * @param throughputTrend  requests per second, newer half of the window against older half
 * @param errorRateTrend   error rate, newer half against older half (a change of 5 points or more)
 * @param latencyTrend     mean latency, newer half against older half
 */
public record WindowStats(Duration window, long requests, long errors, double throughputPerSecond, double errorRate,
        long latencySamples, Duration p50, Duration p95, Duration p99, Trend throughputTrend, Trend errorRateTrend,
        Trend latencyTrend) {
}
