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
 * The registered agents and the live settings, published together. Writers (register, update,
 * deregister, reconfigure) are rare and serialised; each marks the immutable {@link Snapshot}
 * stale, and the next reader builds a new one, so dispatch reads the agents of a capability and
 * the settings to place a task with one volatile read and no lock while nothing changes. Because
 * an agent's weight and guards are fixed per {@link AgentState} incarnation and a reconfiguration
 * publishes the new incarnations and the new {@link LiveSettings} in one snapshot, a pick sees
 * every old value or every new one.
 * Building lazily keeps a burst of registrations linear: 100,000 agents registered one after the
 * other cost one snapshot, not 100,000 copies of a growing map.
 */
final class AgentRegistry {

    /** An immutable view: agents by id and by capability, and the settings in force with them. */
    static final class Snapshot {
        final Map<String, AgentState> byId;
        final Map<String, List<AgentState>> byCapability;
        final LiveSettings settings;

        Snapshot(Map<String, AgentState> byId, Map<String, List<AgentState>> byCapability, LiveSettings settings) {
            this.byId = byId;
            this.byCapability = byCapability;
            this.settings = settings;
        }

        List<AgentState> agents(String capability) {
            List<AgentState> agents = byCapability.get(capability);
            return agents == null ? List.of() : agents;
        }
    }

    /** The current snapshot, or null when a write made it stale. */
    private volatile Snapshot snapshot;
    /** The agents in registration order; guarded by this. */
    private final Map<String, AgentState> agents = new LinkedHashMap<>();
    /** The settings the next snapshot carries; guarded by this. */
    private LiveSettings settings;
    private final long decayNanos;
    private final java.util.function.BiConsumer<AgentState, LiveSettings> attachGuards;

    /**
     * @param settings     the live settings to start with
     * @param attachGuards gives an incarnation its breaker and rate limiter under the given
     *                     settings (and a new agent its outlier detector) before it is published
     */
    AgentRegistry(long latencyDecayNanos, LiveSettings settings, java.util.function.BiConsumer<AgentState, LiveSettings> attachGuards) {
        this.decayNanos = latencyDecayNanos;
        this.settings = settings;
        this.attachGuards = attachGuards;
        this.snapshot = new Snapshot(Map.of(), Map.of(), settings);
    }
    /** Deregistered agents that still had tasks in flight, by id; guarded by this. */
    private final Map<String, AgentState> departed = new HashMap<>();
    /** Departed agents remembered before idle ones are forgotten. */
    private static final int MAX_DEPARTED = 4_096;

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
        // An agent that comes back keeps its counters, even when idle right now: a dispatcher that
        // read a snapshot from before it left may still take a slot on its old state, and a fresh
        // in-flight count of zero beside that would overload it.
        AgentState state = departed.remove(descriptor.id());
        if (state != null && state.inFlight() > 0) {
            state = state.with(descriptor);
            state.status(io.agentorchestrator.api.AgentStatus.HEALTHY);
        } else if (state != null) {
            // Idle: its counters, with fresh guards as for a new agent.
            state = state.with(descriptor);
            state.status(io.agentorchestrator.api.AgentStatus.HEALTHY);
            attachGuards.accept(state, settings);
        } else {
            state = new AgentState(descriptor, decayNanos);
            attachGuards.accept(state, settings);
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
        agents.put(descriptor.id(), state.with(descriptor));
        snapshot = null;
        return state.descriptor();
    }

    /** An agent whose weight a reconfiguration changed: its descriptor before and after. */
    record Reweighed(AgentDescriptor previous, AgentDescriptor current) {
    }

    /**
     * Publishes {@code next} together with the new weights, and with new guards on every agent
     * when {@code newGuards}, in one snapshot. An agent of {@code weights} that is no longer
     * registered is skipped; one already at its weight is left as it is.
     *
     * @return the agents whose weight changed, in registration order
     */
    synchronized List<Reweighed> reconfigure(LiveSettings next, Map<String, Integer> weights, boolean newGuards) {
        List<Reweighed> reweighed = new ArrayList<>();
        for (Map.Entry<String, AgentState> e : agents.entrySet()) {
            AgentState state = e.getValue();
            AgentDescriptor before = state.descriptor();
            Integer weight = weights.get(e.getKey());
            AgentDescriptor after = weight == null || weight == before.weight() ? before : before.toBuilder().weight(weight).build();
            if (after == before && !newGuards) {
                continue;
            }
            AgentState incarnation = state.with(after);
            if (newGuards) {
                attachGuards.accept(incarnation, next);
            }
            e.setValue(incarnation);
            if (after != before) {
                reweighed.add(new Reweighed(before, after));
            }
        }
        settings = next;
        snapshot = build();
        return reweighed;
    }

    synchronized AgentState deregister(String agentId) {
        AgentState state = agents.remove(agentId);
        if (state == null) {
            return null;
        }
        snapshot = null;
        // Kept even when idle: a dispatch that read the previous snapshot may still take a slot on it.
        // Idle ones are forgotten only when many have piled up, which bounds the memory.
        if (departed.size() >= MAX_DEPARTED) {
            departed.values().removeIf(d -> d.inFlight() == 0);
        }
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
        return new Snapshot(Collections.unmodifiableMap(byId), byCapability, settings);
    }
}
