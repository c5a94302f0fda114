package io.agentorchestrator.api;

/**
 * An agent ran a task and reported a failure, or the orchestrator gave up after its retries.
 *
 * <p>Agent handlers may throw it themselves to choose the error code and whether the failure is
 * worth retrying on another agent; any other exception from a handler becomes a non-retryable
 * failure with code {@link #HANDLER_ERROR}, because the handler may have had side effects.
 */
public class TaskFailedException extends OrchestratorException {

    /** Error code for an exception thrown by an agent's handler that was not a TaskFailedException. */
    public static final String HANDLER_ERROR = "handler-error";

    private final String errorCode;
    private final boolean retryable;
    private final String taskId;
    private final String agentId;

    /**
     * Creates a failure as an agent handler reports it.
     *
     * @param errorCode short machine-readable code, e.g. {@code "certificate-expired"}
     * @param message   what went wrong, for people
     * @param retryable whether another agent may be tried
     */
    public TaskFailedException(String errorCode, String message, boolean retryable) {
        this(errorCode, message, retryable, null, null, null);
    }

    /**
     * Creates a failure as the orchestrator reports it to the caller.
     *
     * @param errorCode the agent's or the transport's error code
     * @param message   what went wrong
     * @param retryable whether the failure was retryable
     * @param taskId    the task, may be {@code null}
     * @param agentId   the agent that reported it, may be {@code null}
     * @param cause     the underlying exception, may be {@code null}
     */
    public TaskFailedException(String errorCode, String message, boolean retryable, String taskId, String agentId,
            Throwable cause) {
        super(message, cause);
        this.errorCode = errorCode == null ? HANDLER_ERROR : errorCode;
        this.retryable = retryable;
        this.taskId = taskId;
        this.agentId = agentId;
    }

    /** The error code, never null. */
    public String errorCode() {
        return errorCode;
    }

    /** Whether the failure allowed trying another agent. */
    public boolean retryable() {
        return retryable;
    }

    /** The task that failed, or {@code null} when thrown by a handler. */
    public String taskId() {
        return taskId;
    }

    /** The agent that reported the failure, or {@code null} when unknown. */
    public String agentId() {
        return agentId;
    }
}
