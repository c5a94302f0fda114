package io.agentorchestrator.core.internal;

import io.agentorchestrator.api.Agent;
import io.agentorchestrator.api.Balancer;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.ValidationException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Balancers that look at load and latency: power of two choices on in-flight load, and the same
 * over a peak-EWMA latency cost. Both are O(1), lock-free and allocation-free per pick.
 */
public final class LoadAwareBalancers {

    /** Cost of an agent with tasks in flight but no latency sample yet, per task in flight. */
    public static final Duration DEFAULT_UNSAMPLED_PENALTY = Duration.ofSeconds(1);

    private LoadAwareBalancers() {
    }

    /** {@code p2c}: the less loaded of two random candidates, load being (in-flight + 1) / weight. */
    public static Balancer powerOfTwoChoices() {
        return new PowerOfTwoChoices();
    }

    /** {@code peak-ewma} with the default penalty for agents not yet sampled. */
    public static Balancer peakEwma() {
        return new PeakEwma(DEFAULT_UNSAMPLED_PENALTY.toNanos());
    }

    /** {@code peak-ewma} with a chosen penalty for agents not yet sampled. */
    public static Balancer peakEwma(Duration unsampledPenalty) {
        ValidationException.requireNonNull(unsampledPenalty, "unsampledPenalty");
        ValidationException.require(!unsampledPenalty.isNegative() && !unsampledPenalty.isZero(), "unsampledPenalty", "must be > 0",
                unsampledPenalty);
        return new PeakEwma(unsampledPenalty.toNanos());
    }

    /** Picks two distinct random candidates and keeps the cheaper; with two or fewer, compares all. */
    private abstract static class TwoChoices implements Balancer {
        @Override
        public final Agent pick(List<? extends Agent> candidates, Task task) {
            int n = candidates.size();
            if (n == 1) {
                return candidates.get(0);
            }
            Agent a;
            Agent b;
            if (n == 2) {
                a = candidates.get(0);
                b = candidates.get(1);
            } else {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                int i = random.nextInt(n);
                int j = random.nextInt(n - 1);
                if (j >= i) {
                    j++;
                }
                a = candidates.get(i);
                b = candidates.get(j);
            }
            return cost(b) < cost(a) ? b : a;
        }

        abstract double cost(Agent agent);
    }

    static final class PowerOfTwoChoices extends TwoChoices {
        @Override
        double cost(Agent agent) {
            return (agent.inFlight() + 1.0) / agent.weight();
        }

        @Override
        public String toString() {
            return "p2c";
        }
    }

    /**
     * P2C over latency × load, Finagle's "peak EWMA": cost = EWMA latency × (in-flight + 1) / weight.
     * The latency average is the engine's ({@link Agent#latencyEwmaNanos()}, decay set by
     * {@code Orchestrator.Builder.latencyDecay}). An agent with no sample yet costs nothing while
     * idle, so it gets probed, and {@code penalty} per task in flight otherwise, so it is not
     * flooded before its first answer.
     */
    static final class PeakEwma extends TwoChoices {
        private final double penaltyNanos;

        PeakEwma(long penaltyNanos) {
            this.penaltyNanos = penaltyNanos;
        }

        @Override
        double cost(Agent agent) {
            long latency = agent.latencyEwmaNanos();
            int inFlight = agent.inFlight();
            if (latency == 0) {
                return inFlight == 0 ? 0 : penaltyNanos * inFlight / agent.weight();
            }
            return (double) latency * (inFlight + 1) / agent.weight();
        }

        @Override
        public String toString() {
            return "peak-ewma";
        }
    }
}
