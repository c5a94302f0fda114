package io.agentorchestrator.core.config;

import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.api.security.KeyProvider;
import io.agentorchestrator.api.security.Principal;
import io.agentorchestrator.core.security.KeyProviders;
import io.agentorchestrator.core.security.SecurityConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code orchestrator.security.*} keys of {@link OrchestratorConfig}: how their values become
 * a {@link SecurityConfig}. Key material is never put in a message: a refused key value is shown
 * by its length only, and {@link OrchestratorConfig.Value#toString()} hides it.
 */
final class SecurityKeys {

    /** Prefix of every security key. */
    static final String PREFIX = "orchestrator.security.";
    static final String PRINCIPAL = PREFIX + "principal";
    static final String ROLES = PREFIX + "roles";
    static final String SIGNING_KEYS = PREFIX + "signing.keys";
    static final String SIGNING_KEY_FILE = PREFIX + "signing.key.file";
    static final String PAYLOAD_KEYS = PREFIX + "payload.keys";
    static final String PAYLOAD_KEY_FILE = PREFIX + "payload.key.file";
    static final String INSECURE = PREFIX + "insecure";

    /** Keys whose values are key material. */
    private static final Set<String> SECRET = Set.of(SIGNING_KEYS, PAYLOAD_KEYS);

    private SecurityKeys() {
    }

    static boolean secret(String key) {
        return SECRET.contains(key);
    }

    /** Adds the security keys to the table; their values are applied together by {@link #parse}. */
    static void define() {
        ConfigKeys.def(SIGNING_KEYS, "security.signingKeys", "secret: list of keyId:base64", "-",
                "signing keys of credentials, the first signs; turns security on (README, Security)", (t, v) -> { });
        ConfigKeys.def(SIGNING_KEY_FILE, "security.signingKeys", "path", "-",
                "signing key file (`current=<id>`, `<id>=<base64>`), re-read when it changes; instead of signing.keys", (t, v) -> { });
        ConfigKeys.def(PAYLOAD_KEYS, "security.payloadKeys", "secret: list of keyId:base64", "-",
                "payload encryption keys (AES-256-GCM), the first encrypts", (t, v) -> { });
        ConfigKeys.def(PAYLOAD_KEY_FILE, "security.payloadKeys", "path", "-", "payload key file; instead of payload.keys", (t, v) -> { });
        ConfigKeys.def(PRINCIPAL, "security.principal", "name", "orchestrator", "this side's principal in its credentials", (t, v) -> { });
        ConfigKeys.def(ROLES, "security.principal.roles", "list of names", "-", "this side's roles, comma-separated", (t, v) -> { });
        ConfigKeys.def(INSECURE, "SecurityConfig.insecure(reason)", "text", "-",
                "explicit opt-out: run transports other than inproc: without security, for this reason (WARN, audited)", (t, v) -> { });
    }

    /**
     * The security configuration the values describe: empty when they set neither keys nor the
     * opt-out.
     *
     * @throws ValidationException naming the key and its source when a value is refused
     */
    static Optional<SecurityConfig> parse(Map<String, OrchestratorConfig.Value> values) {
        OrchestratorConfig.Value insecure = values.get(INSECURE);
        Optional<KeyProvider> signing = keys(values, SIGNING_KEYS, SIGNING_KEY_FILE);
        Optional<KeyProvider> payload = keys(values, PAYLOAD_KEYS, PAYLOAD_KEY_FILE);
        if (insecure != null) {
            if (signing.isPresent() || payload.isPresent()) {
                throw new ValidationException(INSECURE + " (" + insecure.describe() + ")",
                        "must not be set together with signing or payload keys (security either is configured or is explicitly off)",
                        insecure.text());
            }
            return Optional.of(apply(insecure, SecurityConfig::insecure));
        }
        if (signing.isEmpty()) {
            ValidationException.require(payload.isEmpty(), PAYLOAD_KEYS, "needs signing keys (" + SIGNING_KEYS + " or "
                    + SIGNING_KEY_FILE + ") too", "(set; not shown)");
            return Optional.empty();
        }
        OrchestratorConfig.Value name = values.get(PRINCIPAL);
        OrchestratorConfig.Value roles = values.get(ROLES);
        Principal principal = apply(name, n -> new Principal(n == null ? "orchestrator" : n.trim(),
                roles == null ? Set.of() : Set.copyOf(ConfigKeys.list(roles.text()))));
        SecurityConfig.Builder b = SecurityConfig.builder(principal).signingKeys(signing.get());
        payload.ifPresent(b::payloadKeys);
        return Optional.of(b.build());
    }

    private static Optional<KeyProvider> keys(Map<String, OrchestratorConfig.Value> values, String listKey, String fileKey) {
        OrchestratorConfig.Value list = values.get(listKey);
        OrchestratorConfig.Value file = values.get(fileKey);
        if (list != null && file != null) {
            throw new ValidationException(listKey + " (" + list.describe() + ")", "must not be set together with " + fileKey + " ("
                    + file.describe() + "); set one of them", "(set; not shown)");
        }
        if (list != null) {
            return Optional.of(apply(list, KeyProviders::fromList));
        }
        if (file != null) {
            return Optional.of(apply(file, f -> KeyProviders.fromFile(Path.of(f.trim()))));
        }
        return Optional.empty();
    }

    /** Applies {@code f} to the value's text (null when absent); a refusal names the key and where the value came from. */
    private static <T> T apply(OrchestratorConfig.Value v, java.util.function.Function<String, T> f) {
        try {
            return f.apply(v == null ? null : v.text());
        } catch (ValidationException e) {
            if (v == null) {
                throw e;
            }
            Object shown = secret(v.key()) ? e.value() instanceof String s && v.text().contains(s) ? "(not shown)" : e.value() : e.value();
            throw new ValidationException(v.key() + " (" + v.describe() + "): " + e.field(), e.rule(), shown);
        }
    }
}
