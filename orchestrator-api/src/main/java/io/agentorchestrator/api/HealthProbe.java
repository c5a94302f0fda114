package io.agentorchestrator.api;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Checks whether one agent is alive and ready to take tasks.
 *
 * <p>Run by the orchestrator's health scheduler. Must not block the calling thread: do the I/O
 * asynchronously and complete the stage. A probe that throws or completes exceptionally counts
 * as an unhealthy result.
 */
@FunctionalInterface
public interface HealthProbe {

    /**
     * Checks {@code agent}.
     *
     * @param agent   the agent to check
     * @param timeout how long the check may take; a stage still open after it counts as unhealthy
     * @return the result, completed when the check is done
     */
    CompletionStage<HealthCheckResult> check(Agent agent, Duration timeout);
}
