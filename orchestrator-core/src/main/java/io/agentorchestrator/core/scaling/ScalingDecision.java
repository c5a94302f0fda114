package io.agentorchestrator.core.scaling;

/**
 * One capability's scaling signal: how many agents it has, how many it should have, and the
 * readings that led there.
 *
 * @param capability    the capability
 * @param currentAgents agents of the capability that take tasks now
 * @param desiredAgents agents it should have, within the policy's bounds and after stabilization
 * @param utilization   tasks in flight ÷ the agents' total max concurrency, 0 to 1
 * @param queuedTasks   tasks waiting for a free agent
 * @param latencyMillis the agents' mean latency estimate (peak EWMA), in milliseconds; 0 when unknown
 * @param reason        the reading that decided it, e.g. {@code "utilization 0.95 > target 0.70"}
 */
public record ScalingDecision(String capability, int currentAgents, int desiredAgents, double utilization, int queuedTasks,
        double latencyMillis, String reason) {
}
