package io.agentorchestrator.core.internal;

import io.agentorchestrator.api.Agent;
import io.agentorchestrator.api.Balancer;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.ValidationException;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Balancers that use randomness or hashing with weights: consistent hashing by task key with
 * bounded load, and weighted random.
 */
public final class HashingBalancers {

    /** Load bound of consistent hashing: no agent above this many times the average (Google's 1.25). */
    public static final double DEFAULT_LOAD_FACTOR = 1.25;

    private HashingBalancers() {
    }

    /** {@code consistent-hash} with the default load factor. */
    public static Balancer consistentHash() {
        return new ConsistentHash(DEFAULT_LOAD_FACTOR);
    }

    /**
     * {@code consistent-hash} bounding each agent to {@code loadFactor} times the average load.
     *
     * @throws ValidationException unless {@code 1 < loadFactor <= 100}
     */
    public static Balancer consistentHash(double loadFactor) {
        ValidationException.require(loadFactor > 1 && loadFactor <= 100, "loadFactor", "must be > 1 and <= 100", loadFactor);
        return new ConsistentHash(loadFactor);
    }

    /** {@code weighted-random}. */
    public static Balancer weightedRandom() {
        return new WeightedRandom();
    }

    /**
     * Rendezvous (highest-random-weight) hashing on the task's key, with bounded loads
     * (Mirrokni, Thorup, Zadimoghaddam 2018): every agent scores the key, and the key goes to
     * the best-scoring agent whose in-flight load is under {@code c × (total + 1) × weight / Σweight}
     * (rounded up). Removing an agent moves only the keys it had; adding one takes only its share.
     * No ring to rebuild, so agents coming and going cost nothing; a pick is O(agents).
     * Tasks without a key go to the less loaded of two random agents.
     */
    static final class ConsistentHash implements Balancer {
        private final double loadFactor;
        private final Balancer keyless = LoadAwareBalancers.powerOfTwoChoices();

        ConsistentHash(double loadFactor) {
            this.loadFactor = loadFactor;
        }

        @Override
        public Agent pick(List<? extends Agent> candidates, Task task) {
            int n = candidates.size();
            if (n == 1) {
                return candidates.get(0);
            }
            String key = task.key().orElse(null);
            if (key == null) {
                return keyless.pick(candidates, task);
            }
            long keyHash = hash(key);
            long totalLoad = 0;
            long totalWeight = 0;
            boolean uniform = true;
            int firstWeight = candidates.get(0).weight();
            for (int i = 0; i < n; i++) {
                Agent a = candidates.get(i);
                totalLoad += a.inFlight();
                totalWeight += a.weight();
                uniform &= a.weight() == firstWeight;
            }
            double perWeight = loadFactor * (totalLoad + 1) / totalWeight;
            Agent best = null;
            double bestScore = Double.NEGATIVE_INFINITY;
            Agent fallback = null;
            double fallbackScore = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                Agent a = candidates.get(i);
                double score = score(keyHash, a, uniform);
                if (score > fallbackScore) {
                    fallback = a;
                    fallbackScore = score;
                }
                if (a.inFlight() + 1 <= Math.ceil(perWeight * a.weight()) && score > bestScore) {
                    best = a;
                    bestScore = score;
                }
            }
            return best != null ? best : fallback;
        }

        /** The agent's score for the key; weighted as -w / ln(u) so shares follow weights. */
        private static double score(long keyHash, Agent a, boolean uniform) {
            long h = mix(keyHash ^ (a.id().hashCode() * 0x9E3779B97F4A7C15L));
            if (uniform) {
                return h >>> 1;
            }
            double u = ((h >>> 11) + 0.5) * 0x1.0p-53;
            return -a.weight() / Math.log(u);
        }

        @Override
        public String toString() {
            return "consistent-hash";
        }
    }

    /** FNV-1a over the key's chars, then a 64-bit finaliser so close keys land far apart. */
    static long hash(String key) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0, n = key.length(); i < n; i++) {
            h ^= key.charAt(i);
            h *= 0x100000001b3L;
        }
        return mix(h);
    }

    /** The MurmurHash3 64-bit finaliser. */
    static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /**
     * A candidate with probability weight / Σweight. For a candidate list seen again (the engine
     * passes the same immutable snapshot while the registry is unchanged) it draws from a cached
     * alias table in O(1); for another list it walks the cumulative weights in O(agents).
     */
    static final class WeightedRandom implements Balancer {
        private volatile AliasTable table;

        @Override
        public Agent pick(List<? extends Agent> candidates, Task task) {
            int n = candidates.size();
            if (n == 1) {
                return candidates.get(0);
            }
            ThreadLocalRandom random = ThreadLocalRandom.current();
            AliasTable t = table;
            if (t != null && t.source == candidates && t.alias.length == n) {
                int i = random.nextInt(n);
                return candidates.get(random.nextDouble() < t.probability[i] ? i : t.alias[i]);
            }
            if (n >= AliasTable.WORTH_BUILDING) {
                table = AliasTable.of(candidates);
            }
            long total = 0;
            for (int i = 0; i < n; i++) {
                total += candidates.get(i).weight();
            }
            long r = random.nextLong(total);
            for (int i = 0; i < n; i++) {
                r -= candidates.get(i).weight();
                if (r < 0) {
                    return candidates.get(i);
                }
            }
            return candidates.get(n - 1);
        }

        @Override
        public String toString() {
            return "weighted-random";
        }
    }

    /** Vose's alias method: O(n) to build, O(1) to draw. */
    static final class AliasTable {
        /** Below this many candidates the plain walk is as fast as a table. */
        static final int WORTH_BUILDING = 16;

        final List<?> source;
        final double[] probability;
        final int[] alias;

        private AliasTable(List<?> source, double[] probability, int[] alias) {
            this.source = source;
            this.probability = probability;
            this.alias = alias;
        }

        static AliasTable of(List<? extends Agent> candidates) {
            int[] weights = new int[candidates.size()];
            for (int i = 0; i < weights.length; i++) {
                weights[i] = candidates.get(i).weight();
            }
            AliasTable t = ofWeights(weights);
            return new AliasTable(candidates, t.probability, t.alias);
        }

        static AliasTable ofWeights(int[] weights) {
            int n = weights.length;
            double total = 0;
            for (int w : weights) {
                total += w;
            }
            double[] scaled = new double[n];
            int[] small = new int[n];
            int[] large = new int[n];
            int s = 0;
            int l = 0;
            for (int i = 0; i < n; i++) {
                scaled[i] = weights[i] * n / total;
                if (scaled[i] < 1) {
                    small[s++] = i;
                } else {
                    large[l++] = i;
                }
            }
            double[] probability = new double[n];
            int[] alias = new int[n];
            while (s > 0 && l > 0) {
                int less = small[--s];
                int more = large[--l];
                probability[less] = scaled[less];
                alias[less] = more;
                scaled[more] = scaled[more] + scaled[less] - 1;
                if (scaled[more] < 1) {
                    small[s++] = more;
                } else {
                    large[l++] = more;
                }
            }
            while (l > 0) {
                probability[large[--l]] = 1;
            }
            while (s > 0) {
                probability[small[--s]] = 1;
            }
            return new AliasTable(null, probability, alias);
        }
    }
}
