package io.agentorchestrator.api;

import java.time.Duration;

/**
 * A task's deadline passed before a result arrived. A reply that arrives later is dropped.
 *
 * <p>The orchestrator does not retry a task after its deadline: whether the agent did the work is
 * unknown, and only the caller knows whether doing it twice is safe.
 */
public class TaskTimeoutException extends OrchestratorException {

    private final String taskId;
    private final String capability;
    private final String agentId;
    private final Duration timeout;

    /**
     * Creates the exception.
     *
     * @param taskId     the task that timed out
     * @param capability its capability
     * @param agentId    the agent that had it when the deadline passed, or {@code null} when it was
     *                   still waiting for a free agent
     * @param timeout    the time the task was given
     * @param attempts   how many attempts were made
     */
    public TaskTimeoutException(String taskId, String capability, String agentId, Duration timeout, int attempts) {
        super("Task " + taskId + " for capability '" + capability + "' timed out after " + timeout.toMillis() + " ms"
                + (agentId == null ? " while waiting for a free agent" : " on agent '" + agentId + "'")
                + " (" + attempts + (attempts == 1 ? " attempt)" : " attempts)"));
        this.taskId = taskId;
        this.capability = capability;
        this.agentId = agentId;
        this.timeout = timeout;
    }

    /** The id of the task that timed out. */
    public String taskId() {
        return taskId;
    }

    /** The capability of the task. */
    public String capability() {
        return capability;
    }

    /** The agent that held the task when its deadline passed, or {@code null} if none did. */
    public String agentId() {
        return agentId;
    }

    /** The time the task was given. */
    public Duration timeout() {
        return timeout;
    }
}
