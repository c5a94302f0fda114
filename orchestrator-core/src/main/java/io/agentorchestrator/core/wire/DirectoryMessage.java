package io.agentorchestrator.core.wire;

import io.agentorchestrator.api.AgentDescriptor;

/**
 * A message of an agent directory on a broker, as {@link EnvelopeCodec} reads it: an agent
 * announcing itself (also its heartbeat), an agent withdrawing, or a watcher asking every agent to
 * announce itself again.
 */
public sealed interface DirectoryMessage {

    /** {@code type} of an announcement. */
    String ANNOUNCE = "announce";
    /** {@code type} of a withdrawal. */
    String WITHDRAW = "withdraw";
    /** {@code type} of a query. */
    String QUERY = "query";
    /** {@code reason} of a withdrawal an agent sent as it stopped. */
    String WITHDRAWN = "withdrawn";
    /** {@code reason} of a withdrawal a watcher published because the agent's lease ran out. */
    String EXPIRED = "expired";

    /**
     * An agent is there and serves until {@code ttlMillis} from now unless it announces itself again.
     *
     * @param agent     the agent's descriptor
     * @param ttlMillis the lease, > 0
     */
    record Announcement(AgentDescriptor agent, long ttlMillis) implements DirectoryMessage {
    }

    /**
     * An agent is gone.
     *
     * @param agentId the agent's id
     * @param reason  {@value #WITHDRAWN}, {@value #EXPIRED}, or {@code null} when not stated
     */
    record Withdrawal(String agentId, String reason) implements DirectoryMessage {

        /** Whether the lease lapsed (a crash) rather than the agent stopping in order. */
        public boolean expired() {
            return EXPIRED.equals(reason);
        }
    }

    /** A watcher asks every agent to announce itself again at once. */
    record Query() implements DirectoryMessage {
    }
}
