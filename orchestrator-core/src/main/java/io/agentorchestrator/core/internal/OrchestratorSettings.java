package io.agentorchestrator.core.internal;

import io.agentorchestrator.api.Balancer;
import io.agentorchestrator.api.OrchestratorListener;
import io.agentorchestrator.api.Ticker;
import io.agentorchestrator.api.Transport;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The validated settings the builder hands to the engine.
 *
 * @param scheduler        null when the orchestrator should own one
 * @param latencyDecay     time constant of each agent's peak-EWMA latency
 * @param localZone        zone preferred for tasks that name none, or null
 * @param watchDirectories whether to register the agents that transports' directories report
 */
public record OrchestratorSettings(
        Map<String, Transport> transports,
        List<Transport> ownedTransports,
        Balancer balancer,
        Duration defaultTimeout,
        int maxAttempts,
        int maxQueuedTasks,
        int maxPayloadBytes,
        Duration shutdownTimeout,
        Clock clock,
        Ticker ticker,
        ScheduledExecutorService scheduler,
        List<OrchestratorListener> listeners,
        boolean watchDirectories,
        String localZone,
        Duration latencyDecay) {
}
