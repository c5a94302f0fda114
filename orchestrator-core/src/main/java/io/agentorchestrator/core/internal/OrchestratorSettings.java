package io.agentorchestrator.core.internal;

import io.agentorchestrator.api.Balancer;
import io.agentorchestrator.api.OrchestratorListener;
import io.agentorchestrator.api.Ticker;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.core.CircuitBreakerConfig;
import io.agentorchestrator.core.HealthCheckConfig;
import io.agentorchestrator.core.OutlierDetectionConfig;
import io.agentorchestrator.core.RateLimitConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The validated settings the builder hands to the engine.
 *
 * @param scheduler              null when the orchestrator should own one
 * @param latencyDecay           time constant of each agent's peak-EWMA latency
 * @param localZone              zone preferred for tasks that name none, or null
 * @param watchDirectories       whether to register the agents that transports' directories report
 * @param healthCheck            active health checking, or null when off
 * @param outlierDetection       passive outlier detection, or null when off
 * @param circuitBreaker         per-agent circuit breakers, or null when off
 * @param agentRateLimit         per-agent token bucket, or null when off
 * @param capabilityRateLimits   per-capability token buckets
 * @param retryBackoffBase       first retry's most delay (full jitter); zero for none
 * @param retryBackoffMax        most delay of any retry
 * @param retryBudgetRatio       retries allowed per recent request
 * @param retryBudgetMinPerSecond retries always allowed per second
 * @param leaseGraceTtls         TTLs after a lapsed lease before the agent is removed
 * @param healthScheduler        runs health checks and sweeps; null when the orchestrator should own one
 * @param hedgeDelay             delay before a hedged second attempt of an idempotent task, or null when off
 * @param tracer                 traces tasks and attempts, or null when tracing is off
 * @param resultCache            the cache of cacheable tasks' results, or null when off
 * @param scalingPolicy          how desired agent counts are computed, or null when auto-scaling signals are off
 * @param scalingHook            told of each change of a desired count, or null
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
        Duration latencyDecay,
        HealthCheckConfig healthCheck,
        OutlierDetectionConfig outlierDetection,
        CircuitBreakerConfig circuitBreaker,
        RateLimitConfig agentRateLimit,
        Map<String, RateLimitConfig> capabilityRateLimits,
        Duration retryBackoffBase,
        Duration retryBackoffMax,
        double retryBudgetRatio,
        int retryBudgetMinPerSecond,
        int leaseGraceTtls,
        ScheduledExecutorService healthScheduler,
        Duration hedgeDelay,
        TaskTracer tracer,
        io.agentorchestrator.core.ResultCacheConfig resultCache,
        io.agentorchestrator.core.scaling.ScalingPolicy scalingPolicy,
        io.agentorchestrator.core.scaling.ScalingHook scalingHook) {
}
