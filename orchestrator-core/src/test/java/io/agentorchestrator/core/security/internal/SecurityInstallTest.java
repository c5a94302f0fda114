package io.agentorchestrator.core.security.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.api.security.AuditEvent;
import io.agentorchestrator.core.security.SecurityConfig;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class SecurityInstallTest {

    private static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);

    @Test
    void securityComesFromTheEnvironmentWhenNotConfiguredInCode() {
        SecurityLayer layer = SecurityLayer.install(null, List.of("redis"), "the orchestrator",
                Map.of("ORCHESTRATOR_SECURITY_SIGNING_KEYS", "k1:" + KEY, "ORCHESTRATOR_SECURITY_PRINCIPAL", "billing"));
        assertThat(layer).isNotNull();
        assertThat(layer.config().principal().name()).isEqualTo("billing");
    }

    @Test
    void withoutConfigurationOnlyInprocAndA2aRun() {
        assertThat(SecurityLayer.install(null, List.of("inproc", "a2a"), "the orchestrator", Map.of())).isNull();
        assertThatThrownBy(() -> SecurityLayer.install(null, List.of("inproc", "kafka", "redis"), "the orchestrator", Map.of()))
                .isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("security must be configured for the orchestrator on the transport(s) [kafka, redis]")
                .hasMessageContaining("security(SecurityConfig.builder(principal)")
                .hasMessageContaining("security(SecurityConfig.insecure(");
    }

    @Test
    void anExplicitOptOutRunsWithoutTheLayerAndIsAudited() {
        List<AuditEvent> audit = new CopyOnWriteArrayList<>();
        SecurityConfig off = SecurityConfig.insecure("private test network", audit::add);

        assertThat(SecurityLayer.install(off, List.of("inproc", "redis"), "agent a1", Map.of())).isNull();

        assertThat(audit).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(AuditEvent.Type.SECURITY_DISABLED);
            assertThat(e.detail()).isEqualTo("private test network");
            assertThat(e.attributes()).containsEntry("transports", "redis").containsEntry("side", "agent a1");
        });
        assertThat(off.insecureReason()).contains("private test network");
        assertThat(off).hasToString("SecurityConfig[insecure: private test network]");
        assertThatThrownBy(off::authenticator).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theOptOutCanComeFromTheEnvironmentAndTheOldVariablesAreNamedWhenStillSet() {
        assertThat(SecurityLayer.install(null, List.of("redis"), "the orchestrator",
                Map.of("ORCHESTRATOR_SECURITY_INSECURE", "compose demo network"))).isNull();
        assertThatThrownBy(() -> SecurityLayer.install(null, List.of("redis"), "the orchestrator",
                Map.of("AO_SIGNING_KEY_CURRENT", "k1", "AO_SIGNING_KEY_k1", KEY)))
                .hasMessageContaining("AO_SIGNING_KEY_*, AO_PAYLOAD_KEY_* and AO_SECURITY_* variables are no longer read")
                .hasMessageNotContaining(KEY);
    }

    @Test
    void anOptOutNeedsAReason() {
        assertThatThrownBy(() -> SecurityConfig.insecure(" ")).isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("insecureReason must be 1-200 characters and not blank");
    }
}
