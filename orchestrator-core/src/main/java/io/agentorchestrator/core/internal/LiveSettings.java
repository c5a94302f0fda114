package io.agentorchestrator.core.internal;

import io.agentorchestrator.api.Balancer;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.CircuitBreakerConfig;
import io.agentorchestrator.core.HealthCheckConfig;
import io.agentorchestrator.core.RateLimitConfig;
import io.agentorchestrator.core.config.Reconfiguration;
import io.agentorchestrator.core.internal.resilience.TokenBucket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The settings that may change while the orchestrator runs, as one immutable snapshot: the engine
 * publishes it in the {@link AgentRegistry} snapshot together with the agents' weights and guards
 * and swaps it whole, so a placement that read it sees either every old value or every new one,
 * never a mix.
 *
 * @param balancer             picks an agent among the eligible ones
 * @param healthCheck          active health checks, or null when off
 * @param circuitBreaker       settings of each agent's breaker, or null when off
 * @param agentRateLimit       each agent's token bucket, or null when off
 * @param capabilityRateLimits limits per capability
 * @param capabilityLimits     the buckets enforcing them; a bucket whose limit did not change is carried over with its tokens
 */
record LiveSettings(Balancer balancer, HealthCheckConfig healthCheck, CircuitBreakerConfig circuitBreaker, RateLimitConfig agentRateLimit,
        Map<String, RateLimitConfig> capabilityRateLimits, Map<String, TokenBucket> capabilityLimits) {

    /** The result of applying a change: the new snapshot and a line per setting that changed. */
    record Next(LiveSettings settings, List<String> changes, boolean guardsChanged, boolean healthChanged) {
    }

    static LiveSettings initial(OrchestratorSettings s) {
        return new LiveSettings(s.balancer(), s.healthCheck(), s.circuitBreaker(), s.agentRateLimit(), Map.copyOf(s.capabilityRateLimits()),
                buckets(s.capabilityRateLimits(), Map.of(), Map.of()));
    }

    /**
     * The snapshot with {@code change} applied; checks it can be applied before anything is swapped.
     *
     * @throws ValidationException when it changes health checks that are off
     */
    Next apply(Reconfiguration change) {
        List<String> lines = new ArrayList<>();
        Balancer b = change.balancer().orElse(balancer);
        if (b != balancer) {
            lines.add("balancer: " + balancer + " -> " + b);
        }
        HealthCheckConfig h = healthCheck;
        if (change.healthCheck().isPresent() || change.healthyThreshold().isPresent()) {
            ValidationException.require(healthCheck != null, "healthCheck", "can only be changed while health checks run "
                    + "(turn them on with Orchestrator.Builder.healthCheck)", "off");
            h = change.healthCheck().orElse(healthCheck);
            if (change.healthyThreshold().isPresent()) {
                h = new HealthCheckConfig(h.probe(), h.interval(), h.jitter(), h.timeout(), change.healthyThreshold().get(),
                        change.unhealthyThreshold().get());
            }
            if (!h.equals(healthCheck)) {
                lines.add("healthCheck: " + describe(healthCheck) + " -> " + describe(h));
            }
        }
        CircuitBreakerConfig c = change.changesCircuitBreaker() ? change.circuitBreaker().orElse(null) : circuitBreaker;
        if (!Objects.equals(c, circuitBreaker)) {
            lines.add("circuitBreaker: " + off(circuitBreaker) + " -> " + off(c));
        }
        RateLimitConfig a = change.changesAgentRateLimit() ? change.agentRateLimit().orElse(null) : agentRateLimit;
        if (!Objects.equals(a, agentRateLimit)) {
            lines.add("agentRateLimit: " + off(agentRateLimit) + " -> " + off(a));
        }
        Map<String, RateLimitConfig> limits = new LinkedHashMap<>(capabilityRateLimits);
        for (Map.Entry<String, Optional<RateLimitConfig>> e : change.capabilityRateLimits().entrySet()) {
            RateLimitConfig before = limits.get(e.getKey());
            RateLimitConfig after = e.getValue().orElse(null);
            if (!Objects.equals(before, after)) {
                lines.add("capabilityRateLimit[" + e.getKey() + "]: " + off(before) + " -> " + off(after));
            }
            if (after == null) {
                limits.remove(e.getKey());
            } else {
                limits.put(e.getKey(), after);
            }
        }
        LiveSettings next = new LiveSettings(b, h, c, a, Map.copyOf(limits), buckets(limits, capabilityRateLimits, capabilityLimits));
        boolean guards = !Objects.equals(c, circuitBreaker) || !Objects.equals(a, agentRateLimit);
        return new Next(next, lines, guards, !Objects.equals(h, healthCheck));
    }

    /** Buckets for {@code limits}, keeping the old bucket (and its tokens) of every capability whose limit is the same. */
    private static Map<String, TokenBucket> buckets(Map<String, RateLimitConfig> limits, Map<String, RateLimitConfig> oldLimits,
            Map<String, TokenBucket> oldBuckets) {
        Map<String, TokenBucket> buckets = new HashMap<>();
        limits.forEach((capability, limit) -> buckets.put(capability, limit.equals(oldLimits.get(capability))
                ? oldBuckets.get(capability) : new TokenBucket(limit.permitsPerSecond(), limit.burst())));
        return Map.copyOf(buckets);
    }

    private static String describe(HealthCheckConfig h) {
        return h == null ? "off" : "interval " + h.interval().toMillis() + " ms, timeout " + h.timeout().toMillis() + " ms, healthy after "
                + h.healthyThreshold() + ", unhealthy after " + h.unhealthyThreshold();
    }

    private static String off(Object config) {
        return config == null ? "off" : config.toString();
    }

    /**
     * Checks that every agent given a weight is registered, before anything is swapped.
     *
     * @throws io.agentorchestrator.api.AgentRegistrationException when an agent is not registered
     */
    static void requireRegistered(Map<String, AgentState> agents, Map<String, Integer> weights) {
        for (String id : weights.keySet()) {
            if (!agents.containsKey(id)) {
                throw AgentRegistry.notRegistered(id);
            }
        }
    }
}
