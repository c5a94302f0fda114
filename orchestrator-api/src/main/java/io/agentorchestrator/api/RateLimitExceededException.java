package io.agentorchestrator.api;

/**
 * A task was refused because its capability's rate limit was used up: more tasks were dispatched
 * for it in the recent past than the configured rate and burst allow. Nothing was sent.
 */
public class RateLimitExceededException extends TaskRejectedException {

    /**
     * Creates the exception.
     *
     * @param capability the task's capability
     * @param message    which limit was hit, with its value
     */
    public RateLimitExceededException(String capability, String message) {
        super(capability, message);
    }
}
