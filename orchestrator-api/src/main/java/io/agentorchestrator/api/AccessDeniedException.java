package io.agentorchestrator.api;

/**
 * The access policy refused an authenticated principal an action: registering an agent with a
 * capability its roles do not allow, or dispatching a task to a capability it may not call.
 */
public class AccessDeniedException extends OrchestratorException {

    private final String principal;
    private final String action;
    private final String capability;

    /**
     * Creates the exception; the message names the principal, the action and the capability.
     *
     * @param principal  who was refused
     * @param action     {@code "register"} or {@code "dispatch"}
     * @param capability the capability the action was about
     */
    public AccessDeniedException(String principal, String action, String capability) {
        this(principal, action, capability,
                "Access denied: principal '" + principal + "' may not " + action + " capability '" + capability + "'");
    }

    /**
     * Creates the exception with a message of its own, for refusals that are not about a
     * capability's role grant (an agent id owned by another principal).
     */
    public AccessDeniedException(String principal, String action, String capability, String message) {
        super(message);
        this.principal = principal;
        this.action = action;
        this.capability = capability;
    }

    /** Who was refused. */
    public String principal() {
        return principal;
    }

    /** What was refused: {@code "register"} or {@code "dispatch"}. */
    public String action() {
        return action;
    }

    /** The capability the refused action was about. */
    public String capability() {
        return capability;
    }
}
