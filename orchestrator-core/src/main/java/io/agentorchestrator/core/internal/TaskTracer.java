package io.agentorchestrator.core.internal;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.TaskResult;
import java.util.function.BiConsumer;

/**
 * Traces tasks on the orchestrator side, with no tracing library in its signatures so the engine
 * loads without one; the only implementation sits in {@code internal.observation}. The engine
 * calls it only when tracing is on.
 */
public interface TaskTracer {

    /** A task was accepted; returns its trace, handed back to {@link #attempt} and completed by {@link #ended}. */
    Object started(Task task);

    /** The task's future completed with {@code result} or {@code error}. */
    void ended(Object taskTrace, TaskResult result, Throwable error);

    /**
     * An attempt is about to be sent to {@code agent}: opens its trace as a child of the task's and
     * returns it, with the envelope to send (the trace context added to its headers).
     */
    Attempt attempt(Object taskTrace, AgentDescriptor agent, TaskEnvelope envelope);

    /** One attempt's trace; completed with the attempt's reply or failure. */
    interface Attempt extends BiConsumer<ResultEnvelope, Throwable> {

        /** The envelope to send, carrying the trace context in its headers. */
        TaskEnvelope envelope();
    }
}
