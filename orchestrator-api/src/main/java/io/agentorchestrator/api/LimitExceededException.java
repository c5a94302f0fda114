package io.agentorchestrator.api;

/**
 * A configured limit against abuse was reached: too many agents for a capability, too many
 * registrations by one principal in a minute, metadata or a payload too large. Nothing was
 * registered or handled.
 */
public class LimitExceededException extends OrchestratorException {

    private final String limit;
    private final long max;
    private final long actual;

    /**
     * Creates the exception.
     *
     * @param limit   the name of the limit, as configured, e.g. {@code "maxAgentsPerCapability"}
     * @param max     its configured value
     * @param actual  the value the refused request would have reached
     * @param message what was refused and for whom
     */
    public LimitExceededException(String limit, long max, long actual, String message) {
        super(message);
        this.limit = limit;
        this.max = max;
        this.actual = actual;
    }

    /** The name of the limit that was reached. */
    public String limit() {
        return limit;
    }

    /** The limit's configured value. */
    public long max() {
        return max;
    }

    /** The value the refused request would have reached. */
    public long actual() {
        return actual;
    }
}
