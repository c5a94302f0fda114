package io.agentorchestrator.api.security;

import java.time.Instant;
import java.util.Map;

/**
 * One entry of the audit trail: who did what to which agent or capability, and whether it was
 * allowed. Never holds a payload, a credential or a key.
 *
 * @param at         when it happened, from the orchestrator's clock
 * @param type       what happened
 * @param principal  who did it, or {@code null} when unknown (an unauthenticated message)
 * @param agentId    the agent concerned, or {@code null}
 * @param capability the capability concerned, or {@code null}
 * @param outcome    {@code "allowed"} or {@code "denied"}
 * @param detail     a few words more (a reason, a status), never a secret
 * @param attributes further structured fields (scheme, reason code, limit name)
 */
public record AuditEvent(Instant at, Type type, String principal, String agentId, String capability, String outcome,
                         String detail, Map<String, String> attributes) {

    /** Outcome of something that was done. */
    public static final String ALLOWED = "allowed";
    /** Outcome of something that was refused. */
    public static final String DENIED = "denied";

    /** Copies the attributes. */
    public AuditEvent {
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    }

    /** The kinds of audited events. */
    public enum Type {
        /** An agent joined the registry. */
        AGENT_REGISTERED,
        /** An agent's descriptor was replaced. */
        AGENT_UPDATED,
        /** An agent left the registry. */
        AGENT_DEREGISTERED,
        /** An operator set an agent's status by hand. */
        STATUS_OVERRIDE,
        /** A credential was refused. */
        AUTHENTICATION_FAILED,
        /** The access policy refused an action. */
        ACCESS_DENIED,
        /** A limit against abuse refused a request. */
        LIMIT_EXCEEDED,
        /** The configuration changed at run time. */
        CONFIGURATION_CHANGED,
        /** Security was turned off explicitly for a transport other than in-process (the detail says why). */
        SECURITY_DISABLED
    }
}
