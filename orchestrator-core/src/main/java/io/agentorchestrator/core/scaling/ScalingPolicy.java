package io.agentorchestrator.core.scaling;

import io.agentorchestrator.api.ValidationException;
import java.time.Duration;

/**
 * How the orchestrator computes each capability's desired agent count, with the rule of the
 * Kubernetes horizontal pod autoscaler: for every signal, {@code desired = ⌈current × observed ÷ target⌉},
 * the largest of them wins, within {@code [minAgents, maxAgents]}. The signals are utilization
 * (tasks in flight ÷ total max concurrency) against {@code targetUtilization}, waiting tasks per
 * agent against {@code targetQueuePerAgent}, and, when set, the agents' mean latency against
 * {@code latencyTarget}. A ratio within {@value #TOLERANCE} of 1 changes nothing. Scaling down is
 * stabilized: the count used is the highest recommended during the last
 * {@code scaleDownStabilization}, so a short lull does not remove agents; scaling up uses the
 * lowest recommended during {@code scaleUpStabilization} (0 by default: at once).
 *
 * @param targetUtilization      utilization to hold, more than 0 and at most 1; default 0.7
 * @param targetQueuePerAgent    waiting tasks per agent tolerated, 1 to 1,000,000; default 10
 * @param latencyTarget          mean agent latency to hold, or null to ignore latency; default null
 * @param minAgents              fewest agents, 0 to maxAgents; default 1
 * @param maxAgents              most agents, 1 to 100,000; default 10
 * @param scaleDownStabilization window for scaling down, 0 to 1 h; default 5 min (as Kubernetes)
 * @param scaleUpStabilization   window for scaling up, 0 to 1 h; default 0
 * @param evaluationInterval     how often the signal is computed, 10 ms to 10 min; default 15 s (as Kubernetes)
 */
