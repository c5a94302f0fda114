package io.agentorchestrator.api;

/**
 * Receives {@link OrchestratorEvent}s.
 *
 * <p>Called synchronously on the thread where the event happened, often the hot path of a
 * dispatch, so it must be fast and must not block; hand slow work to another thread. What a
 * listener throws is caught, logged and otherwise ignored.
 */
@FunctionalInterface
public interface OrchestratorListener {

    /** Handles one event. */
    void onEvent(OrchestratorEvent event);

    /**
     * Called once when the orchestrator has closed, after its last event: the moment to hand
     * on anything the listener still holds. Does nothing unless overridden; what it throws is
     * caught and logged like a throw from {@link #onEvent}.
     */
    default void onClose() {
    }
}
