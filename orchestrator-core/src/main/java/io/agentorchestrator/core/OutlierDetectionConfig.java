package io.agentorchestrator.core;

import io.agentorchestrator.api.ValidationException;
import java.time.Duration;

/**
 * Passive outlier detection: takes an agent out of rotation ("ejects" it) when real traffic to it
 * fails, without waiting for a health check. An ejection lasts {@code baseEjectionTime} times the
 * number of times the agent was ejected recently, capped at {@code maxEjectionTime}, and ends early
 * when an active health check passes. At most {@code maxEjectionPercent} of a capability's agents
 * (but always at least one) are ejected at once, so a bad deploy does not empty the pool.
 *
 * <p>What counts as a failure: a transport error, a timeout, and a retryable failure the agent
 * reports (other than "busy"). A non-retryable failure from the agent's handler is about the
 * task, not the agent, and does not count.
 *
 * @param consecutiveFailures  failures in a row that eject; 0 turns this trigger off
 * @param failureRateThreshold share of failed calls in the window (0 to 1) that ejects; 0 turns this trigger off
 * @param failureRateWindow    how many of the agent's most recent calls the failure rate is computed over
 * @param minimumCalls         calls the window must hold before the failure rate is judged
 * @param baseEjectionTime     how long the first ejection lasts
 * @param maxEjectionTime      the longest any ejection lasts
 * @param maxEjectionPercent   the largest share of a capability's agents ejected at once, 0 to 100 (at least one agent)
 */
public record OutlierDetectionConfig(int consecutiveFailures, double failureRateThreshold, int failureRateWindow, int minimumCalls,
        Duration baseEjectionTime, Duration maxEjectionTime, int maxEjectionPercent) {

    /** Failures in a row that eject an agent: 5 (Envoy, Finagle). */
    public static final int DEFAULT_CONSECUTIVE_FAILURES = 5;
    /** Failure rate that ejects an agent: 0.5. */
    public static final double DEFAULT_FAILURE_RATE_THRESHOLD = 0.5;
    /** Recent calls the failure rate is computed over: 20. */
    public static final int DEFAULT_FAILURE_RATE_WINDOW = 20;
    /** Calls in the window before the rate is judged: 10. */
    public static final int DEFAULT_MINIMUM_CALLS = 10;
    /** Length of a first ejection: 30 s (Envoy). */
    public static final Duration DEFAULT_BASE_EJECTION_TIME = Duration.ofSeconds(30);
    /** Longest ejection: 300 s (Envoy). */
    public static final Duration DEFAULT_MAX_EJECTION_TIME = Duration.ofSeconds(300);
    /** Largest share of a capability's agents ejected at once: 10 % (Envoy), and at least one agent. */
    public static final int DEFAULT_MAX_EJECTION_PERCENT = 10;

    /** Checks every value; see the builder's setters for the rules. */
    public OutlierDetectionConfig {
        ValidationException.requireInRange(consecutiveFailures, 0, 1000, "consecutiveFailures");
        ValidationException.require(failureRateThreshold >= 0 && failureRateThreshold <= 1, "failureRateThreshold",
                "must be between 0 and 1", failureRateThreshold);
        ValidationException.requireInRange(failureRateWindow, 1, 10_000, "failureRateWindow");
        ValidationException.requireInRange(minimumCalls, 1, failureRateWindow, "minimumCalls");
        HealthCheckConfig.requireBetween(baseEjectionTime, Duration.ofMillis(1), Duration.ofHours(1), "baseEjectionTime");
        HealthCheckConfig.requireBetween(maxEjectionTime, baseEjectionTime, Duration.ofDays(1), "maxEjectionTime");
        ValidationException.requireInRange(maxEjectionPercent, 0, 100, "maxEjectionPercent");
    }

    /** The defaults: 5 consecutive failures or 50 % of the last 20 calls, 30 s growing to 300 s, at most 10 % ejected. */
    public static OutlierDetectionConfig defaults() {
        return builder().build();
    }

    /** Starts a configuration with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects an {@link OutlierDetectionConfig}; each setter checks its value. Not thread-safe. */
    public static final class Builder {
        private int consecutiveFailures = DEFAULT_CONSECUTIVE_FAILURES;
        private double failureRateThreshold = DEFAULT_FAILURE_RATE_THRESHOLD;
        private int failureRateWindow = DEFAULT_FAILURE_RATE_WINDOW;
        private int minimumCalls = DEFAULT_MINIMUM_CALLS;
        private Duration baseEjectionTime = DEFAULT_BASE_EJECTION_TIME;
        private Duration maxEjectionTime = DEFAULT_MAX_EJECTION_TIME;
        private int maxEjectionPercent = DEFAULT_MAX_EJECTION_PERCENT;

        private Builder() {
        }

        /** Failures in a row that eject, 0 (off) to 1000; default {@value #DEFAULT_CONSECUTIVE_FAILURES}. */
        public Builder consecutiveFailures(int failures) {
            this.consecutiveFailures = ValidationException.requireInRange(failures, 0, 1000, "consecutiveFailures");
            return this;
        }

        /**
         * Failure rate over the last {@code window} calls that ejects once at least {@code minimumCalls}
         * were made; rate 0 to 1 (0 turns the trigger off); defaults 0.5 over 20 calls, judged from 10.
         */
        public Builder failureRate(double threshold, int window, int minimumCalls) {
            ValidationException.require(threshold >= 0 && threshold <= 1, "failureRateThreshold", "must be between 0 and 1", threshold);
            ValidationException.requireInRange(window, 1, 10_000, "failureRateWindow");
            ValidationException.requireInRange(minimumCalls, 1, window, "minimumCalls");
            this.failureRateThreshold = threshold;
            this.failureRateWindow = window;
            this.minimumCalls = minimumCalls;
            return this;
        }

        /** Length of a first ejection, 1 ms to 1 h; each further ejection adds as much; default 30 s. */
        public Builder baseEjectionTime(Duration time) {
            this.baseEjectionTime = HealthCheckConfig.requireBetween(time, Duration.ofMillis(1), Duration.ofHours(1), "baseEjectionTime");
            return this;
        }

        /** The longest an ejection lasts, at least the base time, at most 1 day; default 300 s. */
        public Builder maxEjectionTime(Duration time) {
            this.maxEjectionTime = HealthCheckConfig.requireBetween(time, Duration.ofMillis(1), Duration.ofDays(1), "maxEjectionTime");
            return this;
        }

        /** Largest share of a capability's agents ejected at once, 0 to 100 percent (always at least one agent); default 10. */
        public Builder maxEjectionPercent(int percent) {
            this.maxEjectionPercent = ValidationException.requireInRange(percent, 0, 100, "maxEjectionPercent");
            return this;
        }

        /**
         * Builds the configuration.
         *
         * @throws ValidationException when the max ejection time is shorter than the base time
         */
        public OutlierDetectionConfig build() {
            return new OutlierDetectionConfig(consecutiveFailures, failureRateThreshold, failureRateWindow, minimumCalls, baseEjectionTime,
                    maxEjectionTime, maxEjectionPercent);
        }
    }
}
