package io.agentorchestrator.core.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.api.security.KeyProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyProvidersTest {

    private static final String K1 = Base64.getEncoder().encodeToString("first key of thirty-two bytes!!!".getBytes());
    private static final String K2 = Base64.getUrlEncoder().encodeToString("second key of thirty-two bytes!!".getBytes());

    @Test
    void readsKeysFromVariablesWithoutShowingThem() {
        KeyProvider keys = KeyProviders.fromVariables("AO_SIGNING_KEY", Map.of("AO_SIGNING_KEY_CURRENT", "k2",
                "AO_SIGNING_KEY_k1", K1, "AO_SIGNING_KEY_k2", K2, "OTHER", "x"));

        assertThat(keys.currentKeyId()).isEqualTo("k2");
        assertThat(keys.key("k1")).isPresent();
        assertThat(keys.key("k3")).isEmpty();
        assertThat(keys.toString()).isEqualTo("KeyProvider[current=k2, ids=[k1, k2]]").doesNotContain(K1);
    }

    @Test
    void refusesShortKeysAndAMissingCurrentKeyNamingTheVariableNotTheValue() {
        String shortKey = Base64.getEncoder().encodeToString("too short".getBytes());
        assertThatThrownBy(() -> KeyProviders.fromVariables("AO_K", Map.of("AO_K_CURRENT", "a", "AO_K_a", shortKey)))
                .isInstanceOf(ValidationException.class).hasMessage("AO_K_a must be at least 32 bytes, but was 9")
                .message().doesNotContain(shortKey);
        assertThatThrownBy(() -> KeyProviders.fromVariables("AO_K", Map.of("AO_K_a", K1)))
                .isInstanceOf(ValidationException.class).hasMessageStartingWith("AO_K_current must name the current key id");
        assertThatThrownBy(() -> KeyProviders.of("b", Map.of("a", new byte[32]))).isInstanceOf(ValidationException.class)
                .hasMessage("currentKeyId must be one of the key ids [a], but was 'b'");
    }

    @Test
    void aKeyFileIsReadAgainWhenItChangesSoKeysRotateWithoutARestart(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("keys.properties");
        Files.writeString(file, "current=k1\nk1=" + K1 + "\n");
        KeyProvider keys = KeyProviders.fromFile(file);
        assertThat(keys.currentKeyId()).isEqualTo("k1");

        Files.writeString(file, "current=k2\nk1=" + K1 + "\nk2=" + K2 + "\n");
        Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 5000));
        assertThat(keys.currentKeyId()).isEqualTo("k2");
        assertThat(keys.key("k1")).as("the old key still verifies until retired").isPresent();

        Files.writeString(file, "current=k2\nk2=" + K2 + "\n");
        Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 10000));
        assertThat(keys.key("k1")).as("retired").isEmpty();
        assertThat(keys.toString()).doesNotContain(K2);
    }

    @Test
    void securityConfigComesFromTheEnvironmentWhenSigningKeysAreThere() {
        assertThat(SecurityConfig.fromVariables(Map.of())).isEmpty();
        SecurityConfig c = SecurityConfig.fromVariables(Map.of("ORCHESTRATOR_SECURITY_SIGNING_KEYS", "k1:" + K1,
                "ORCHESTRATOR_SECURITY_PAYLOAD_KEYS", "p:" + K2, "ORCHESTRATOR_SECURITY_PRINCIPAL", "billing",
                "ORCHESTRATOR_SECURITY_ROLES", "caller, worker")).orElseThrow();

        assertThat(c.principal().name()).isEqualTo("billing");
        assertThat(c.principal().roles()).containsExactlyInAnyOrder("caller", "worker");
        assertThat(c.payloadKeys()).isPresent();
        assertThat(c.toString()).doesNotContain(K1).doesNotContain(K2).contains("current=k1");
    }

    @Test
    void aKeyListNamesTheCurrentKeyFirstAndNeverShowsKeyMaterialWhenRefused() {
        KeyProvider keys = KeyProviders.fromList("k2:" + K2 + ", k1:" + K1);
        assertThat(keys.currentKeyId()).isEqualTo("k2");
        assertThat(keys.key("k1")).isPresent();
        assertThat(keys.toString()).doesNotContain(K1).doesNotContain(K2);

        assertThatThrownBy(() -> KeyProviders.fromList(K1)).isInstanceOf(ValidationException.class)
                .hasMessage("keys must be keyId:base64 pairs, comma-separated, but was '(pair 1, not shown)'");
        assertThatThrownBy(() -> KeyProviders.fromList("k1:c2hvcnQ=")).isInstanceOf(ValidationException.class)
                .hasMessage("key 'k1' must be at least 32 bytes, but was 5");
        assertThatThrownBy(() -> KeyProviders.fromList("k1:" + K1 + ",k1:" + K2)).hasMessageStartingWith("keys must name each key id once");
        assertThatThrownBy(() -> KeyProviders.fromList(" , ")).hasMessageStartingWith("keys must hold at least one keyId:base64 pair");
    }
}
