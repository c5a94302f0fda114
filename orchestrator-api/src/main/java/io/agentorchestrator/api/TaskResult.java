package io.agentorchestrator.api;

import java.time.Duration;

/**
 * The successful outcome of a dispatched task.
 *
 * @param taskId     the task's id
 * @param capability the task's capability
 * @param agentId    the agent that produced the result
 * @param payload    the agent's output
 * @param attempts   how many agents were tried, 1 when the first one succeeded
 * @param latency    from dispatch to result, including waiting and retries
 */
public record TaskResult(String taskId, String capability, String agentId, Payload payload, int attempts, Duration latency) {
}
