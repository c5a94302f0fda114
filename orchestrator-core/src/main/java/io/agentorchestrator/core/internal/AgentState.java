package io.agentorchestrator.core.internal;

import io.agentorchestrator.api.Agent;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentStatus;
import io.agentorchestrator.api.CircuitState;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.core.internal.resilience.CircuitBreaker;
import io.agentorchestrator.core.internal.resilience.OutlierDetector;
import io.agentorchestrator.core.internal.resilience.TokenBucket;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The engine's record of one registered agent, published to balancers as {@link Agent}.
 *
 * <p>An instance is one <em>incarnation</em>: what a registry snapshot says about the agent
 * (descriptor, weight, max concurrency, breaker, rate limiter) is fixed once it is published, and
 * a change (an update, a live reconfiguration) publishes a new incarnation in the next snapshot.
 * So a balancer handed the agents of one snapshot reads the weights of that snapshot, all old or
 * all new. What the agent does (tasks in flight, latency, counts, status, ejection) is kept by its
 * first incarnation, the {@code core}, which every later one points to: a balancer reading the
 * in-flight counts of agents never re-weighed reads them from the object it holds, no extra cache
 * miss. Every field is final, volatile or atomic: reads on the hot path never lock.
 */
public final class AgentState implements Agent {

    /** A latency estimate and when its last sample was taken. */
    private record Ewma(long costNanos, long stampNanos) {
    }

    private static final java.lang.invoke.VarHandle IN_FLIGHT;

