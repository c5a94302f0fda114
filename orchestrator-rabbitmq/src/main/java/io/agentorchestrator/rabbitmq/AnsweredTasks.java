package io.agentorchestrator.rabbitmq;

import io.agentorchestrator.api.ResultEnvelope;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The answers an agent remembers, by task id and attempt, so that a task delivered again after it
 * was answered is answered again instead of run twice. Bounded by weight, oldest answer first out:
 * an answer weighs its result payload bytes plus {@code entryCost}, and the total stays at most
 * {@code maxWeight}. With {@code entryCost = maxWeight / n} that keeps at most {@code n} answers and
 * at most {@code maxWeight} bytes of payloads, both limits sharing one budget.
 *
 * <p>A plain insertion-ordered map, not thread-safe: the listener guards it with its own lock,
 * which it holds anyway to move a task from running to answered. It replaced a Caffeine cache,
 * whose upkeep on every write (frequency sketch, write buffer, eviction policy) was the largest
 * single cost of a task on the agent side in JFR; redeliveries come soon after a crash or a
 * reconnection, so the oldest answers are the right ones to forget.
 */
final class AnsweredTasks {

    private final LinkedHashMap<String, ResultEnvelope> answers = new LinkedHashMap<>();
    private final long maxWeight;
    private final long entryCost;
    private long weight;

    AnsweredTasks(long maxWeight, long entryCost) {
        this.maxWeight = maxWeight;
        this.entryCost = entryCost;
    }

    /** The answer remembered for {@code key}, or null. */
    ResultEnvelope get(String key) {
        return answers.get(key);
    }

    /** Remembers {@code answer} as the newest, then forgets the oldest until the total weight is within bounds. */
    void put(String key, ResultEnvelope answer) {
        ResultEnvelope previous = answers.put(key, answer);
        if (previous != null) {
            weight -= weight(previous);
        }
        weight += weight(answer);
        if (weight <= maxWeight) {
            return;
        }
        Iterator<Map.Entry<String, ResultEnvelope>> oldest = answers.entrySet().iterator();
        while (weight > maxWeight && oldest.hasNext()) {
            weight -= weight(oldest.next().getValue());
            oldest.remove();
        }
    }

    /** The weight of what is remembered now. */
    long weight() {
        return weight;
    }

    /** Answers remembered now. */
    int size() {
        return answers.size();
    }

    private long weight(ResultEnvelope answer) {
        return answer.payload().size() + entryCost;
    }
}
