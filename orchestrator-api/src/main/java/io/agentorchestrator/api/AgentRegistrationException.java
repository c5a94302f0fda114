package io.agentorchestrator.api;

/**
 * A registry change was refused: an agent id already registered, an unknown agent id, or an
 * endpoint whose scheme no configured transport serves.
 */
public class AgentRegistrationException extends OrchestratorException {

    private final String agentId;

    /**
     * Creates the exception.
     *
     * @param agentId the agent the change was about
     * @param message why it was refused
     */
    public AgentRegistrationException(String agentId, String message) {
        super(message);
        this.agentId = agentId;
    }

    /** The agent the refused change was about. */
    public String agentId() {
        return agentId;
    }
}
