package io.agentorchestrator.api;

/**
 * Where an agent stands as far as routing is concerned.
 */
public enum AgentStatus {
    /** Alive and ready: gets new tasks. */
    HEALTHY,
    /** Failing its health checks or its lease lapsed: gets no new tasks until it recovers. */
    UNHEALTHY,
    /** Finishing the tasks it has and taking no new ones, usually before a planned shutdown. */
    DRAINING;

    /** Whether an agent in this status may be given a new task. */
    public boolean acceptsTasks() {
        return this == HEALTHY;
    }
}
