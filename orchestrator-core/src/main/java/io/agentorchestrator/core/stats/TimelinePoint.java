package io.agentorchestrator.core.stats;

import java.time.Duration;
import java.time.Instant;

/**
 * One bucket of the orchestrator-wide task timeline that dashboards plot: all capabilities
 * together, over {@link StatsCollector#BUCKET}.
 *
 * @param start               when the bucket began, from the orchestrator's clock (approximate: derived from the ticker)
 * @param length              how much of the bucket has elapsed; less than a full bucket for the newest one
 * @param requests            tasks that ended in it
 * @param errors              of those, the ones that failed
 * @param throughputPerSecond {@code requests} per second of {@code length}
 * @param p99                 99th percentile end-to-end latency of the tasks that completed in it, or zero
 */
public record TimelinePoint(Instant start, Duration length, long requests, long errors, double throughputPerSecond, Duration p99) {
}
