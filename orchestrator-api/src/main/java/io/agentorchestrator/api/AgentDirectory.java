package io.agentorchestrator.api;

import java.time.Duration;

/**
 * A registry of agents shared through a transport's broker, so that every orchestrator instance
 * connected to the same broker sees the same agents.
 *
 * <p>The agent side announces itself when it starts and again at every heartbeat, each time with
 * a time-to-live (its lease); it withdraws when it stops in an orderly way. The orchestrator side
 * watches: it is told of every announcement and withdrawal, and of the agents already announced
 * when it starts watching, so an orchestrator that restarts finds the agents again without their
 * help. An agent whose lease lapses without a new announcement is treated as gone by the
 * orchestrator even if no withdrawal arrives (a crash sends none).
 *
 * <p>Offered by a transport through {@link Transport#directory()}. Thread-safe.
 */
public interface AgentDirectory {

    /**
     * Announces (or re-announces, as a heartbeat) an agent with a lease of {@code ttl}.
     *
     * @throws TransportException when the broker cannot be reached
     */
    void announce(AgentDescriptor agent, Duration ttl);

    /**
     * Withdraws an agent: every watching orchestrator deregisters it.
     *
     * @throws TransportException when the broker cannot be reached
     */
    void withdraw(String agentId);

    /**
     * Starts watching announcements and withdrawals. The agents currently announced (with leases
     * still running) are reported first, then changes as they happen, on a transport thread.
     *
     * @return a handle that stops watching when closed
     */
    Transport.Listener watch(Watcher watcher);

    /** Told of agents coming and going; must be quick and must not throw. */
    interface Watcher {

        /** An agent announced itself, or renewed its lease, for {@code ttl} from now. */
        void announced(AgentDescriptor agent, Duration ttl);

        /** An agent withdrew or its lease expired on the broker. */
        void withdrawn(String agentId);
    }
}
