package io.agentorchestrator.core.stats;

/**
 * The three rolling windows of one capability or one agent.
 *
 * @param oneMinute      the last minute
 * @param fiveMinutes    the last 5 minutes
 * @param fifteenMinutes the last 15 minutes
 */
public record RollingStats(WindowStats oneMinute, WindowStats fiveMinutes, WindowStats fifteenMinutes) {
}
