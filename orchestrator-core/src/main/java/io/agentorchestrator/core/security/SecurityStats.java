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

    /** Counts one refusal of {@code kind} (announce, task, reply, register, dispatch) for {@code reason}. */
    public void reject(String kind, String reason) {
        rejected.computeIfAbsent(kind + "/" + reason, k -> new LongAdder()).increment();
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
