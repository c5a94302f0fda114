package io.agentorchestrator.core.mirror;

import java.time.Instant;
import java.util.Map;

/**
 * One event of another orchestrator, as watched on a transport's {@link io.agentorchestrator.api.EventChannel}
 * through {@link EventMirror#watch}.
 *
 * <p>Carried as data rather than as the typed {@link io.agentorchestrator.api.OrchestratorEvent},
 * so that a watcher on another version of the library still reads what it knows and ignores the
 * rest. {@code type} is the event record's simple name ({@code TaskCompleted}, {@code AgentRegistered},
 * ...), and {@code fields} its components by name other than {@code at}: strings, numbers and
 * booleans as themselves, enums by name, instants and durations as ISO-8601 strings
 * ({@code "PT0.0123S"}), an agent as a map of {@code id}, {@code capabilities}, {@code endpoint}
 * and {@code maxConcurrency}, an error as a map of {@code type} and {@code message}, lists as lists.
 *
 * @param origin the name of the orchestrator that published it
 * @param type   the event's kind: the simple name of its {@code OrchestratorEvent} record
 * @param at     when it happened, by the publisher's clock
 * @param fields the event's other components, unmodifiable
 */
public record MirroredEvent(String origin, String type, Instant at, Map<String, Object> fields) {

    /** The field {@code name} as a string, or null when absent. */
    public String string(String name) {
        Object v = fields.get(name);
        return v == null ? null : v.toString();
    }
}
