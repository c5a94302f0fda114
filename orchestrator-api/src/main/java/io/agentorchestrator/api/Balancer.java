package io.agentorchestrator.api;

import java.util.List;

/**
 * Chooses which agent gets a task, from the agents that are eligible for it.
 *
 * <p>The engine has already filtered the candidates: each has the task's capability, is healthy,
 * below its max concurrency and not tried before for this task. A balancer only chooses.
 *
 * <p>Called concurrently from many threads on the hot path of every dispatch: implementations
 * must be thread-safe, should not lock or allocate, and must not block.
 */
@FunctionalInterface
public interface Balancer {

    /**
     * Picks one of {@code candidates}.
     *
     * @param candidates the eligible agents, never empty; the list must not be modified or kept
     * @param task       the task being placed (its key, priority, headers may guide the choice)
     * @return one element of {@code candidates}
     */
    Agent pick(List<? extends Agent> candidates, Task task);
}
