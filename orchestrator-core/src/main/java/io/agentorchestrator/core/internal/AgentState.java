package io.agentorchestrator.core.internal;

import io.agentorchestrator.api.Agent;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentStatus;
import io.agentorchestrator.api.CircuitState;
import io.agentorchestrator.core.internal.resilience.CircuitBreaker;
import io.agentorchestrator.core.internal.resilience.OutlierDetector;
import io.agentorchestrator.core.internal.resilience.TokenBucket;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The engine's mutable record of one registered agent, published to balancers as {@link Agent}.
 * Every field is volatile or atomic: reads on the hot path never lock.
 */
public final class AgentState implements Agent {

    /** A latency estimate and when its last sample was taken. */
    private record Ewma(long costNanos, long stampNanos) {
    }

    private volatile AgentDescriptor descriptor;
    // Copies of descriptor fields read on every pick, one pointer hop closer.
    private volatile int weight;
    private volatile int maxConcurrency;
    private volatile AgentStatus status = AgentStatus.HEALTHY;
    /**
     * Tasks in flight, updated through {@link #IN_FLIGHT}: a field rather than an AtomicInteger,
     * so a balancer reading it among 100,000 agents takes one cache miss per agent, not two.
     */
    private volatile int inFlight;
    private static final java.lang.invoke.VarHandle IN_FLIGHT;

    static {
        try {
            IN_FLIGHT = java.lang.invoke.MethodHandles.lookup().findVarHandle(AgentState.class, "inFlight", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
    private final AtomicReference<Ewma> latency = new AtomicReference<>(new Ewma(0, 0));
    private final double decayNanos;
    private final LongAdder completed = new LongAdder();
    private final LongAdder failed = new LongAdder();
    // Set once by the engine before the agent is published in a snapshot; null when the feature is off.
    private volatile CircuitBreaker breaker;
    private volatile OutlierDetector outlier;
    private volatile TokenBucket limiter;

    /**
     * @param decayNanos the time constant of the latency average: a sample this old weighs 1/e
     *                   of a new one
     */
    AgentState(AgentDescriptor descriptor, long decayNanos) {
        descriptor(descriptor);
        this.decayNanos = decayNanos;
    }

    @Override
    public AgentDescriptor descriptor() {
        return descriptor;
    }

    void descriptor(AgentDescriptor descriptor) {
        this.weight = descriptor.weight();
        this.maxConcurrency = descriptor.maxConcurrency();
        this.descriptor = descriptor;
    }

    @Override
    public int weight() {
        return weight;
    }

    @Override
    public boolean hasCapacity() {
        return inFlight < maxConcurrency;
    }

    @Override
    public AgentStatus status() {
        return status;
    }

    /** Sets the status and returns the previous one. */
    AgentStatus status(AgentStatus status) {
        AgentStatus previous = this.status;
        this.status = status;
        return previous;
    }

    @Override
    public int inFlight() {
        return inFlight;
    }

    @Override
    public long latencyEwmaNanos() {
        return latency.get().costNanos();
    }

    /** Tasks this agent completed with a result. */
    public long completed() {
        return completed.sum();
    }

    /** Attempts on this agent that failed. */
    public long failed() {
        return failed.sum();
    }

    /** Takes one concurrency slot if the agent is below its max; never blocks. */
    boolean tryAcquire() {
        int max = maxConcurrency;
        for (;;) {
            int n = inFlight;
            if (n >= max) {
                return false;
            }
            if (IN_FLIGHT.compareAndSet(this, n, n + 1)) {
                return true;
            }
        }
    }

    void release() {
        IN_FLIGHT.getAndAdd(this, -1);
    }

    /**
     * Adds a latency sample to the peak-sensitive moving average (Finagle's peak EWMA): a sample
     * above the estimate replaces it at once, so a slowing agent is noticed on its first slow
     * answer; a lower one pulls it down with a weight that grows with the time since the last
     * sample, so recovery is gradual.
     */
    void recordSuccess(long latencyNanos, long nowNanos) {
        completed.increment();
        long sample = Math.max(1, latencyNanos);
        for (;;) {
            Ewma old = latency.get();
            long cost;
            if (old.costNanos() == 0 || sample >= old.costNanos()) {
                cost = sample;
            } else {
                double w = Math.exp(-Math.max(0, nowNanos - old.stampNanos()) / decayNanos);
                cost = Math.max(1, (long) (old.costNanos() * w + sample * (1 - w)));
            }
            if (latency.compareAndSet(old, new Ewma(cost, nowNanos))) {
                return;
            }
        }
    }

    /** Attaches the per-agent breaker, outlier detector and rate limiter; each may be null (off). */
    void guards(CircuitBreaker breaker, OutlierDetector outlier, TokenBucket limiter) {
        this.breaker = breaker;
        this.outlier = outlier;
        this.limiter = limiter;
    }

    CircuitBreaker breaker() {
        return breaker;
    }

    OutlierDetector outlier() {
        return outlier;
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
        OutlierDetector o = outlier;
        return o != null && o.markedEjected();
    }

    /** Whether passive outlier detection has it out at {@code nowNanos}. */
    boolean isEjected(long nowNanos) {
        OutlierDetector o = outlier;
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
        failed.increment();
    }

    @Override
    public String toString() {
        return "Agent[" + descriptor.id() + ", " + status + ", inFlight=" + inFlight + "]";
    }
}
