package io.agentorchestrator.api;

/**
 * No agent could take a task: none is registered for its capability, or every one is unhealthy,
 * draining, ejected by outlier detection, behind an open circuit breaker, or already tried.
 *
 * <p>The counts describe the registry as the orchestrator saw it when it gave up, so that the
 * message reads like {@code "No agent for capability 'route-planning': 5 registered, 2 unhealthy,
 * 1 draining, 1 circuit open, 1 ejected"}.
 */
public class NoAgentAvailableException extends OrchestratorException {

    private final String capability;
    private final int registered;

    /**
     * Creates the exception.
     *
     * @param capability the capability the task asked for
     * @param registered how many agents are registered for it
     * @param detail     what state those agents were in, e.g. {@code "2 unhealthy, 1 draining"}
     */
    public NoAgentAvailableException(String capability, int registered, String detail) {
        super(registered == 0
                ? "No agent for capability '" + capability + "': none registered" + (detail.isEmpty() ? "" : " (" + detail + ")")
                : "No agent for capability '" + capability + "': " + registered + " registered"
                        + (detail.isEmpty() ? "" : ", " + detail));
        this.capability = capability;
        this.registered = registered;
    }

    /** The capability no agent could serve. */
    public String capability() {
        return capability;
    }

    /** How many agents were registered for the capability. */
    public int registered() {
        return registered;
    }
}
