package io.agentorchestrator.core.security.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.ValidationException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecurityInstallTest {

    private static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);

    @Test
    void securityComesFromTheEnvironmentWhenNotConfiguredInCode() {
        SecurityLayer layer = SecurityLayer.install(null, List.of("redis"), "the orchestrator",
                Map.of("AO_SIGNING_KEY_CURRENT", "k1", "AO_SIGNING_KEY_k1", KEY, "AO_SECURITY_PRINCIPAL", "billing"));
        assertThat(layer).isNotNull();
        assertThat(layer.config().principal().name()).isEqualTo("billing");
    }

    @Test
    void withoutConfigurationItIsOffUnlessRequiredForATransportOtherThanInproc() {
        assertThat(SecurityLayer.install(null, List.of("redis"), "the orchestrator", Map.of())).isNull();
        assertThat(SecurityLayer.install(null, List.of("inproc", "a2a"), "the orchestrator", Map.of("AO_SECURITY_REQUIRED", "true")))
                .isNull();
        assertThatThrownBy(() -> SecurityLayer.install(null, List.of("inproc", "kafka"), "the orchestrator",
                Map.of("AO_SECURITY_REQUIRED", "true"))).isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("security must be configured for the orchestrator on [kafka] (AO_SECURITY_REQUIRED=true)");
    }
}
