package io.agentorchestrator.examples.bench;

import io.agentorchestrator.api.Agent;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentStatus;

/** A fixed agent view for micro-benchmarks of balancers: no engine behind it. */
final class BenchAgent implements Agent {

    private final AgentDescriptor descriptor;
    private final int weight;
    private final int inFlight;
    private final long latency;

    BenchAgent(int index, int weight, int inFlight, long latencyNanos) {
        this.descriptor = AgentDescriptor.builder("agent-" + index).capability("bench").endpoint("inproc:agent-" + index)
                .weight(weight).maxConcurrency(1_000).build();
        this.weight = weight;
        this.inFlight = inFlight;
        this.latency = latencyNanos;
    }

    @Override
    public AgentDescriptor descriptor() {
        return descriptor;
    }

    /** Kept in a field, as the engine's own agents do: a pick should not chase the descriptor. */
    @Override
    public int weight() {
        return weight;
    }

    @Override
    public AgentStatus status() {
        return AgentStatus.HEALTHY;
    }

    @Override
    public int inFlight() {
        return inFlight;
    }

    @Override
    public long latencyEwmaNanos() {
        return latency;
    }
}
