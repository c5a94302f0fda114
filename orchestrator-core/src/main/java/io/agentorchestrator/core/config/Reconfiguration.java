package io.agentorchestrator.core.config;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Balancer;
import io.agentorchestrator.api.ProviderNotFoundException;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.CircuitBreakerConfig;
import io.agentorchestrator.core.HealthCheckConfig;
import io.agentorchestrator.core.RateLimitConfig;
import io.agentorchestrator.core.internal.ProviderLookup;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A change to a running orchestrator's settings, applied with
 * {@code Orchestrator.reconfigure(change)}: swap the balancer, change agents' weights, health
 * check settings (thresholds among them), circuit breaker and rate-limit settings, while tasks
 * flow. What is not named stays as it is.
 *
 * <pre>{@code
 * orchestrator.reconfigure(Reconfiguration.builder()
 *         .balancer("least-connections")
 *         .weight("planner-1", 5)
 *         .healthThresholds(2, 5)
 *         .circuitBreaker(CircuitBreakerConfig.builder().waitInOpen(Duration.ofSeconds(10)).build())
 *         .reason("incident 4711: planner-2 is flaky")
 *         .build());
 * }</pre>
 *
 * <p>Immutable. Each setter checks its value with the same rule as the orchestrator's builder.
 */
public final class Reconfiguration {

    private final Balancer balancer;
    private final Map<String, Integer> weights;
    private final HealthCheckConfig healthCheck;
    private final Integer healthyThreshold;
    private final Integer unhealthyThreshold;
    // null: unchanged; empty: off.
    private final Optional<CircuitBreakerConfig> circuitBreaker;
    private final Optional<RateLimitConfig> agentRateLimit;
    private final Map<String, Optional<RateLimitConfig>> capabilityRateLimits;
    private final String reason;

    private Reconfiguration(Builder b) {
        this.balancer = b.balancer;
        this.weights = Collections.unmodifiableMap(new LinkedHashMap<>(b.weights));
        this.healthCheck = b.healthCheck;
        this.healthyThreshold = b.healthyThreshold;
        this.unhealthyThreshold = b.unhealthyThreshold;
        this.circuitBreaker = b.circuitBreaker;
        this.agentRateLimit = b.agentRateLimit;
        this.capabilityRateLimits = Collections.unmodifiableMap(new LinkedHashMap<>(b.capabilityRateLimits));
        this.reason = b.reason;
    }

    /** Starts an empty change. */
    public static Builder builder() {
        return new Builder();
    }

    /** The new balancer, if it changes. */
    public Optional<Balancer> balancer() {
        return Optional.ofNullable(balancer);
    }

    /** New weights by agent id. */
    public Map<String, Integer> weights() {
        return weights;
    }

    /** A whole new health check configuration, if given. */
    public Optional<HealthCheckConfig> healthCheck() {
        return Optional.ofNullable(healthCheck);
    }

    /** New consecutive passes to become HEALTHY, if it changes. */
    public Optional<Integer> healthyThreshold() {
        return Optional.ofNullable(healthyThreshold);
    }

    /** New consecutive failures to become UNHEALTHY, if it changes. */
    public Optional<Integer> unhealthyThreshold() {
        return Optional.ofNullable(unhealthyThreshold);
    }

    /** Whether the circuit breaker settings change; see {@link #circuitBreaker()}. */
    public boolean changesCircuitBreaker() {
        return circuitBreaker != null;
    }

    /** The new circuit breaker settings when {@link #changesCircuitBreaker()}: empty turns breakers off. */
    public Optional<CircuitBreakerConfig> circuitBreaker() {
        return circuitBreaker == null ? Optional.empty() : circuitBreaker;
    }

    /** Whether the per-agent rate limit changes; see {@link #agentRateLimit()}. */
    public boolean changesAgentRateLimit() {
        return agentRateLimit != null;
    }

    /** The new per-agent limit when {@link #changesAgentRateLimit()}: empty lifts it. */
    public Optional<RateLimitConfig> agentRateLimit() {
        return agentRateLimit == null ? Optional.empty() : agentRateLimit;
    }

    /** Per-capability limits that change: empty lifts that capability's limit. */
    public Map<String, Optional<RateLimitConfig>> capabilityRateLimits() {
        return capabilityRateLimits;
    }

    /** Why, for the event and the audit trail; empty when not given. */
    public String reason() {
        return reason;
    }

