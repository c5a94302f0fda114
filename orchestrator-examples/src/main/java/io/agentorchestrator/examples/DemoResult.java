package io.agentorchestrator.examples;

import java.time.Duration;
import java.util.List;

/**
 * What one demo run did: the totals, one row per agent, and anything that looked wrong.
 *
 * @param tasks          tasks dispatched
 * @param completed      tasks whose future completed with a result
 * @param failed         tasks that did not complete with a result (failed, or still pending at the end)
 * @param retries        failed attempts retried on another agent
 * @param elapsed        from the first dispatch to the last result
 * @param endToEndP50Ms  median task latency as the caller saw it (waiting for a free agent included), or -1
 * @param endToEndP99Ms  99th percentile of the same, or -1
 * @param crash          the agent that crashed, or {@code null} when the crash did not happen
 * @param agents         one row per agent, in scene order
 * @param anomalies      what did not add up (counts that disagree, hung tasks, failures); empty when all is well
 */
record DemoResult(int tasks, long completed, long failed, long retries, Duration elapsed, long endToEndP50Ms,
        long endToEndP99Ms, Crash crash, List<AgentRow> agents, List<String> anomalies) {

    /** Copies the lists. */
    DemoResult {
        agents = List.copyOf(agents);
        anomalies = List.copyOf(anomalies);
    }

    /**
     * The agent crashed mid-run.
     *
     * @param agentId         its id
     * @param tasksEndedAtCrash tasks that had ended, across all agents, when it crashed
     * @param inFlightAtCrash tasks the orchestrator had in flight on it when it crashed
     */
    record Crash(String agentId, long tasksEndedAtCrash, int inFlightAtCrash) {
    }

    /**
     * One agent's line in the report.
     *
     * @param id             agent id
     * @param capability     its capability
     * @param weight         its weight
     * @param maxConcurrency its max concurrency
     * @param status         its routing status at the end of the run, or {@code REMOVED} when it left the registry
     * @param completed      tasks it completed
     * @param failures       attempts that failed on it
     * @param p50Ms          median latency of its successful attempts, or -1 when it completed none
     * @param p99Ms          99th percentile of the same, or -1
     */
    record AgentRow(String id, String capability, int weight, int maxConcurrency, String status, long completed,
            long failures, long p50Ms, long p99Ms) {
    }

    /** Whether every task completed with a result. */
    boolean allCompleted() {
        return completed == tasks;
    }

    /** The run's last line: {@code demo: N tasks, C completed, F failed}. */
    String summaryLine() {
        return summaryLine(tasks, completed, failed);
    }

    /** The summary line for these counts. */
    static String summaryLine(int tasks, long completed, long failed) {
        return "demo: " + tasks + " tasks, " + completed + " completed, " + failed + " failed";
    }
}
