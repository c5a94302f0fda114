package io.agentorchestrator.core.security.internal;

import io.agentorchestrator.api.security.AuditEvent;
import io.agentorchestrator.core.security.SecurityConfig;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the explicit opt-out ({@link SecurityConfig#insecure}) visible: one WARN per distinct
 * reason and set of transports in this JVM (a host that starts many runtimes the same way is told
 * once), and one {@link AuditEvent.Type#SECURITY_DISABLED} audit event per orchestrator or runtime
 * started that way, since each is a decision an auditor must be able to find.
 */
final class InsecureOptOut {

    private static final Logger log = LoggerFactory.getLogger(SecurityLayer.class);
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

    private InsecureOptOut() {
    }

    static void record(SecurityConfig config, List<String> exposed, String side) {
        if (exposed.isEmpty()) {
            // Only in-process transports: security is off there anyway, nothing was opted out of.
            return;
        }
        String reason = config.insecureReason().orElseThrow();
        if (WARNED.add(reason + "\u0000" + exposed)) {
            log.warn("Security is OFF for {} on {} by explicit opt-out ({}): anyone who can reach the broker can pose as an agent "
                    + "or read payloads", side, exposed, reason);
        } else {
            log.debug("Security is off for {} on {} by explicit opt-out ({})", side, exposed, reason);
        }
        try {
            config.auditSink().record(new AuditEvent(config.clock().instant(), AuditEvent.Type.SECURITY_DISABLED, null, null, null,
                    AuditEvent.ALLOWED, reason, Map.of("side", side, "transports", String.join(",", exposed))));
        } catch (RuntimeException e) {
            log.warn("Audit sink failed on a {} event; carrying on", AuditEvent.Type.SECURITY_DISABLED, e);
        }
    }
}
