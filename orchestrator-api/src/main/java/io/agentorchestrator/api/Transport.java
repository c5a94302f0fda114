package io.agentorchestrator.api;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Moves tasks to agents and results back, for one URI scheme. One side sends
 * ({@link #send}, used by the orchestrator), the other listens ({@link #listen}, used by the
 * agent-side runtime); both may live in one JVM or in different processes.
 *
 * <p>Implementations are thread-safe. A transport does not retry, time out or choose agents:
 * the engine does. It delivers, reports what failed as a {@link TransportException}, and drops
 * replies nobody waits for any more.
 */
public interface Transport extends AutoCloseable {

    /** The URI scheme of the agent endpoints it reaches, lower-case: {@code "inproc"}, {@code "redis"}. */
    String scheme();

    /**
     * Sends one attempt of a task to {@code agent} and returns its reply.
     *
     * <p>Must not block. The future completes with the agent's reply (success or failure), or
     * exceptionally with a {@link TransportException} when the task could not be delivered or the
     * agent went away. The engine may cancel the future when the task times out.
     *
     * @param agent    the agent the balancer chose
     * @param envelope the task
     * @return the reply
     */
    CompletableFuture<ResultEnvelope> send(AgentDescriptor agent, TaskEnvelope envelope);

    /**
     * Starts taking tasks addressed to {@code agent} and hands them to {@code receiver}.
     *
     * @param agent    the agent being hosted (its endpoint says where to listen)
     * @param receiver called for each task, on a transport thread; must not block
     * @return a handle that stops listening when closed
     * @throws TransportException when the endpoint cannot be listened on (already taken, broker down)
     */
    Listener listen(AgentDescriptor agent, TaskReceiver receiver);

    /**
     * The registry of agents this transport shares through its broker, if it offers one. When
     * present, {@code AgentRuntime} announces its agent and heartbeats through it, and the
     * orchestrator registers and deregisters the agents it reports. Default: none.
     */
    default Optional<AgentDirectory> directory() {
        return Optional.empty();
    }

    /**
     * What this transport counted so far (send errors, redeliveries, dead letters, late
     * replies), read when metrics are scraped; must be cheap and thread-safe. Default: none, and
     * no transport meters are registered for it.
     */
    default Optional<TransportCounters> counters() {
        return Optional.empty();
    }

    /**
     * The broker's broadcast channel for mirrored events, if this transport offers one.
     * Transports without a broker to share return empty (the default).
     */
    default Optional<EventChannel> eventChannel() {
        return Optional.empty();
    }

    /** Releases connections and threads. Sends still open complete exceptionally. */
    @Override
    void close();

    /** Agent-side callback for incoming tasks. */
    @FunctionalInterface
    interface TaskReceiver {

        /**
         * Takes one task. Reply exactly once through {@code reply}, from any thread, now or later.
         *
         * @param envelope the task
         * @param reply    where the result goes
         */
        void onTask(TaskEnvelope envelope, ReplySink reply);
    }

    /** Where an agent sends its answer to one task. */
    @FunctionalInterface
    interface ReplySink {

        /** Sends the reply. Extra calls after the first are ignored. */
        void reply(ResultEnvelope result);
    }

    /** A running listener; closing it stops delivery, and tasks not yet answered are failed or redelivered. */
    interface Listener extends AutoCloseable {

        /** Stops listening. Idempotent. */
        @Override
        void close();
    }
}