    /** Whether it changes nothing. */
    public boolean isEmpty() {
        return balancer == null && weights.isEmpty() && healthCheck == null && healthyThreshold == null && unhealthyThreshold == null
                && circuitBreaker == null && agentRateLimit == null && capabilityRateLimits.isEmpty();
    }

    /** Collects a {@link Reconfiguration}. Not thread-safe. */
    public static final class Builder {
        private Balancer balancer;
        private final Map<String, Integer> weights = new LinkedHashMap<>();
        private HealthCheckConfig healthCheck;
        private Integer healthyThreshold;
        private Integer unhealthyThreshold;
        // null: unchanged; empty: off.
        private Optional<CircuitBreakerConfig> circuitBreaker;
        private Optional<RateLimitConfig> agentRateLimit;
        private final Map<String, Optional<RateLimitConfig>> capabilityRateLimits = new LinkedHashMap<>();
        private String reason = "";

        private Builder() {
        }

        /**
         * Swaps the balancer for one found by name, as {@code Orchestrator.Builder.balancer(String)}.
         *
         * @throws ProviderNotFoundException when no balancer has that name
         */
        public Builder balancer(String name) {
            this.balancer = ProviderLookup.balancer(name);
            return this;
        }

        /** Swaps the balancer for this instance. */
        public Builder balancer(Balancer balancer) {
            this.balancer = ValidationException.requireNonNull(balancer, "balancer");
            return this;
        }

        /** Gives a registered agent a new weight, 1 to {@value AgentDescriptor#MAX_WEIGHT}. */
        public Builder weight(String agentId, int weight) {
            ValidationException.requireNonNull(agentId, "agentId");
            weights.put(agentId, ValidationException.requireInRange(weight, 1, AgentDescriptor.MAX_WEIGHT, "weight"));
            return this;
        }

        /** Replaces the whole health check configuration (health checks must have been on at build). */
        public Builder healthCheck(HealthCheckConfig config) {
            this.healthCheck = ValidationException.requireNonNull(config, "healthCheck");
            return this;
        }

        /** New thresholds for the running health checks: passes to become HEALTHY, failures to become UNHEALTHY, 1 to 100 each. */
        public Builder healthThresholds(int healthy, int unhealthy) {
            this.healthyThreshold = ValidationException.requireInRange(healthy, 1, 100, "healthyThreshold");
            this.unhealthyThreshold = ValidationException.requireInRange(unhealthy, 1, 100, "unhealthyThreshold");
            return this;
        }

        /** New circuit breaker settings: every agent gets a fresh, closed breaker with them. */
        public Builder circuitBreaker(CircuitBreakerConfig config) {
            this.circuitBreaker = Optional.of(ValidationException.requireNonNull(config, "circuitBreaker"));
            return this;
        }

        /** Turns circuit breakers off. */
        public Builder circuitBreakerOff() {
            this.circuitBreaker = Optional.empty();
            return this;
        }

        /** A new per-agent limit: every agent gets a fresh, full bucket. */
        public Builder agentRateLimit(RateLimitConfig limit) {
            this.agentRateLimit = Optional.of(ValidationException.requireNonNull(limit, "agentRateLimit"));
            return this;
        }

        /** Lifts the per-agent limit. */
        public Builder agentRateLimitOff() {
            this.agentRateLimit = Optional.empty();
            return this;
        }

        /** A new limit for one capability. */
        public Builder capabilityRateLimit(String capability, RateLimitConfig limit) {
            AgentDescriptor.requireCapability(capability, "capability");
            capabilityRateLimits.put(capability, Optional.of(ValidationException.requireNonNull(limit, "capabilityRateLimit")));
            return this;
        }

        /** Lifts one capability's limit. */
        public Builder capabilityRateLimitOff(String capability) {
            AgentDescriptor.requireCapability(capability, "capability");
            capabilityRateLimits.put(capability, Optional.empty());
            return this;
        }

        /** Why the change is made, for the event and the audit trail; at most 512 characters. */
        public Builder reason(String reason) {
            ValidationException.requireNonNull(reason, "reason");
            ValidationException.require(reason.length() <= 512, "reason", "must be at most 512 characters", reason.length());
            this.reason = reason;
            return this;
        }

        /** Builds the change. */
        public Reconfiguration build() {
            return new Reconfiguration(this);
        }
    }
}
