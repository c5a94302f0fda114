package io.agentorchestrator.core;

import io.agentorchestrator.api.Balancer;
import io.agentorchestrator.api.ProviderNotFoundException;
import java.time.Duration;
import io.agentorchestrator.core.internal.BuiltInBalancers;
import io.agentorchestrator.core.internal.HashingBalancers;
import io.agentorchestrator.core.internal.LoadAwareBalancers;
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
     * {@code p2c}: power of two choices. Of two distinct random candidates, the one with less
     * load, load being (in-flight + 1) / weight. O(1) per pick, and far better tails than
     * round-robin when agents differ, without the herding of picking the global minimum.
     */
    public static Balancer powerOfTwoChoices() {
        return LoadAwareBalancers.powerOfTwoChoices();
    }

    /**
     * {@code peak-ewma}: power of two choices on latency × load, as Finagle and Linkerd route.
     * Cost = the agent's peak-EWMA latency × (in-flight + 1) / weight; the latency average decays
     * with {@code Orchestrator.Builder.latencyDecay} (default 10 s). An agent without a latency
     * sample yet is tried while idle and otherwise costs 1 s per task in flight. The choice for
     * agents whose latencies differ by orders of magnitude (an LLM next to a lookup).
     */
    public static Balancer peakEwma() {
        return LoadAwareBalancers.peakEwma();
    }

    /** {@code peak-ewma} with the cost per in-flight task of an agent not sampled yet. */
    public static Balancer peakEwma(Duration unsampledPenalty) {
        return LoadAwareBalancers.peakEwma(unsampledPenalty);
    }

    /**
     * {@code consistent-hash}: tasks with the same {@link io.agentorchestrator.api.Task#key() key}
     * (session, shipment) go to the same agent while it is eligible, and no agent gets more than
     * 1.25 × its weighted share of the tasks in flight (the overflow goes to the key's next agent).
     * Rendezvous hashing: an agent leaving moves only its own keys. O(agents) per pick. Tasks
     * without a key are placed by {@code p2c}.
     */
    public static Balancer consistentHash() {
        return HashingBalancers.consistentHash();
    }

    /** {@code consistent-hash} with another load bound; {@code loadFactor} in (1, 100]. */
    public static Balancer consistentHash(double loadFactor) {
        return HashingBalancers.consistentHash(loadFactor);
    }

    /**
     * {@code weighted-random}: a candidate with probability weight / Σweight (an alias table
     * cached per snapshot of the agents, so O(1) per pick).
     */
    public static Balancer weightedRandom() {
        return HashingBalancers.weightedRandom();
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
