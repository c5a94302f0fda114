package io.agentorchestrator.kafka;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An agent's memory of the tasks (task id and attempt) it answered lately, so that a redelivery
 * of one is skipped instead of run again. Holds at most {@code capacity} and forgets the oldest
 * answer first: a redelivery follows its task closely (a rebalance, a restart), so the oldest
 * answers are the least likely to be needed.
 *
 * <p>Not thread-safe: one task consumer's poll thread owns it, which is why it is a plain map
 * and not a concurrent cache that would pay for its own upkeep on every task.
 */
final class AnsweredTasks {

    private final LinkedHashMap<String, Boolean> answered;

    AnsweredTasks(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, but was " + capacity);
        }
        this.answered = new LinkedHashMap<>(Math.min(capacity, 1024) * 2, 0.75f, false) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > capacity;
            }
        };
    }

    /** Remembers that {@code key} was answered; may forget the oldest answer. */
    void add(String key) {
        answered.put(key, Boolean.TRUE);
    }

    /** Whether {@code key} was answered and is still remembered. */
    boolean contains(String key) {
        return answered.containsKey(key);
    }

    /** How many answers are remembered. */
    int size() {
        return answered.size();
    }
}
