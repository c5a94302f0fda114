package io.agentorchestrator.api;

/**
 * The live view of one registered agent, as balancers and probes see it: what it is, how it is
 * doing, how busy it is right now.
 *
 * <p>Implemented by the engine. Every method is a cheap read of a volatile or atomic field, safe
 * from any thread, and meant to be called on the hot path of a pick.
 *
 * <p>A view belongs to one snapshot of the registry: its descriptor and weight are those that
 * snapshot published, so every agent a balancer is offered in one pick shows the same
 * configuration; its status, in-flight count and latency are live and shared by every view of the
 * agent. After an update or a reconfiguration, ask the orchestrator again for the new descriptor.
 */
public interface Agent {

    /** The agent's descriptor as registered or updated when this view was published. */
    AgentDescriptor descriptor();

    /** Its current routing status. */
    AgentStatus status();

    /** Tasks this orchestrator has sent to it that have not completed yet. */
    int inFlight();

    /**
     * Exponentially weighted moving average of its recent task latency in nanoseconds, or
     * {@code 0} when it has completed no task yet.
     */
    long latencyEwmaNanos();

    /** Its id; same as {@code descriptor().id()}. */
    default String id() {
        return descriptor().id();
    }

    /** Its weight for weighted balancers; same as {@code descriptor().weight()}. */
    default int weight() {
        return descriptor().weight();
    }

    /** Whether it is below its max concurrency. */
    default boolean hasCapacity() {
        return inFlight() < descriptor().maxConcurrency();
    }
    /**
     * The state of its circuit breaker; {@link CircuitState#CLOSED} when circuit breaking is off.
     */
    default CircuitState circuitState() {
        return CircuitState.CLOSED;
    }

    /** Whether passive outlier detection has it out of rotation right now. */
    default boolean ejected() {
        return false;
    }
}
