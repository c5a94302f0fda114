package io.agentorchestrator.core.internal;

import io.agentorchestrator.api.Ticker;
import io.agentorchestrator.core.scaling.ScalingDecision;
import io.agentorchestrator.core.scaling.ScalingHook;
import io.agentorchestrator.core.scaling.ScalingPolicy;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computes each capability's desired agent count from its load, with the horizontal-autoscaler
 * rule and stabilization windows of {@link ScalingPolicy}. Time is the injected ticker's; nothing
 * here schedules itself: the engine calls {@link #evaluate} every evaluation interval and tests
 * call it after moving a fake ticker.
 *
 * <p>{@link #evaluate} is called by one thread at a time; {@link #desired} from any.
 */
final class AutoScaler {

    /**
     * One capability's load at one moment.
     *
     * @param agents        agents that take tasks
     * @param inFlight      tasks running on them
     * @param capacity      the sum of their max concurrency
     * @param queued        tasks waiting for a free agent
     * @param latencyNanos  mean of their latency estimates; 0 when unknown
     */
    record Load(int agents, int inFlight, int capacity, int queued, long latencyNanos) {
    }

    private record Recommendation(long atNanos, int agents) {
    }

    /** A capability's recent recommendations (guarded by the evaluating thread) and the last published count. */
    private static final class History {
        final ArrayDeque<Recommendation> recent = new ArrayDeque<>();
        volatile int published = -1;
    }

    private static final Logger log = LoggerFactory.getLogger(AutoScaler.class);

    private final ScalingPolicy policy;
    private final Ticker ticker;
    private final ScalingHook hook;
    private final Map<String, History> histories = new ConcurrentHashMap<>();

    AutoScaler(ScalingPolicy policy, Ticker ticker) {
        this(policy, ticker, null);
    }

    /** @param hook told of each change, or null */
    AutoScaler(ScalingPolicy policy, Ticker ticker, ScalingHook hook) {
        this.policy = policy;
        this.ticker = ticker;
        this.hook = hook;
    }

    /**
     * One evaluation as the engine runs it: every change is logged, handed to {@code announce}
     * (the engine's event) and to the hook. Neither a failing hook nor a failing evaluation stops
     * the next one.
     */
    void run(Map<String, Load> loads, java.util.function.Consumer<ScalingDecision> announce) {
        try {
            for (ScalingDecision d : evaluate(loads)) {
                log.info("Scaling signal for {}: {} agent(s) wanted, {} now ({})", d.capability(), d.desiredAgents(), d.currentAgents(),
                        d.reason());
                announce.accept(d);
                if (hook != null) {
                    try {
                        hook.scale(d);
                    } catch (RuntimeException | Error e) {
                        log.warn("Scaling hook {} threw on {}; carrying on", hook, d, e);
                    }
                }
            }
        } catch (RuntimeException e) {
            log.warn("An auto-scaling evaluation failed; carrying on", e);
        }
    }

    /**
     * Computes the desired count of every capability in {@code loads}; returns the decisions whose
     * count differs from the last one published (the first of each capability included).
     */
    List<ScalingDecision> evaluate(Map<String, Load> loads) {
        long now = ticker.read();
        List<ScalingDecision> changed = new ArrayList<>();
        for (Map.Entry<String, Load> e : loads.entrySet()) {
            ScalingDecision d = decide(e.getKey(), e.getValue(), now);
            History h = histories.get(e.getKey());
            if (h.published != d.desiredAgents()) {
                h.published = d.desiredAgents();
                changed.add(d);
            }
        }
        return changed;
    }

    /** The last desired count published for a capability; empty before its first evaluation. */
    OptionalInt desired(String capability) {
        History h = histories.get(capability);
        return h == null || h.published < 0 ? OptionalInt.empty() : OptionalInt.of(h.published);
    }

    private ScalingDecision decide(String capability, Load load, long now) {
        int current = load.agents();
        double utilization = load.capacity() == 0 ? 0 : Math.min(1.0, (double) load.inFlight() / load.capacity());
        int raw;
        String reason;
        if (current == 0) {
            // Nothing to scale from: the rule's product is 0. Ask for the floor, or one agent when work waits.
            raw = load.queued() > 0 || load.inFlight() > 0 ? Math.max(1, policy.minAgents()) : policy.minAgents();
            reason = "no agent takes tasks, " + load.queued() + " waiting";
        } else {
            reason = String.format(Locale.ROOT, "utilization %.2f, target %.2f", utilization, policy.targetUtilization());
            int byUtilization = proposal(current, utilization, policy.targetUtilization());
            raw = byUtilization;
            double queuePerAgent = (double) load.queued() / current;
            int byQueue = proposal(current, queuePerAgent, policy.targetQueuePerAgent());
            if (byQueue > raw) {
                raw = byQueue;
                reason = String.format(Locale.ROOT, "%.1f waiting tasks per agent, target %d", queuePerAgent, policy.targetQueuePerAgent());
            }
            if (policy.latencyTarget() != null && load.latencyNanos() > 0) {
                int byLatency = proposal(current, load.latencyNanos(), policy.latencyTarget().toNanos());
                if (byLatency > raw) {
                    raw = byLatency;
                    reason = String.format(Locale.ROOT, "latency %.0f ms, target %d ms", load.latencyNanos() / 1e6,
                            policy.latencyTarget().toMillis());
                }
            }
        }
        raw = Math.max(policy.minAgents(), Math.min(policy.maxAgents(), raw));
        int desired = stabilize(capability, current, raw, now);
        if (desired != raw) {
            reason += "; held at " + desired + " by the " + (raw < current ? "scale-down" : "scale-up") + " stabilization window";
        }
        return new ScalingDecision(capability, current, desired, utilization, load.queued(), load.latencyNanos() / 1e6, reason);
    }

    /** ⌈current × observed ÷ target⌉, or current when the ratio is within the tolerance of 1. */
    static int proposal(int current, double observed, double target) {
        double ratio = observed / target;
        // The epsilon keeps a ratio of exactly 1.1 (0.55 / 0.5 is 1.1000000000000001 in binary) inside.
        if (Math.abs(ratio - 1) <= ScalingPolicy.TOLERANCE + 1e-9) {
            return current;
        }
        return (int) Math.min(Integer.MAX_VALUE, Math.ceil(current * ratio - 1e-9));
    }

    /**
     * Kubernetes' stabilization: scaling down goes no lower than the highest recommendation of the
     * scale-down window, scaling up no higher than the lowest of the scale-up window.
     */
    private int stabilize(String capability, int current, int raw, long now) {
        History h = histories.computeIfAbsent(capability, c -> new History());
        h.recent.addLast(new Recommendation(now, raw));
        long longest = Math.max(policy.scaleDownStabilization().toNanos(), policy.scaleUpStabilization().toNanos());
        for (Iterator<Recommendation> it = h.recent.iterator(); it.hasNext(); ) {
            if (now - it.next().atNanos() > longest) {
                it.remove();
            }
        }
        if (raw < current) {
            int highest = raw;
            for (Recommendation r : h.recent) {
                if (now - r.atNanos() <= policy.scaleDownStabilization().toNanos()) {
                    highest = Math.max(highest, r.agents());
                }
            }
            return Math.min(current, highest);
        }
        if (raw > current) {
            int lowest = raw;
            for (Recommendation r : h.recent) {
                if (now - r.atNanos() <= policy.scaleUpStabilization().toNanos()) {
                    lowest = Math.min(lowest, r.agents());
                }
            }
            return Math.max(current, lowest);
        }
        return raw;
    }
}
