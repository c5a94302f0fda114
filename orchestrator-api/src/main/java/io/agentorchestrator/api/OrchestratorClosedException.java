package io.agentorchestrator.api;

/**
 * The orchestrator (or an agent runtime) was closed: it takes no new tasks, and tasks still in
 * flight when its close grace period ran out end with this exception.
 */
public class OrchestratorClosedException extends OrchestratorException {

    /** Creates the exception with a message saying what was refused or cut short. */
    public OrchestratorClosedException(String message) {
        super(message);
    }
}
