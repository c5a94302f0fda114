package io.agentorchestrator.core.internal;

import io.agentorchestrator.api.Agent;
import io.agentorchestrator.api.Balancer;
import io.agentorchestrator.api.Task;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/** The balancers that ship with the core. Each is lock-free; none allocates on a pick. */
public final class BuiltInBalancers {

    private BuiltInBalancers() {
    }

    /** Cycles through the candidates in order. */
    public static Balancer roundRobin() {
        return new RoundRobin();
    }

    /** The candidate with the fewest tasks in flight; ties broken from a random start. */
    public static Balancer leastConnections() {
        return new LeastConnections();
    }

    /** Smooth weighted round-robin: shares follow weights and picks of one agent are spread out. */
    public static Balancer smoothWeighted() {
        return new SmoothWeighted();
    }

    /** A uniformly random candidate. */
    public static Balancer random() {
        return new RandomPick();
    }

    static final class RoundRobin implements Balancer {
        private final AtomicLong next = new AtomicLong();

        @Override
        public Agent pick(List<? extends Agent> candidates, Task task) {
            int n = candidates.size();
            return n == 1 ? candidates.get(0) : candidates.get((int) Long.remainderUnsigned(next.getAndIncrement(), n));
        }

        @Override
        public String toString() {
            return "round-robin";
        }
    }

    static final class LeastConnections implements Balancer {
        @Override
        public Agent pick(List<? extends Agent> candidates, Task task) {
            int n = candidates.size();
            if (n == 1) {
                return candidates.get(0);
            }
            // A random starting point spreads ties, so idle agents do not all lose to the first one.
            int start = ThreadLocalRandom.current().nextInt(n);
            Agent best = null;
            int bestLoad = Integer.MAX_VALUE;
            for (int i = 0; i < n; i++) {
                Agent a = candidates.get((start + i) % n);
                int load = a.inFlight();
                if (load < bestLoad) {
                    best = a;
                    bestLoad = load;
                    if (load == 0) {
                        break;
                    }
                }
            }
            return best;
        }

        @Override
        public String toString() {
            return "least-connections";
        }
    }

    static final class RandomPick implements Balancer {
        @Override
        public Agent pick(List<? extends Agent> candidates, Task task) {
            int n = candidates.size();
            return n == 1 ? candidates.get(0) : candidates.get(ThreadLocalRandom.current().nextInt(n));
        }

        @Override
        public String toString() {
            return "random";
        }
    }

    /**
     * Nginx's smooth weighted round-robin, made lock-free by computing the whole cycle of picks
     * for a set of candidates once and then walking it with an atomic counter. The cycle is
     * rebuilt only when the candidates or their weights change.
     */
    static final class SmoothWeighted implements Balancer {
        /** Above this many steps × candidates a cycle is not precomputed; picks then use a stride. */
        static final long MAX_BUILD_WORK = 1L << 20;

        private final AtomicLong next = new AtomicLong();
        private volatile Cycle cycle;

        @Override
        public Agent pick(List<? extends Agent> candidates, Task task) {
            int n = candidates.size();
            if (n == 1) {
                return candidates.get(0);
            }
            Cycle c = cycle;
            // The engine hands the same immutable snapshot list while the registry is unchanged:
            // recognising it by identity keeps the pick O(1) whatever the number of agents.
            if (c == null || (c.source != candidates || c.ids.length != n) && !c.matches(candidates)) {
                c = Cycle.of(candidates);
                cycle = c;
            }
            return candidates.get(c.index(next.getAndIncrement()));
        }

        @Override
        public String toString() {
            return "weighted-round-robin";
        }

        static final class Cycle {
            final List<?> source;
            final String[] ids;
            final int[] weights;
            final int[] reduced;
            final int[] order;
            /** Alias table of the weights, for picks when the cycle is too long to precompute. */
            final double[] probability;
            final int[] alias;
            final long total;

            private Cycle(List<?> source, String[] ids, int[] weights, int[] reduced, int[] order, long total) {
                this.source = source;
                this.ids = ids;
                this.weights = weights;
                this.reduced = reduced;
                this.order = order;
                this.total = total;
                if (order == null) {
                    HashingBalancers.AliasTable table = HashingBalancers.AliasTable.ofWeights(reduced);
                    probability = table.probability;
                    alias = table.alias;
                } else {
                    probability = null;
                    alias = null;
                }
            }

            static Cycle of(List<? extends Agent> candidates) {
                int n = candidates.size();
                String[] ids = new String[n];
                int[] weights = new int[n];
                int gcd = 0;
                for (int i = 0; i < n; i++) {
                    Agent a = candidates.get(i);
                    ids[i] = a.id();
                    weights[i] = a.weight();
                    gcd = gcd(gcd, weights[i]);
                }
                long total = 0;
                int[] reduced = new int[n];
                for (int i = 0; i < n; i++) {
                    reduced[i] = weights[i] / gcd;
                    total += reduced[i];
                }
                if (total * n > MAX_BUILD_WORK) {
                    return new Cycle(candidates, ids, weights, reduced, null, total);
                }
                int[] order = new int[(int) total];
                long[] current = new long[n];
                for (int step = 0; step < total; step++) {
                    int best = 0;
                    for (int i = 0; i < n; i++) {
                        current[i] += reduced[i];
                        if (current[i] > current[best]) {
                            best = i;
                        }
                    }
                    current[best] -= total;
                    order[step] = best;
                }
                return new Cycle(candidates, ids, weights, reduced, order, total);
            }

            boolean matches(List<? extends Agent> candidates) {
                int n = candidates.size();
                if (n != ids.length) {
                    return false;
                }
                for (int i = 0; i < n; i++) {
                    Agent a = candidates.get(i);
                    if (a.weight() != weights[i] || !a.id().equals(ids[i])) {
                        return false;
                    }
                }
                return true;
            }

            int index(long counter) {
                if (order != null) {
                    return order[(int) Long.remainderUnsigned(counter, order.length)];
                }
                // Too many steps to precompute: draw from the alias table with the golden-ratio
                // sequence instead of random numbers, which is O(1), keeps the shares and spreads
                // one agent's turns evenly.
                double x = ((counter * 0x9E3779B97F4A7C15L) >>> 11) * 0x1.0p-53 * probability.length;
                int i = (int) x;
                return x - i < probability[i] ? i : alias[i];
            }

            private static int gcd(int a, int b) {
                while (b != 0) {
                    int t = a % b;
                    a = b;
                    b = t;
                }
                return a;
            }
        }
    }
}
