package io.agentorchestrator.api;

/**
 * A task was refused before it reached any agent because a bound was hit: every agent of its
 * capability was at its max concurrency and the waiting queue was full, or (as the subtype
 * {@link RateLimitExceededException}) its capability's rate limit was used up.
 */
public class TaskRejectedException extends OrchestratorException {

    private final String capability;

    /**
     * Creates the exception.
     *
     * @param capability the task's capability
     * @param message    which bound was hit, with its value
     */
    public TaskRejectedException(String capability, String message) {
        super(message);
        this.capability = capability;
    }

    /** The capability of the rejected task. */
    public String capability() {
        return capability;
    }
}
