package io.agentorchestrator.core.internal;

import io.agentorchestrator.api.Agent;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentStatus;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The engine's mutable record of one registered agent, published to balancers as {@link Agent}.
 * Every field is volatile or atomic: reads on the hot path never lock.
 */
public final class AgentState implements Agent {

    /** Weight of the newest sample in the latency average. */
    static final double EWMA_ALPHA = 0.2;

    private volatile AgentDescriptor descriptor;
    private volatile AgentStatus status = AgentStatus.HEALTHY;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong latencyEwma = new AtomicLong();
    private final LongAdder completed = new LongAdder();
    private final LongAdder failed = new LongAdder();

    AgentState(AgentDescriptor descriptor) {
        this.descriptor = descriptor;
    }

    @Override
    public AgentDescriptor descriptor() {
        return descriptor;
    }

    void descriptor(AgentDescriptor descriptor) {
        this.descriptor = descriptor;
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
        return inFlight.get();
    }

    @Override
    public long latencyEwmaNanos() {
        return latencyEwma.get();
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
        int max = descriptor.maxConcurrency();
        for (;;) {
            int n = inFlight.get();
            if (n >= max) {
                return false;
            }
            if (inFlight.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    void release() {
        inFlight.decrementAndGet();
    }

    void recordSuccess(long latencyNanos) {
        completed.increment();
        for (;;) {
            long old = latencyEwma.get();
            long next = old == 0 ? Math.max(1, latencyNanos) : Math.max(1, (long) (old + EWMA_ALPHA * (latencyNanos - old)));
            if (latencyEwma.compareAndSet(old, next)) {
                return;
            }
        }
    }

    void recordFailure() {
        failed.increment();
    }

    @Override
    public String toString() {
        return "Agent[" + descriptor.id() + ", " + status + ", inFlight=" + inFlight.get() + "]";
    }
}
