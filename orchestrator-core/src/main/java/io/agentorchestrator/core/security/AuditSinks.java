package io.agentorchestrator.core.security;

import io.agentorchestrator.api.OrchestratorEvent;
import io.agentorchestrator.api.OrchestratorListener;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.api.security.AuditEvent;
import io.agentorchestrator.api.security.AuditSink;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The built-in {@link AuditSink}s, and the bridge from the orchestrator's event stream to a sink. */
public final class AuditSinks {

    /** Name of the SLF4J logger the default sink writes to; route it to its own appender. */
    public static final String LOGGER_NAME = "io.agentorchestrator.audit";

    private static final Logger AUDIT = LoggerFactory.getLogger(LOGGER_NAME);
    private static final AuditSink LOGGER = event -> {
        if (AuditEvent.DENIED.equals(event.outcome())) {
            AUDIT.warn("{}", format(event));
        } else {
            AUDIT.info("{}", format(event));
        }
    };

    private AuditSinks() {
    }

    /**
     * Writes each event as one line of {@code key=value} pairs to the logger {@value #LOGGER_NAME}:
     * INFO for what was allowed, WARN for what was denied. The default sink.
     */
    public static AuditSink logger() {
        return LOGGER;
    }

    /** Discards every event. */
    public static AuditSink none() {
        return event -> { };
    }

    /**
     * A listener that turns the orchestrator's registry events into audit events: registrations,
     * updates and deregistrations, and run-time configuration changes. Health-driven status changes are not audited (hand-set ones are,
     * by the security layer). Events of other kinds are ignored, so adding one is one more branch.
     *
     * @param sink      where the audit events go
     * @param principalOf who is behind an agent id (the principal that announced it), or null
     */
    public static OrchestratorListener listener(AuditSink sink, Function<String, String> principalOf) {
        ValidationException.requireNonNull(sink, "sink");
        ValidationException.requireNonNull(principalOf, "principalOf");
        return event -> {
            AuditEvent audit = null;
            if (event instanceof OrchestratorEvent.AgentRegistered e) {
                audit = registry(e.at(), AuditEvent.Type.AGENT_REGISTERED, principalOf.apply(e.agent().id()), e.agent());
            } else if (event instanceof OrchestratorEvent.AgentUpdated e) {
                audit = registry(e.at(), AuditEvent.Type.AGENT_UPDATED, principalOf.apply(e.current().id()), e.current());
            } else if (event instanceof OrchestratorEvent.AgentDeregistered e) {
                audit = registry(e.at(), AuditEvent.Type.AGENT_DEREGISTERED, principalOf.apply(e.agent().id()), e.agent());
            } else if (event instanceof OrchestratorEvent.ConfigurationChanged e) {
                audit = new AuditEvent(e.at(), AuditEvent.Type.CONFIGURATION_CHANGED, null, null, null, AuditEvent.ALLOWED,
                        String.join("; ", e.changes()), e.reason() == null || e.reason().isEmpty() ? Map.of() : Map.of("reason", e.reason()));
            }
            if (audit != null) {
                sink.record(audit);
            }
        };
    }

    private static AuditEvent registry(java.time.Instant at, AuditEvent.Type type, String principal,
                                       io.agentorchestrator.api.AgentDescriptor agent) {
        return new AuditEvent(at, type, principal, agent.id(), String.join(",", new java.util.TreeSet<>(agent.capabilities())),
                AuditEvent.ALLOWED, null, Map.of("endpoint", agent.endpoint().getScheme(), "version", agent.version()));
    }

    /** One line of {@code key=value} pairs; values with spaces are quoted. */
    static String format(AuditEvent e) {
        StringBuilder sb = new StringBuilder("audit type=").append(e.type()).append(" outcome=").append(e.outcome());
        append(sb, "at", String.valueOf(e.at()));
        append(sb, "principal", e.principal());
        append(sb, "agent", e.agentId());
        append(sb, "capability", e.capability());
        append(sb, "detail", e.detail());
        new java.util.TreeMap<>(e.attributes()).forEach((k, v) -> append(sb, k, v));
        return sb.toString();
    }

    private static void append(StringBuilder sb, String key, String value) {
        if (value == null) {
            return;
        }
        String clean = value.replace('\n', ' ').replace('\r', ' ').replace("\"", "'");
        sb.append(' ').append(key).append('=');
        if (clean.indexOf(' ') >= 0 || clean.isEmpty()) {
            sb.append('"').append(clean).append('"');
        } else {
            sb.append(clean);
        }
    }
}
