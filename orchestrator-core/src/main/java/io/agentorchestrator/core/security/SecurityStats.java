package io.agentorchestrator.core.security;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live counts of what the security layer refused, by what was refused and why, e.g.
 * {@code announce/FORGED}, {@code reply/REPLAYED}, {@code register/ACCESS_DENIED}. Keys come from
 * closed sets (message kinds, {@link io.agentorchestrator.api.AuthenticationException.Reason}s,
 * limit names), so they are safe as metric tags. Thread-safe.
 */
public final class SecurityStats {

    private final Map<String, LongAdder> rejected = new ConcurrentHashMap<>();
    private final java.util.List<java.util.function.BiConsumer<String, String>> newKeyListeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Counts one refusal of {@code kind} (announce, task, reply, register, dispatch) for {@code reason}. */
    public void reject(String kind, String reason) {
        LongAdder counter = rejected.get(kind + "/" + reason);
        if (counter == null) {
            LongAdder fresh = new LongAdder();
            counter = rejected.putIfAbsent(kind + "/" + reason, fresh);
            if (counter == null) {
                counter = fresh;
                for (var listener : newKeyListeners) {
                    listener.accept(kind, reason);
                }
            }
        }
        counter.increment();
    }

    /**
     * Calls {@code listener} with every {@code kind}/{@code reason} pair counted so far and with
     * each new one when it is first counted, so a meter binder can register one counter per pair.
     */
    public void forEachKey(java.util.function.BiConsumer<String, String> listener) {
        newKeyListeners.add(listener);
        for (String key : rejected.keySet()) {
            int slash = key.indexOf('/');
            listener.accept(key.substring(0, slash), key.substring(slash + 1));
        }
    }

    /** Refusals of {@code kind} for {@code reason} so far. */
    public long rejected(String kind, String reason) {
        LongAdder a = rejected.get(kind + "/" + reason);
        return a == null ? 0 : a.sum();
    }

    /** Every refusal so far. */
    public long rejectedTotal() {
        return rejected.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** A point-in-time copy of every count, keyed {@code kind/reason}, sorted. */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        rejected.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    @Override
    public String toString() {
        return "SecurityStats" + snapshot();
    }
}
