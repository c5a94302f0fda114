package io.agentorchestrator.api;

/**
 * A transport could not deliver a task or its result: the broker is unreachable, the agent's
 * endpoint is gone, a send was refused.
 *
 * <p>Transport failures are retryable by default: the task may be tried on another agent.
 */
public class TransportException extends OrchestratorException {

    private final String scheme;
    private final String endpoint;
    private final boolean retryable;

    /**
     * Creates the exception.
     *
     * @param scheme    the transport's URI scheme, e.g. {@code "redis"}
     * @param endpoint  the agent endpoint or broker address involved, may be {@code null}
     * @param message   what failed
     * @param retryable whether trying another agent may help
     * @param cause     the client library's exception, may be {@code null}
     */
    public TransportException(String scheme, String endpoint, String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.scheme = scheme;
        this.endpoint = endpoint;
        this.retryable = retryable;
    }

    /** Creates a retryable transport failure. */
    public TransportException(String scheme, String endpoint, String message) {
        this(scheme, endpoint, message, true, null);
    }

    /** The transport's URI scheme. */
    public String scheme() {
        return scheme;
    }

    /** The endpoint or broker address involved, or {@code null}. */
    public String endpoint() {
        return endpoint;
    }

    /** Whether trying another agent may help. */
    public boolean retryable() {
        return retryable;
    }
}
