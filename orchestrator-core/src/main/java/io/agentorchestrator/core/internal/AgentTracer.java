package io.agentorchestrator.core.internal;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.TaskEnvelope;
import java.util.function.Supplier;

/**
 * Traces an agent's handling of tasks, with no tracing library in its signatures so
 * {@code AgentRuntime} loads without one; the only implementation sits in
 * {@code internal.observation}.
 */
public interface AgentTracer {

    /**
     * Runs {@code work} (the handler) as the handling of {@code task} by {@code agent}, continuing
     * the trace whose context the task's headers carry, and returns its result.
     */
    ResultEnvelope handle(AgentDescriptor agent, TaskEnvelope task, Supplier<ResultEnvelope> work);
}
