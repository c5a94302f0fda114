package io.agentorchestrator.core.security.internal;

import io.agentorchestrator.api.AccessDeniedException;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.LimitExceededException;
import io.agentorchestrator.api.security.Principal;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.security.AccessPolicy;
import io.agentorchestrator.core.security.SecurityLimits;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decides whether a principal may put an agent into the registry: the access policy, who owns the
 * agent id, and the limits. Checks everything before anything is recorded, so a refused
 * registration leaves no trace but the audit entry.
 */
final class RegistrationGate {

    private static final long MINUTE_MILLIS = 60_000;
    /** Owner of agents the host application registered by hand; it may be re-announced by anyone allowed. */
    private static final String LOCAL = "\u0000local";

    private final AccessPolicy policy;
    private final SecurityLimits limits;
    private final Clock clock;
    /** Agent id to the principal that registered it; entries leave with the agent. */
    private final Map<String, String> owners = new ConcurrentHashMap<>();
    /** Per principal, the times of its last registrations (a ring as long as the limit). */
    private final Map<String, long[]> recent = new ConcurrentHashMap<>();
    private volatile Orchestrator registry;

    RegistrationGate(AccessPolicy policy, SecurityLimits limits, Clock clock) {
        this.policy = policy;
        this.limits = limits;
        this.clock = clock;
    }

    void bind(Orchestrator orchestrator) {
        this.registry = orchestrator;
    }

    /** The principal that announced this agent, if it came through a directory (not registered by hand). */
    Optional<String> owner(String agentId) {
        String owner = owners.get(agentId);
        return owner == null || owner.equals(LOCAL) ? Optional.empty() : Optional.of(owner);
    }

    void forget(String agentId) {
        owners.remove(agentId);
    }

    /**
     * Admits a registration or re-announcement of {@code agent} by {@code principal}.
     *
     * @param local whether the host application registers it by hand (it may override any owner)
     * @return whether the agent is new to the registry (so a failed registration should {@link #forget} it)
     * @throws AccessDeniedException  when the policy refuses, or another principal owns the id
     * @throws LimitExceededException when a limit is reached
     */
    synchronized boolean admit(Principal principal, AgentDescriptor agent, boolean local) {
        policy.checkRegister(principal, agent.capabilities());
        String owner = owners.get(agent.id());
        if (!local && owner != null && !owner.equals(LOCAL) && !owner.equals(principal.name())) {
            throw new AccessDeniedException(principal.name(), AccessPolicy.REGISTER, agent.capabilities().iterator().next(),
                    "Access denied: agent id '" + agent.id() + "' is registered by principal '" + owner + "', not '"
                            + principal.name() + "'");
        }
        long metadataBytes = 0;
        for (Map.Entry<String, String> e : agent.metadata().entrySet()) {
            metadataBytes += e.getKey().length() + e.getValue().length();
        }
        if (metadataBytes > limits.maxMetadataBytes()) {
            throw new LimitExceededException("maxMetadataBytes", limits.maxMetadataBytes(), metadataBytes,
                    "Agent '" + agent.id() + "' metadata is " + metadataBytes + " characters, more than maxMetadataBytes "
                            + limits.maxMetadataBytes());
        }
        Orchestrator r = registry;
        Optional<AgentDescriptor> existing = r == null ? Optional.empty() : r.agent(agent.id()).map(a -> a.descriptor());
        for (String capability : agent.capabilities()) {
            if (existing.isPresent() && existing.get().capabilities().contains(capability)) {
                continue;
            }
            int serving = r == null ? 0 : r.agents(capability).size();
            if (serving >= limits.maxAgentsPerCapability()) {
                throw new LimitExceededException("maxAgentsPerCapability", limits.maxAgentsPerCapability(), serving + 1L,
                        "Agent '" + agent.id() + "' refused: capability '" + capability + "' already has " + serving
                                + " agents (maxAgentsPerCapability " + limits.maxAgentsPerCapability() + ")");
            }
        }
        boolean fresh = existing.isEmpty() && owner == null;
        if (fresh) {
            countRegistration(principal, agent);
            owners.put(agent.id(), local ? LOCAL : principal.name());
        }
        return fresh;
    }

    private void countRegistration(Principal principal, AgentDescriptor agent) {
        int max = limits.maxRegistrationsPerPrincipalPerMinute();
        long now = clock.millis();
        long[] ring = recent.computeIfAbsent(principal.name(), p -> {
            long[] fresh = new long[max + 1];
            java.util.Arrays.fill(fresh, Long.MIN_VALUE);
            return fresh;
        });
        // ring[max] is the next slot; the slot it points at holds the oldest of the last `max` times.
        int next = ring[max] == Long.MIN_VALUE ? 0 : (int) ring[max];
        long oldest = ring[next];
        if (oldest != Long.MIN_VALUE && now - oldest < MINUTE_MILLIS) {
            throw new LimitExceededException("maxRegistrationsPerPrincipalPerMinute", max, max + 1L,
                    "Agent '" + agent.id() + "' refused: principal '" + principal.name() + "' registered " + max
                            + " agents in the last minute (maxRegistrationsPerPrincipalPerMinute " + max + ")");
        }
        ring[next] = now;
        ring[max] = (next + 1) % max;
        if (recent.size() > 100_000) {
            // Principals come from verified credentials, but bound the memory anyway.
            recent.entrySet().removeIf(e -> e.getValue() != ring);
        }
    }
}
