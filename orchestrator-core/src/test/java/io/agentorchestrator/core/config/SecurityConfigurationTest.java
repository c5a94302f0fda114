package io.agentorchestrator.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.security.SecurityConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The orchestrator.security.* keys: one naming rule, the usual precedence, and key material never shown. */
class SecurityConfigurationTest {

    private static final String K1 = Base64.getEncoder().encodeToString("first signing key, 32 bytes long".getBytes());
    private static final String K2 = Base64.getEncoder().encodeToString("second signing key, also 32 byte".getBytes());

    @TempDir
    Path dir;

    @Test
    void securityKeysFollowTheNamingRuleAndTurnSecurityOnFromEverySource() throws IOException {
        Map<String, String> settings = Map.of("orchestrator.security.signing.keys", "k1:" + K1,
                "orchestrator.security.payload.keys", "p1:" + K2, "orchestrator.security.principal", "billing",
                "orchestrator.security.roles", "caller,worker");
        for (OrchestratorConfig.Source source : OrchestratorConfig.Source.values()) {
            OrchestratorConfig config = from(source, settings);
            SecurityConfig security = config.security().orElseThrow();
            assertThat(security.principal().name()).as(source.toString()).isEqualTo("billing");
            assertThat(security.principal().roles()).containsExactlyInAnyOrder("caller", "worker");
            assertThat(security.payloadKeys()).isPresent();
            assertThat(config.value("orchestrator.security.signing.keys").orElseThrow().source()).isEqualTo(source);
            try (Orchestrator o = config.newBuilder().transport("http:").build()) {
                assertThat(o.toString()).as("applyTo turns the layer on").startsWith("Secured");
            }
        }
    }

    @Test
    void precedenceIsCodeThenSystemPropertyThenEnvironmentThenFile() throws IOException {
        Path file = Files.writeString(dir.resolve("o.properties"), "orchestrator.security.signing.keys=k1:" + K1
                + "\norchestrator.security.principal=from-file\norchestrator.security.roles=file-role\n");
        Properties props = new Properties();
        props.setProperty("orchestrator.security.principal", "from-property");
        OrchestratorConfig config = OrchestratorConfig.load(Map.of("ORCHESTRATOR_SECURITY_PRINCIPAL", "from-env",
                "ORCHESTRATOR_SECURITY_ROLES", "env-role"), props, file);
        SecurityConfig security = config.security().orElseThrow();
        assertThat(security.principal().name()).isEqualTo("from-property");
        assertThat(security.principal().roles()).containsExactly("env-role");
        try (Orchestrator o = config.newBuilder().transport("http:").security(SecurityConfig.insecure("the code decides")).build()) {
            assertThat(o.toString()).as("the code's own setting wins").doesNotStartWith("Secured");
        }
    }

    @Test
    void theOptOutIsAKeyTooAndCannotBeMixedWithKeys() {
        OrchestratorConfig off = OrchestratorConfig.load(Map.of("ORCHESTRATOR_SECURITY_INSECURE", "compose demo network"), new Properties(), null);
        assertThat(off.security().orElseThrow().insecureReason()).contains("compose demo network");
        try (Orchestrator o = off.newBuilder().transport("http:").build()) {
            assertThat(o.toString()).doesNotStartWith("Secured");
        }
        OrchestratorConfig both = OrchestratorConfig.load(Map.of("ORCHESTRATOR_SECURITY_INSECURE", "why", "ORCHESTRATOR_SECURITY_SIGNING_KEYS",
                "k1:" + K1), new Properties(), null);
        assertThatThrownBy(both::security).isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("orchestrator.security.insecure (environment variable ORCHESTRATOR_SECURITY_INSECURE) must not be set "
                        + "together with signing or payload keys").hasMessageNotContaining(K1);
    }

    @Test
    void aRefusedKeyNamesItsSourceButNeverItsValue() {
        String tooShort = Base64.getEncoder().encodeToString("short but secret".getBytes());
        OrchestratorConfig config = OrchestratorConfig.load(Map.of("ORCHESTRATOR_SECURITY_SIGNING_KEYS", "k1:" + tooShort), new Properties(), null);
        assertThatThrownBy(config::newBuilder).isInstanceOf(ValidationException.class)
                .hasMessage("orchestrator.security.signing.keys (environment variable ORCHESTRATOR_SECURITY_SIGNING_KEYS): key 'k1' "
                        + "must be at least 32 bytes, but was 16");
        OrchestratorConfig noPair = OrchestratorConfig.load(Map.of("ORCHESTRATOR_SECURITY_SIGNING_KEYS", K1), new Properties(), null);
        assertThatThrownBy(noPair::security).hasMessageNotContaining(K1).hasMessageContaining("must be keyId:base64 pairs");
        assertThat(config.value("orchestrator.security.signing.keys").orElseThrow().toString()).doesNotContain(tooShort)
                .contains("secret");
        assertThat(OrchestratorConfig.markdownTable()).contains("`ORCHESTRATOR_SECURITY_SIGNING_KEYS`").doesNotContain(K1);
    }

    @Test
    void theBuildersReadOnlyTheSecurityKeysWhenTheCodeSetsNone() {
        Properties props = new Properties();
        props.setProperty("orchestrator.security.signing.keys", "k1:" + K1);
        Map<String, String> env = Map.of("ORCHESTRATOR_NOT_A_KEY", "x", "ORCHESTRATOR_SECURITY_ROLES", "caller");
        OrchestratorConfig security = OrchestratorConfig.loadSecurity(env, props);
        assertThat(security.values()).containsOnlyKeys("orchestrator.security.signing.keys", "orchestrator.security.roles");
        assertThatThrownBy(() -> OrchestratorConfig.loadSecurity(Map.of("ORCHESTRATOR_SECURITY_SIGNING_KEY", "k1:" + K1), new Properties()))
                .hasMessageContaining("ORCHESTRATOR_SECURITY_SIGNING_KEY").hasMessageNotContaining(K1);
    }

    private OrchestratorConfig from(OrchestratorConfig.Source source, Map<String, String> values) throws IOException {
        Properties props = new Properties();
        Map<String, String> env = new java.util.HashMap<>();
        Path file = null;
        switch (source) {
            case SYSTEM_PROPERTY -> values.forEach(props::setProperty);
            case ENVIRONMENT -> values.forEach((k, v) -> env.put(OrchestratorConfig.environmentName(k), v));
            case FILE -> {
                Properties p = new Properties();
                values.forEach(p::setProperty);
                file = dir.resolve(source + ".properties");
                try (var out = Files.newBufferedWriter(file)) {
                    p.store(out, null);
                }
            }
        }
        return OrchestratorConfig.load(env, props, file);
    }
}