    static {
        try {
            IN_FLIGHT = java.lang.invoke.MethodHandles.lookup().findVarHandle(AgentState.class, "inFlight", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    // What this incarnation says about the agent, fixed once published.
    private final AgentDescriptor descriptor;
    // Copies of descriptor fields read on every pick, one pointer hop closer.
    private final int weight;
    private final int maxConcurrency;
    // Set by the engine before this incarnation is published in a snapshot; null when the feature is off.
    private volatile CircuitBreaker breaker;
    private volatile TokenBucket limiter;
    /**
     * The transport of this incarnation's endpoint, found on its first send: a send then reads a
     * field instead of lower-casing the scheme and looking it up. Racy on purpose, as every
     * sender finds the same one.
     */
    private Transport transport;

    /** The first incarnation, which holds the fields below for all of them; {@code this} for the first. */
    private final AgentState core;
    // Used only on the core.
    private volatile AgentStatus status = AgentStatus.HEALTHY;
    /**
     * Tasks in flight, updated through {@link #IN_FLIGHT}: a field rather than an AtomicInteger,
     * so a balancer reading it among 100,000 agents takes one cache miss per agent, not two.
     */
    private volatile int inFlight;
    private final AtomicReference<Ewma> latency;
    private final double decayNanos;
    private final LongAdder completed;
    private final LongAdder failed;
    // Set once by the engine before the agent is first published; null when the feature is off.
    private volatile OutlierDetector outlier;

    /**
     * The first incarnation of an agent.
     *
     * @param decayNanos the time constant of the latency average: a sample this old weighs 1/e
     *                   of a new one
     */
    AgentState(AgentDescriptor descriptor, long decayNanos) {
        this.descriptor = descriptor;
        this.weight = descriptor.weight();
        this.maxConcurrency = descriptor.maxConcurrency();
        this.core = this;
        this.latency = new AtomicReference<>(new Ewma(0, 0));
        this.decayNanos = decayNanos;
        this.completed = new LongAdder();
        this.failed = new LongAdder();
    }

    private AgentState(AgentState core, AgentDescriptor descriptor, CircuitBreaker breaker, TokenBucket limiter) {
        this.descriptor = descriptor;
        this.weight = descriptor.weight();
        this.maxConcurrency = descriptor.maxConcurrency();
        this.breaker = breaker;
        this.limiter = limiter;
        this.core = core;
        this.latency = null;
        this.decayNanos = core.decayNanos;
        this.completed = null;
        this.failed = null;
    }

    /** The transport for this incarnation's endpoint, from {@code transports} by scheme on first use; null when none. */
    Transport transport(Map<String, Transport> transports) {
        Transport t = transport;
        if (t == null) {
            t = transports.get(descriptor.scheme());
            transport = t;
        }
        return t;
    }

    /**
     * A new incarnation of the same agent with {@code descriptor}, sharing its counters, status and
     * outlier detector and keeping its breaker and rate limiter; not yet published.
     */
    AgentState with(AgentDescriptor descriptor) {
        return new AgentState(core, descriptor, breaker, limiter);
    }

    /** Whether {@code other} is an incarnation of the same registered agent (the same counters). */
    boolean sameAgent(AgentState other) {
        return other != null && other.core == core;
    }

    /** What identifies the agent across its incarnations, for identity maps. */
    Object identity() {
        return core;
    }

    @Override
    public AgentDescriptor descriptor() {
        return descriptor;
    }

    @Override
    public int weight() {
        return weight;
    }

    @Override
    public boolean hasCapacity() {
        return core.inFlight < maxConcurrency;
    }

    @Override
    public AgentStatus status() {
        return core.status;
    }

    /** Sets the status and returns the previous one. */
    AgentStatus status(AgentStatus status) {
        AgentStatus previous = core.status;
        core.status = status;
        return previous;
    }

    @Override
    public int inFlight() {
        return core.inFlight;
    }

    @Override
    public long latencyEwmaNanos() {
        return core.latency.get().costNanos();
    }

    /** Tasks this agent completed with a result. */
    public long completed() {
        return core.completed.sum();
    }

    /** Attempts on this agent that failed. */
    public long failed() {
        return core.failed.sum();
    }

    /** Takes one concurrency slot if the agent is below its max; never blocks. */
    boolean tryAcquire() {
        int max = maxConcurrency;
        AgentState c = core;
        for (;;) {
            int n = c.inFlight;
            if (n >= max) {
                return false;
            }
            if (IN_FLIGHT.compareAndSet(c, n, n + 1)) {
                return true;
            }
        }
    }

    void release() {
        IN_FLIGHT.getAndAdd(core, -1);
    }

    /**
     * Adds a latency sample to the peak-sensitive moving average (Finagle's peak EWMA): a sample
     * above the estimate replaces it at once, so a slowing agent is noticed on its first slow
     * answer; a lower one pulls it down with a weight that grows with the time since the last
     * sample, so recovery is gradual.
     */
    void recordSuccess(long latencyNanos, long nowNanos) {
        AgentState c = core;
        c.completed.increment();
        long sample = Math.max(1, latencyNanos);
        for (;;) {
            Ewma old = c.latency.get();
            long cost;
            if (old.costNanos() == 0 || sample >= old.costNanos()) {
                cost = sample;
            } else {
                double w = Math.exp(-Math.max(0, nowNanos - old.stampNanos()) / c.decayNanos);
                cost = Math.max(1, (long) (old.costNanos() * w + sample * (1 - w)));
            }
            if (c.latency.compareAndSet(old, new Ewma(cost, nowNanos))) {
                return;
            }
        }
    }

    /**
     * Attaches this incarnation's breaker and rate limiter and the agent's outlier detector; each
     * may be null (off). Called only before the incarnation is published.
     */
    void guards(CircuitBreaker breaker, OutlierDetector outlier, TokenBucket limiter) {
        this.breaker = breaker;
        core.outlier = outlier;
        this.limiter = limiter;
    }

    CircuitBreaker breaker() {
        return breaker;
    }

    OutlierDetector outlier() {
        return core.outlier;
    }

    TokenBucket limiter() {
        return limiter;
    }

    @Override
    public CircuitState circuitState() {
        CircuitBreaker b = breaker;
        return b == null ? CircuitState.CLOSED : b.state();
    }

    @Override
    public boolean ejected() {
        OutlierDetector o = core.outlier;
        return o != null && o.markedEjected();
    }

    /** Whether passive outlier detection has it out at {@code nowNanos}. */
    boolean isEjected(long nowNanos) {
        OutlierDetector o = core.outlier;
        return o != null && o.isEjected(nowNanos);
    }

    /** Whether its breaker would let a call through at {@code nowNanos}. */
    boolean breakerPermits(long nowNanos) {
        CircuitBreaker b = breaker;
        return b == null || b.permitsCall(nowNanos);
    }

    /** Whether its rate limiter has a token at {@code nowNanos}. */
    boolean rateAllows(long nowNanos) {
        TokenBucket l = limiter;
        return l == null || l.available(nowNanos);
    }

    void recordFailure() {
        core.failed.increment();
    }

    @Override
    public String toString() {
        return "Agent[" + descriptor.id() + ", " + core.status + ", inFlight=" + core.inFlight + "]";
    }
}
