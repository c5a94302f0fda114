package io.agentorchestrator.api;

/**
 * The state of one agent's circuit breaker.
 */
public enum CircuitState {
    /** Calls flow; outcomes are counted in the sliding window. */
    CLOSED,
    /** Too many recent calls failed or were slow: the agent gets no task until the wait in this state ends. */
    OPEN,
    /** The wait ended: a limited number of trial calls decide whether the circuit closes or opens again. */
    HALF_OPEN;

    /** Whether the breaker lets at least some calls through in this state. */
    public boolean permitsCalls() {
        return this != OPEN;
    }
}
