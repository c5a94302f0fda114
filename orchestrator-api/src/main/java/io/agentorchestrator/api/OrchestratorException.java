package io.agentorchestrator.api;

/**
 * Root of every exception the orchestrator throws or completes a task's future with.
 *
 * <p>Unchecked, so callers catch it where they can act on it. Subtypes carry the context needed
 * to act (agent id, capability, scheme, task id) and their messages say what happened and in
 * which state.
 */
public class OrchestratorException extends RuntimeException {

    /** Creates an exception with a message that says what happened. */
    public OrchestratorException(String message) {
        super(message);
    }

    /** Creates an exception with a message and the cause that led to it. */
    public OrchestratorException(String message, Throwable cause) {
        super(message, cause);
    }
}
