package io.agentorchestrator.core.admin;

/** What a bearer token of the admin API may do. */
public enum AdminRole {
    /** Read agents, health, stats and the event stream. */
    READ,
    /** Everything {@link #READ} may, plus register, update, deregister, change status and dispatch tasks. */
    ADMIN;

    /** Whether this role includes {@code required}. */
    public boolean includes(AdminRole required) {
        return this == ADMIN || required == READ;
    }
}