public record ScalingPolicy(double targetUtilization, int targetQueuePerAgent, Duration latencyTarget, int minAgents, int maxAgents,
        Duration scaleDownStabilization, Duration scaleUpStabilization, Duration evaluationInterval) {

    /** A ratio of observed to target this close to 1 recommends no change: 0.1, as Kubernetes. */
    public static final double TOLERANCE = 0.1;
    /** Utilization held when none is set: 0.7. */
    public static final double DEFAULT_TARGET_UTILIZATION = 0.7;
    /** Waiting tasks per agent tolerated: 10. */
    public static final int DEFAULT_TARGET_QUEUE_PER_AGENT = 10;
    /** Fewest agents: 1. */
    public static final int DEFAULT_MIN_AGENTS = 1;
    /** Most agents: 10. */
    public static final int DEFAULT_MAX_AGENTS = 10;
    /** Window for scaling down: 5 min. */
    public static final Duration DEFAULT_SCALE_DOWN_STABILIZATION = Duration.ofMinutes(5);
    /** Window for scaling up: none. */
    public static final Duration DEFAULT_SCALE_UP_STABILIZATION = Duration.ZERO;
    /** How often the signal is computed: 15 s. */
    public static final Duration DEFAULT_EVALUATION_INTERVAL = Duration.ofSeconds(15);

    /** Checks every value; see the builder's setters for the rules. */
    public ScalingPolicy {
        ValidationException.require(targetUtilization > 0 && targetUtilization <= 1, "targetUtilization", "must be > 0 and <= 1",
                targetUtilization);
        ValidationException.requireInRange(targetQueuePerAgent, 1, 1_000_000, "targetQueuePerAgent");
        if (latencyTarget != null) {
            ValidationException.require(latencyTarget.compareTo(Duration.ofMillis(1)) >= 0 && latencyTarget.compareTo(Duration.ofHours(1)) <= 0,
                    "latencyTarget", "must be between 1 ms and 1 h", latencyTarget);
        }
        ValidationException.requireInRange(maxAgents, 1, 100_000, "maxAgents");
        ValidationException.requireInRange(minAgents, 0, maxAgents, "minAgents");
        window(scaleDownStabilization, "scaleDownStabilization");
        window(scaleUpStabilization, "scaleUpStabilization");
        ValidationException.requireNonNull(evaluationInterval, "evaluationInterval");
        ValidationException.require(evaluationInterval.compareTo(Duration.ofMillis(10)) >= 0
                && evaluationInterval.compareTo(Duration.ofMinutes(10)) <= 0, "evaluationInterval", "must be between 10 ms and 10 min",
                evaluationInterval);
    }

    private static void window(Duration d, String field) {
        ValidationException.requireNonNull(d, field);
        ValidationException.require(!d.isNegative() && d.compareTo(Duration.ofHours(1)) <= 0, field, "must be between 0 and 1 h", d);
    }

    /** Starts a policy with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects a {@link ScalingPolicy}; each setter checks its value. Not thread-safe. */
    public static final class Builder {
        private double targetUtilization = DEFAULT_TARGET_UTILIZATION;
        private int targetQueuePerAgent = DEFAULT_TARGET_QUEUE_PER_AGENT;
        private Duration latencyTarget;
        private int minAgents = DEFAULT_MIN_AGENTS;
        private int maxAgents = DEFAULT_MAX_AGENTS;
        private Duration scaleDownStabilization = DEFAULT_SCALE_DOWN_STABILIZATION;
        private Duration scaleUpStabilization = DEFAULT_SCALE_UP_STABILIZATION;
        private Duration evaluationInterval = DEFAULT_EVALUATION_INTERVAL;

        private Builder() {
        }

        /** Utilization to hold, more than 0 and at most 1; default 0.7. */
        public Builder targetUtilization(double target) {
            ValidationException.require(target > 0 && target <= 1, "targetUtilization", "must be > 0 and <= 1", target);
            this.targetUtilization = target;
            return this;
        }

        /** Waiting tasks per agent tolerated, 1 to 1,000,000; default 10. */
        public Builder targetQueuePerAgent(int tasks) {
            this.targetQueuePerAgent = ValidationException.requireInRange(tasks, 1, 1_000_000, "targetQueuePerAgent");
            return this;
        }

        /** Mean agent latency to hold, 1 ms to 1 h; default: latency is not a signal. */
        public Builder latencyTarget(Duration target) {
            ValidationException.requireNonNull(target, "latencyTarget");
            ValidationException.require(target.compareTo(Duration.ofMillis(1)) >= 0 && target.compareTo(Duration.ofHours(1)) <= 0,
                    "latencyTarget", "must be between 1 ms and 1 h", target);
            this.latencyTarget = target;
            return this;
        }

        /** Fewest and most agents: {@code 0 <= min <= max}, max 1 to 100,000; defaults 1 and 10. */
        public Builder bounds(int min, int max) {
            ValidationException.requireInRange(max, 1, 100_000, "maxAgents");
            this.minAgents = ValidationException.requireInRange(min, 0, max, "minAgents");
            this.maxAgents = max;
            return this;
        }

        /** Window for scaling down, 0 to 1 h; default 5 min. */
        public Builder scaleDownStabilization(Duration window) {
            window(window, "scaleDownStabilization");
            this.scaleDownStabilization = window;
            return this;
        }

        /** Window for scaling up, 0 to 1 h; default 0. */
        public Builder scaleUpStabilization(Duration window) {
            window(window, "scaleUpStabilization");
            this.scaleUpStabilization = window;
            return this;
        }

        /** How often the signal is computed, 10 ms to 10 min; default 15 s. */
        public Builder evaluationInterval(Duration interval) {
            ValidationException.requireNonNull(interval, "evaluationInterval");
            ValidationException.require(interval.compareTo(Duration.ofMillis(10)) >= 0 && interval.compareTo(Duration.ofMinutes(10)) <= 0,
                    "evaluationInterval", "must be between 10 ms and 10 min", interval);
            this.evaluationInterval = interval;
            return this;
        }

        /** Builds the policy. */
        public ScalingPolicy build() {
            return new ScalingPolicy(targetUtilization, targetQueuePerAgent, latencyTarget, minAgents, maxAgents, scaleDownStabilization,
                    scaleUpStabilization, evaluationInterval);
        }
    }
}
