package io.agentorchestrator.core;

import io.agentorchestrator.api.ValidationException;
import java.time.Duration;

/**
 * A circuit breaker per agent (never per capability: one bad agent of five must not stop the
 * other four). CLOSED, it counts the outcomes of the agent's last {@code slidingWindowSize}
 * calls; once at least {@code minimumCalls} were made and the failure rate or the slow-call rate
 * reaches its threshold, it OPENs: the agent gets no task for {@code waitInOpen}. Then it is
 * HALF_OPEN: exactly {@code permittedCallsInHalfOpen} trial calls are let through; if their
 * failure and slow-call rates stay below the thresholds it CLOSEs, otherwise it OPENs again. A
 * half-open breaker whose trials have not all completed within {@code maxWaitInHalfOpen} OPENs
 * again, so it never stays half-open forever.
 *
 * <p>Failures are counted as for outlier detection: transport errors, timeouts and retryable
 * agent failures other than "busy"; not a handler's non-retryable (business) failures.
 *
 * @param failureRateThreshold     percent of failed calls that opens, 1 to 100
 * @param slowCallRateThreshold    percent of slow calls that opens, 1 to 100
 * @param slowCallDuration         a call taking at least this long is slow
 * @param slidingWindowSize        calls the rates are computed over
 * @param minimumCalls             calls the window must hold before the rates are judged
 * @param waitInOpen               how long the breaker stays open
 * @param permittedCallsInHalfOpen trial calls let through while half-open
 * @param maxWaitInHalfOpen        longest time in half-open before it opens again
 */
