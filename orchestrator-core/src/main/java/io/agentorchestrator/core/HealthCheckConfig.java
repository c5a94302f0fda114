package io.agentorchestrator.core;

import io.agentorchestrator.api.HealthProbe;
import io.agentorchestrator.api.ProviderNotFoundException;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.internal.ProviderLookup;
import java.time.Duration;

/**
 * Active health checking: how often the orchestrator probes each agent, with which
 * {@link HealthProbe}, and how many results in a row flip it between HEALTHY and UNHEALTHY.
 * Immutable; build one with {@link #builder()}.
 *
 * <pre>{@code
 * Orchestrator.builder().healthCheck(HealthCheckConfig.builder()
 *     .probe(HealthProbes.http("/healthz", 200))
 *     .interval(Duration.ofSeconds(5))
 *     .build());
 * }</pre>
 *
 * @param probe              what checks one agent
 * @param interval           time between the end of one check of an agent and the start of the next
 * @param jitter             up to this much random time is added to each interval, so checks of many agents spread out
 * @param timeout            a check still running after this counts as a failure
 * @param healthyThreshold   consecutive passes that make an UNHEALTHY agent HEALTHY again
 * @param unhealthyThreshold consecutive failures that make a HEALTHY agent UNHEALTHY
 */
public record HealthCheckConfig(HealthProbe probe, Duration interval, Duration jitter, Duration timeout, int healthyThreshold,
        int unhealthyThreshold) {

    /** Time between checks of one agent: 10 s (Envoy users' most common setting). */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
    /** Most random time added to an interval: 1 s. */
    public static final Duration DEFAULT_JITTER = Duration.ofSeconds(1);
    /** How long one check may take: 2 s. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    /** Consecutive passes to become HEALTHY again: 2. */
    public static final int DEFAULT_HEALTHY_THRESHOLD = 2;
    /** Consecutive failures to become UNHEALTHY: 3. */
    public static final int DEFAULT_UNHEALTHY_THRESHOLD = 3;
    /** Probe used when none is set: the transport-level ping, which works for agents on any transport. */
    public static final String DEFAULT_PROBE = "ping";

    /** Checks every value; see the builder's setters for the rules. */
    public HealthCheckConfig {
        ValidationException.requireNonNull(probe, "probe");
        requireBetween(interval, Duration.ofMillis(1), Duration.ofHours(1), "interval");
        ValidationException.requireNonNull(jitter, "jitter");
        ValidationException.require(!jitter.isNegative() && jitter.compareTo(interval) <= 0, "jitter", "must be between 0 and the interval ("
                + interval + ")", jitter);
        requireBetween(timeout, Duration.ofMillis(1), Duration.ofMinutes(10), "timeout");
        ValidationException.requireInRange(healthyThreshold, 1, 100, "healthyThreshold");
        ValidationException.requireInRange(unhealthyThreshold, 1, 100, "unhealthyThreshold");
    }

    /** Starts a configuration with every default: the {@value #DEFAULT_PROBE} probe every 10 s. */
    public static Builder builder() {
        return new Builder();
    }

    static Duration requireBetween(Duration d, Duration min, Duration max, String field) {
        ValidationException.requireNonNull(d, field);
        ValidationException.require(d.compareTo(min) >= 0 && d.compareTo(max) <= 0, field, "must be between " + min + " and " + max, d);
        return d;
    }

    /** Collects a {@link HealthCheckConfig}; each setter checks its value. Not thread-safe. */
    public static final class Builder {
        private HealthProbe probe;
        private Duration interval = DEFAULT_INTERVAL;
        private Duration jitter;
        private Duration timeout = DEFAULT_TIMEOUT;
        private int healthyThreshold = DEFAULT_HEALTHY_THRESHOLD;
        private int unhealthyThreshold = DEFAULT_UNHEALTHY_THRESHOLD;

        private Builder() {
        }

        /**
         * Selects a probe by name: {@code ping} (the default), {@code http}, {@code tcp}, or one found
         * through {@code ServiceLoader} ({@link io.agentorchestrator.api.HealthProbeProvider}).
         *
         * @throws ProviderNotFoundException when no probe has that name
         */
        public Builder probe(String name) {
            this.probe = ProviderLookup.healthProbe(name);
            return this;
        }

        /** Uses this probe instance, e.g. from {@link HealthProbes}. */
        public Builder probe(HealthProbe probe) {
            this.probe = ValidationException.requireNonNull(probe, "probe");
            return this;
        }

        /** Time between checks of one agent, 1 ms to 1 h; default 10 s. */
        public Builder interval(Duration interval) {
            this.interval = requireBetween(interval, Duration.ofMillis(1), Duration.ofHours(1), "interval");
            return this;
        }

        /** Most random time added to each interval, 0 to the interval; default 1 s, or the interval when it is shorter. */
        public Builder jitter(Duration jitter) {
            ValidationException.requireNonNull(jitter, "jitter");
            ValidationException.require(!jitter.isNegative(), "jitter", "must be >= 0", jitter);
            this.jitter = jitter;
            return this;
        }

        /** How long one check may take before it counts as failed, 1 ms to 10 min; default 2 s. */
        public Builder timeout(Duration timeout) {
            this.timeout = requireBetween(timeout, Duration.ofMillis(1), Duration.ofMinutes(10), "timeout");
            return this;
        }

        /** Consecutive passes that make an UNHEALTHY agent HEALTHY, 1 to 100; default {@value #DEFAULT_HEALTHY_THRESHOLD}. */
        public Builder healthyThreshold(int threshold) {
            this.healthyThreshold = ValidationException.requireInRange(threshold, 1, 100, "healthyThreshold");
            return this;
        }

        /** Consecutive failures that make a HEALTHY agent UNHEALTHY, 1 to 100; default {@value #DEFAULT_UNHEALTHY_THRESHOLD}. */
        public Builder unhealthyThreshold(int threshold) {
            this.unhealthyThreshold = ValidationException.requireInRange(threshold, 1, 100, "unhealthyThreshold");
            return this;
        }

        /**
         * Builds the configuration.
         *
         * @throws ValidationException when the jitter is longer than the interval
         */
        public HealthCheckConfig build() {
            HealthProbe p = probe != null ? probe : ProviderLookup.healthProbe(DEFAULT_PROBE);
            Duration j = jitter != null ? jitter : (DEFAULT_JITTER.compareTo(interval) <= 0 ? DEFAULT_JITTER : interval);
            return new HealthCheckConfig(p, interval, j, timeout, healthyThreshold, unhealthyThreshold);
        }
    }
}
