package io.agentorchestrator.api;

/**
 * An agent's reply to one {@link TaskEnvelope}: a result payload, or an error code and message.
 *
 * @param version      wire format version
 * @param taskId       the id of the task this answers
 * @param agentId      the agent that answered
 * @param success      whether the task succeeded
 * @param payload      the output; empty on failure
 * @param errorCode    machine-readable failure code, {@code null} on success
 * @param errorMessage human-readable failure message, {@code null} on success
 * @param retryable    on failure, whether another agent may be tried
 * @param attempt      the {@link TaskEnvelope#attempt()} this answers, or 0 when not stated; a
 *                     transport drops a reply whose attempt is not the one it waits for
 */
public record ResultEnvelope(
        int version,
        String taskId,
        String agentId,
        boolean success,
        Payload payload,
        String errorCode,
        String errorMessage,
        boolean retryable,
        int attempt) {

    /** Error code an agent sends when it is at its max concurrency. */
    public static final String AGENT_BUSY = "agent-busy";
    /** Error code an agent sends when it is shutting down. */
    public static final String AGENT_STOPPING = "agent-stopping";
    /** Error code an agent sends for a task whose deadline passed before it started. */
    public static final String DEADLINE_EXCEEDED = "deadline-exceeded";

    /** Checks the fields a transport decoded from the wire, naming the first bad one. */
    public ResultEnvelope {
        ValidationException.require(version >= 1, "version", "must be >= 1", version);
        ValidationException.requireNonNull(taskId, "taskId");
        ValidationException.requireNonNull(agentId, "agentId");
        ValidationException.require(attempt >= 0, "attempt", "must be >= 0 (0: not stated)", attempt);
        payload = payload == null ? Payload.empty() : payload;
        if (!success) {
            ValidationException.requireNonNull(errorCode, "errorCode");
            errorMessage = errorMessage == null ? errorCode : errorMessage;
        }
    }

    /** A reply that does not say which attempt it answers ({@code attempt} 0). */
    public ResultEnvelope(int version, String taskId, String agentId, boolean success, Payload payload, String errorCode,
            String errorMessage, boolean retryable) {
        this(version, taskId, agentId, success, payload, errorCode, errorMessage, retryable, 0);
    }

    /** This reply, saying that it answers {@code attempt} of its task. */
    public ResultEnvelope withAttempt(int attempt) {
        return attempt == this.attempt ? this
                : new ResultEnvelope(version, taskId, agentId, success, payload, errorCode, errorMessage, retryable, attempt);
    }

    /** A successful reply. */
    public static ResultEnvelope success(String taskId, String agentId, Payload payload) {
        return new ResultEnvelope(TaskEnvelope.WIRE_VERSION, taskId, agentId, true, payload, null, null, false);
    }

    /** A failed reply. */
    public static ResultEnvelope failure(String taskId, String agentId, String errorCode, String errorMessage, boolean retryable) {
        return new ResultEnvelope(TaskEnvelope.WIRE_VERSION, taskId, agentId, false, Payload.empty(), errorCode, errorMessage, retryable);
    }
}
