package io.agentorchestrator.core.scaling;

/**
 * Connects the orchestrator's scaling signal to a host's own scaler (a Kubernetes client, a
 * process pool, a cloud API): told each time a capability's desired agent count changes.
 *
 * <p>Called on the orchestrator's timer thread: start the scaling and return, do not wait for
 * agents to come up. What it throws is logged and ignored; the next change is still delivered.
 */
@FunctionalInterface
public interface ScalingHook {

    /** The capability now wants {@code decision.desiredAgents()} agents. */
    void scale(ScalingDecision decision);
}
