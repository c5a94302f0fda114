package io.agentorchestrator.api.security;

/**
 * Where audit events go: a log, a SIEM, a database. The default writes them to the SLF4J logger
 * {@code io.agentorchestrator.audit}. Called on the thread where the event happened: must be
 * quick and should not throw (what it throws is logged and ignored).
 */
@FunctionalInterface
public interface AuditSink {

    /** Records one event. */
    void record(AuditEvent event);
}
