package io.agentorchestrator.api;

import java.time.Duration;
import java.time.Instant;

/**
 * Something that happened in the orchestrator: a registry change, a health change, a step in a
 * task's life. A closed family, so a listener can {@code switch} over it exhaustively.
 *
 * <p>Events are delivered to {@link OrchestratorListener}s synchronously on the thread that
 * caused them; see the listener's contract.
 */
public sealed interface OrchestratorEvent {

    /** When it happened, from the orchestrator's clock. */
    Instant at();

    /** An agent joined the registry. */
    record AgentRegistered(Instant at, AgentDescriptor agent) implements OrchestratorEvent {
    }

    /** An agent's descriptor was replaced (weight, capabilities, metadata...). */
    record AgentUpdated(Instant at, AgentDescriptor previous, AgentDescriptor current) implements OrchestratorEvent {
    }

    /** An agent left the registry. Tasks already sent to it still complete. */
    record AgentDeregistered(Instant at, AgentDescriptor agent) implements OrchestratorEvent {
    }

    /** An agent's routing status changed. */
    record AgentStatusChanged(Instant at, String agentId, AgentStatus previous, AgentStatus current, String reason)
            implements OrchestratorEvent {
    }

    /** One attempt of a task was sent to an agent. */
    record TaskDispatched(Instant at, String taskId, String capability, String agentId, int attempt) implements OrchestratorEvent {
    }

    /**
     * A task completed with a result. The attempt that brought it is reported here and by no
     * {@link AttemptCompleted}: a task of one attempt costs its listeners two events, not three.
     *
     * @param agentId        the agent whose attempt completed the task
     * @param attempts       attempts made, hedges included
     * @param latency        from dispatch (the task's acceptance) to the result
     * @param attemptLatency from sending the completing attempt to its result; equal to
     *                       {@code latency} for a first attempt sent at once
     */
    record TaskCompleted(Instant at, String taskId, String capability, String agentId, int attempts, Duration latency,
            Duration attemptLatency) implements OrchestratorEvent {
    }

    /**
     * One attempt of a task got its answer and did not complete the task: a failure reply or a
     * transport error. The attempt that completes its task is reported by {@link TaskCompleted}
     * instead; attempts cancelled because the task already ended (a hedge's loser, a timed-out
     * attempt) are not reported.
     *
     * @param latency from sending the attempt to its answer
     * @param outcome the simple name of the exception the attempt ended with (e.g.
     *                {@code "TaskFailedException"}, {@code "TransportException"}), or
     *                {@code "success"} for a result that came as the task was ending otherwise (a
     *                timeout, a cancel, another attempt's result), so no attempt that was
     *                answered goes unreported
     */
    record AttemptCompleted(Instant at, String taskId, String capability, String agentId, int attempt, Duration latency,
            String outcome) implements OrchestratorEvent {
    }

    /** A slow idempotent task got a hedged extra attempt on another agent (sent just before this event). */
    record TaskHedged(Instant at, String taskId, String capability, String agentId, int attempt) implements OrchestratorEvent {
    }

    /** An attempt failed and the task will be tried on another agent. */
    record TaskRetried(Instant at, String taskId, String capability, String failedAgentId, int failedAttempt, String reason)
            implements OrchestratorEvent {
    }

    /**
     * A task ended without a result. {@code agentId} is the last agent tried, or {@code null};
     * {@code error} is the exception the task's future completed with; {@code latency} the time
     * from dispatch to the failure.
     */
    record TaskFailed(Instant at, String taskId, String capability, String agentId, int attempts, OrchestratorException error,
            Duration latency) implements OrchestratorEvent {
    }

    /**
     * Passive outlier detection took an agent out of rotation after failures on real traffic.
     *
     * @param ejections how many times it has been ejected recently, this one included
     * @param duration  how long it stays out unless a health check passes first
     * @param reason    what tripped the detector, e.g. {@code "5 consecutive failures"}
     */
    record AgentEjected(Instant at, String agentId, int ejections, Duration duration, String reason) implements OrchestratorEvent {
    }

    /** An ejected agent is back in rotation: its ejection time ended or a health check passed. */
    record AgentReinstated(Instant at, String agentId, String reason) implements OrchestratorEvent {
    }

    /** An agent's circuit breaker changed state. */
    record CircuitStateChanged(Instant at, String agentId, CircuitState previous, CircuitState current, String reason)
            implements OrchestratorEvent {
    }

    /**
     * The orchestrator's settings were changed while it runs ({@code Orchestrator.reconfigure}):
     * one event per change, after the new settings are in force. The record an audit trail keeps.
     *
     * @param changes what changed, one line per setting: {@code "balancer: round-robin -> least-connections"}
     * @param reason  why, as the caller gave it; empty when none was given
     */
    record ConfigurationChanged(Instant at, java.util.List<String> changes, String reason) implements OrchestratorEvent {
        /** Copies the list of changes. */
        public ConfigurationChanged {
            changes = java.util.List.copyOf(changes);
        }
    }

    /**
     * The auto-scaling signal of a capability changed: it wants {@code desiredAgents} agents where
     * it has {@code currentAgents}, after the stabilization window.
     *
     * @param reason the reading that led to it: utilization, queue depth, latency against its target
     */
    record ScalingRecommended(Instant at, String capability, int currentAgents, int desiredAgents, String reason)
            implements OrchestratorEvent {
    }
}
