package io.agentorchestrator.core.internal;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentRegistrationException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The registered agents. Writers (register, update, deregister) are rare and serialised; each
 * marks the immutable {@link Snapshot} stale, and the next reader builds a new one, so dispatch
 * reads the agents of a capability with one volatile read and no lock while nothing changes.
 * Building lazily keeps a burst of registrations linear: 100,000 agents registered one after the
 * other cost one snapshot, not 100,000 copies of a growing map.
 */
final class AgentRegistry {

    /** An immutable view: agents by id and by capability. */
    static final class Snapshot {
        static final Snapshot EMPTY = new Snapshot(Map.of(), Map.of());

        final Map<String, AgentState> byId;
        final Map<String, List<AgentState>> byCapability;

        Snapshot(Map<String, AgentState> byId, Map<String, List<AgentState>> byCapability) {
            this.byId = byId;
            this.byCapability = byCapability;
        }

        List<AgentState> agents(String capability) {
            List<AgentState> agents = byCapability.get(capability);
            return agents == null ? List.of() : agents;
        }
    }

    /** The current snapshot, or null when a write made it stale. */
    private volatile Snapshot snapshot = Snapshot.EMPTY;
    /** The agents in registration order; guarded by this. */
    private final Map<String, AgentState> agents = new LinkedHashMap<>();
    private final long decayNanos;
    private final java.util.function.Consumer<AgentState> onCreate;

    AgentRegistry(long latencyDecayNanos) {
        this(latencyDecayNanos, a -> { });
    }

    /** @param onCreate attaches per-agent guards to a new agent before it is published */
    AgentRegistry(long latencyDecayNanos, java.util.function.Consumer<AgentState> onCreate) {
        this.decayNanos = latencyDecayNanos;
        this.onCreate = onCreate;
    }
    /** Deregistered agents that still had tasks in flight, by id; guarded by this. */
    private final Map<String, AgentState> departed = new HashMap<>();

    Snapshot snapshot() {
        Snapshot s = snapshot;
        return s != null ? s : rebuild();
    }

    private synchronized Snapshot rebuild() {
        Snapshot s = snapshot;
        if (s == null) {
            s = build();
            snapshot = s;
        }
        return s;
    }

    /** Adds the agent; returns null when the very same descriptor is already registered (a no-op). */
    synchronized AgentState register(AgentDescriptor descriptor) {
        AgentState existing = agents.get(descriptor.id());
        if (existing != null && existing.descriptor().equals(descriptor)) {
            return null;
        }
        if (existing != null) {
            throw new AgentRegistrationException(descriptor.id(),
                    "Agent '" + descriptor.id() + "' is already registered with a different descriptor; use update() to change it or deregister it first");
        }
        // An agent that comes back while tasks sent before it left are still running keeps its
        // counters: a fresh in-flight count of zero would overload it.
        AgentState state = departed.remove(descriptor.id());
        if (state != null && state.inFlight() > 0) {
            state.descriptor(descriptor);
            state.status(io.agentorchestrator.api.AgentStatus.HEALTHY);
        } else {
            state = new AgentState(descriptor, decayNanos);
            onCreate.accept(state);
        }
        agents.put(descriptor.id(), state);
        snapshot = null;
        return state;
    }

    /** Replaces the descriptor, keeping the agent's live counters; returns the previous descriptor. */
    synchronized AgentDescriptor update(AgentDescriptor descriptor) {
        AgentState state = agents.get(descriptor.id());
        if (state == null) {
            throw notRegistered(descriptor.id());
        }
        AgentDescriptor previous = state.descriptor();
        state.descriptor(descriptor);
        snapshot = null;
        return previous;
    }

    synchronized AgentState deregister(String agentId) {
        AgentState state = agents.remove(agentId);
        if (state == null) {
            return null;
        }
        snapshot = null;
        // Kept even when idle: a dispatch that read the previous snapshot may still take a slot on it.
        departed.values().removeIf(d -> d.inFlight() == 0);
        departed.put(agentId, state);
        return state;
    }

    static AgentRegistrationException notRegistered(String agentId) {
        return new AgentRegistrationException(agentId, "Agent '" + agentId + "' is not registered");
    }

    private Snapshot build() {
        Map<String, AgentState> byId = new LinkedHashMap<>(agents);
        Map<String, List<AgentState>> byCapability = new HashMap<>();
        for (AgentState state : byId.values()) {
            for (String capability : state.descriptor().capabilities()) {
                byCapability.computeIfAbsent(capability, c -> new ArrayList<>()).add(state);
            }
        }
        byCapability.replaceAll((c, list) -> Collections.unmodifiableList(list));
        return new Snapshot(Collections.unmodifiableMap(byId), byCapability);
    }
}
