package io.agentorchestrator.core.stats;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The orchestrator's traffic analytics at one moment, from {@code Orchestrator.stats()}: rolling
 * 1, 5 and 15 minute windows per capability and per agent. An immutable value; take a new one to
 * see newer traffic.
 *
 * @param at           when it was taken, from the orchestrator's clock
 * @param capabilities per capability (task outcomes), sorted by name
 * @param agents       per agent (attempt outcomes), sorted by id; an agent leaves with its deregistration
 * @param timeline     all capabilities together, one point per {@link StatsCollector#BUCKET} over the last
 *                     15 minutes, oldest first, the current (partial) bucket last
 */
public record StatsSnapshot(Instant at, Map<String, RollingStats> capabilities, Map<String, RollingStats> agents,
        List<TimelinePoint> timeline) {

    /** Makes the maps and the list immutable. */
    public StatsSnapshot {
        timeline = List.copyOf(timeline);
        capabilities = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(capabilities));
        agents = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(agents));
    }
}