public record CircuitBreakerConfig(int failureRateThreshold, int slowCallRateThreshold, Duration slowCallDuration, int slidingWindowSize,
        int minimumCalls, Duration waitInOpen, int permittedCallsInHalfOpen, Duration maxWaitInHalfOpen) {

    /** Failure rate that opens: 50 % (Resilience4j). */
    public static final int DEFAULT_FAILURE_RATE_THRESHOLD = 50;
    /** Slow-call rate that opens: 100 % (Resilience4j). */
    public static final int DEFAULT_SLOW_CALL_RATE_THRESHOLD = 100;
    /** A call this long is slow: 60 s (Resilience4j). */
    public static final Duration DEFAULT_SLOW_CALL_DURATION = Duration.ofSeconds(60);
    /** Calls in the sliding window: 100 (Resilience4j). */
    public static final int DEFAULT_SLIDING_WINDOW_SIZE = 100;
    /** Calls before the rates are judged: 100 (Resilience4j). */
    public static final int DEFAULT_MINIMUM_CALLS = 100;
    /** Time in the open state: 60 s (Resilience4j). */
    public static final Duration DEFAULT_WAIT_IN_OPEN = Duration.ofSeconds(60);
    /** Trial calls in the half-open state: 10 (Resilience4j). */
    public static final int DEFAULT_PERMITTED_CALLS_IN_HALF_OPEN = 10;
    /**
     * Longest time half-open: 60 s. Resilience4j waits forever by default, which its users report
     * as breakers stuck half-open when a trial call never returns; we do not.
     */
    public static final Duration DEFAULT_MAX_WAIT_IN_HALF_OPEN = Duration.ofSeconds(60);

    /** Checks every value; see the builder's setters for the rules. */
    public CircuitBreakerConfig {
        ValidationException.requireInRange(failureRateThreshold, 1, 100, "failureRateThreshold");
        ValidationException.requireInRange(slowCallRateThreshold, 1, 100, "slowCallRateThreshold");
        HealthCheckConfig.requireBetween(slowCallDuration, Duration.ofMillis(1), Duration.ofDays(1), "slowCallDuration");
        ValidationException.requireInRange(slidingWindowSize, 1, 10_000, "slidingWindowSize");
        ValidationException.requireInRange(minimumCalls, 1, slidingWindowSize, "minimumCalls");
        HealthCheckConfig.requireBetween(waitInOpen, Duration.ofMillis(1), Duration.ofDays(1), "waitInOpen");
        ValidationException.requireInRange(permittedCallsInHalfOpen, 1, 10_000, "permittedCallsInHalfOpen");
        HealthCheckConfig.requireBetween(maxWaitInHalfOpen, Duration.ofMillis(1), Duration.ofDays(1), "maxWaitInHalfOpen");
    }

    /** The Resilience4j defaults (window and minimum 100 calls, 50 % failures, open 60 s, 10 trials) and a 60 s half-open limit. */
    public static CircuitBreakerConfig defaults() {
        return builder().build();
    }

    /** Starts a configuration with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects a {@link CircuitBreakerConfig}; each setter checks its value. Not thread-safe. */
    public static final class Builder {
        private int failureRateThreshold = DEFAULT_FAILURE_RATE_THRESHOLD;
        private int slowCallRateThreshold = DEFAULT_SLOW_CALL_RATE_THRESHOLD;
        private Duration slowCallDuration = DEFAULT_SLOW_CALL_DURATION;
        private int slidingWindowSize = DEFAULT_SLIDING_WINDOW_SIZE;
        private int minimumCalls = DEFAULT_MINIMUM_CALLS;
        private Duration waitInOpen = DEFAULT_WAIT_IN_OPEN;
        private int permittedCallsInHalfOpen = DEFAULT_PERMITTED_CALLS_IN_HALF_OPEN;
        private Duration maxWaitInHalfOpen = DEFAULT_MAX_WAIT_IN_HALF_OPEN;

        private Builder() {
        }

        /** Percent of failed calls that opens, 1 to 100; default {@value #DEFAULT_FAILURE_RATE_THRESHOLD}. */
        public Builder failureRateThreshold(int percent) {
            this.failureRateThreshold = ValidationException.requireInRange(percent, 1, 100, "failureRateThreshold");
            return this;
        }

        /** Percent of slow calls that opens, 1 to 100; default {@value #DEFAULT_SLOW_CALL_RATE_THRESHOLD}. */
        public Builder slowCallRateThreshold(int percent) {
            this.slowCallRateThreshold = ValidationException.requireInRange(percent, 1, 100, "slowCallRateThreshold");
            return this;
        }

        /** A call taking at least this long is slow, 1 ms to 1 day; default 60 s. */
        public Builder slowCallDuration(Duration duration) {
            this.slowCallDuration = HealthCheckConfig.requireBetween(duration, Duration.ofMillis(1), Duration.ofDays(1), "slowCallDuration");
            return this;
        }

        /**
         * Calls the rates are computed over (1 to 10,000; default {@value #DEFAULT_SLIDING_WINDOW_SIZE}) and how many
         * must have been made before they are judged (1 to the window; default {@value #DEFAULT_MINIMUM_CALLS}).
         */
        public Builder slidingWindow(int size, int minimumCalls) {
            ValidationException.requireInRange(size, 1, 10_000, "slidingWindowSize");
            ValidationException.requireInRange(minimumCalls, 1, size, "minimumCalls");
            this.slidingWindowSize = size;
            this.minimumCalls = minimumCalls;
            return this;
        }

        /** How long the breaker stays open, 1 ms to 1 day; default 60 s. */
        public Builder waitInOpen(Duration wait) {
            this.waitInOpen = HealthCheckConfig.requireBetween(wait, Duration.ofMillis(1), Duration.ofDays(1), "waitInOpen");
            return this;
        }

        /** Trial calls let through half-open, 1 to 10,000; default {@value #DEFAULT_PERMITTED_CALLS_IN_HALF_OPEN}. */
        public Builder permittedCallsInHalfOpen(int calls) {
            this.permittedCallsInHalfOpen = ValidationException.requireInRange(calls, 1, 10_000, "permittedCallsInHalfOpen");
            return this;
        }

        /** Longest time half-open before the breaker opens again, 1 ms to 1 day; default 60 s. */
        public Builder maxWaitInHalfOpen(Duration wait) {
            this.maxWaitInHalfOpen = HealthCheckConfig.requireBetween(wait, Duration.ofMillis(1), Duration.ofDays(1), "maxWaitInHalfOpen");
            return this;
        }

        /** Builds the configuration. */
        public CircuitBreakerConfig build() {
            return new CircuitBreakerConfig(failureRateThreshold, slowCallRateThreshold, slowCallDuration, slidingWindowSize, minimumCalls,
                    waitInOpen, permittedCallsInHalfOpen, maxWaitInHalfOpen);
        }
    }
}
