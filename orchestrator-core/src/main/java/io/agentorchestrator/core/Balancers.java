package io.agentorchestrator.core;

import io.agentorchestrator.api.Balancer;
import io.agentorchestrator.api.ProviderNotFoundException;
import io.agentorchestrator.core.internal.BuiltInBalancers;
import io.agentorchestrator.core.internal.ProviderLookup;

/**
 * The balancers that ship with the core, and lookup by name of any balancer on the classpath.
 * Each call returns a new instance with its own state; all are thread-safe and lock-free.
 */
public final class Balancers {

    private Balancers() {
    }

    /** {@code round-robin}: each candidate in turn. */
    public static Balancer roundRobin() {
        return BuiltInBalancers.roundRobin();
    }

    /**
     * {@code least-connections}: the candidate with the fewest tasks in flight from this
     * orchestrator; never a busier agent while an idle one is eligible. Ties are broken from a
     * random starting point.
     */
    public static Balancer leastConnections() {
        return BuiltInBalancers.leastConnections();
    }

    /**
     * {@code weighted-round-robin} (alias {@code weighted}): smooth weighted round-robin as in
     * nginx. Over every cycle each candidate gets exactly its weight's share, and one agent's turns
     * are spread out rather than bunched (weights 5:1:1 give a a b a c a a).
     */
    public static Balancer weightedRoundRobin() {
        return BuiltInBalancers.smoothWeighted();
    }

    /** {@code random}: a uniformly random candidate. */
    public static Balancer random() {
        return BuiltInBalancers.random();
    }

    /**
     * The balancer registered under {@code name}, built in or found through {@code ServiceLoader}.
     *
     * @throws ProviderNotFoundException when none has that name; the message lists the known names
     */
    public static Balancer byName(String name) {
        return ProviderLookup.balancer(name);
    }
}
