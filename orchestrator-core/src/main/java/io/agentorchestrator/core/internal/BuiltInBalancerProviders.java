package io.agentorchestrator.core.internal;

import io.agentorchestrator.api.Balancer;
import io.agentorchestrator.api.BalancerProvider;
import java.util.function.Supplier;

/** {@link BalancerProvider}s for the core's balancers, listed in {@code META-INF/services}. */
public final class BuiltInBalancerProviders {

    private BuiltInBalancerProviders() {
    }

    abstract static class Named implements BalancerProvider {
        private final String name;
        private final Supplier<Balancer> factory;

        Named(String name, Supplier<Balancer> factory) {
            this.name = name;
            this.factory = factory;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Balancer create() {
            return factory.get();
        }
    }

    /** {@code round-robin}. */
    public static final class RoundRobin extends Named {
        /** Used by {@link java.util.ServiceLoader}. */
        public RoundRobin() {
            super("round-robin", BuiltInBalancers::roundRobin);
        }
    }

    /** {@code least-connections}. */
    public static final class LeastConnections extends Named {
        /** Used by {@link java.util.ServiceLoader}. */
        public LeastConnections() {
            super("least-connections", BuiltInBalancers::leastConnections);
        }
    }

    /** {@code weighted-round-robin}: smooth weighted round-robin. */
    public static final class WeightedRoundRobin extends Named {
        /** Used by {@link java.util.ServiceLoader}. */
        public WeightedRoundRobin() {
            super("weighted-round-robin", BuiltInBalancers::smoothWeighted);
        }
    }

    /** {@code weighted}: the name the original service used for smooth weighted round-robin. */
    public static final class Weighted extends Named {
        /** Used by {@link java.util.ServiceLoader}. */
        public Weighted() {
            super("weighted", BuiltInBalancers::smoothWeighted);
        }
    }

    /** {@code random}. */
    public static final class RandomPick extends Named {
        /** Used by {@link java.util.ServiceLoader}. */
        public RandomPick() {
            super("random", BuiltInBalancers::random);
        }
    }

    /** {@code p2c}: power of two choices on in-flight load. */
    public static final class PowerOfTwoChoices extends Named {
        /** Used by {@link java.util.ServiceLoader}. */
        public PowerOfTwoChoices() {
            super("p2c", LoadAwareBalancers::powerOfTwoChoices);
        }
    }

    /** {@code peak-ewma}: power of two choices on latency × load. */
    public static final class PeakEwma extends Named {
        /** Used by {@link java.util.ServiceLoader}. */
        public PeakEwma() {
            super("peak-ewma", LoadAwareBalancers::peakEwma);
        }
    }

    /** {@code consistent-hash}: by task key, with bounded load. */
    public static final class ConsistentHash extends Named {
        /** Used by {@link java.util.ServiceLoader}. */
        public ConsistentHash() {
            super("consistent-hash", HashingBalancers::consistentHash);
        }
    }

    /** {@code weighted-random}. */
    public static final class WeightedRandom extends Named {
        /** Used by {@link java.util.ServiceLoader}. */
        public WeightedRandom() {
            super("weighted-random", HashingBalancers::weightedRandom);
        }
    }
}
