package io.agentorchestrator.core;

import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.TaskFailedException;

/**
 * The work an agent does: takes a task, returns its result. Hosted by an {@link AgentRuntime}.
 *
 * <p>Runs on the runtime's worker threads, at most {@code maxConcurrency} at once, and may block
 * (an LLM call, a database query). To fail a task with a code of your choosing, and to say
 * whether another agent may retry it, throw {@link TaskFailedException}; any other exception is
 * reported as a non-retryable {@link TaskFailedException#HANDLER_ERROR}. The thread is
 * interrupted when the runtime is closed without grace.
 */
@FunctionalInterface
public interface AgentHandler {

    /**
     * Handles one task.
     *
     * @param task the task, with its id (the same on redelivery), payload, headers and deadline
     * @return the result payload, not null
     * @throws Exception when the task fails
     */
    Payload handle(TaskEnvelope task) throws Exception;
}
