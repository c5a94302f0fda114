package io.agentorchestrator.core.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.api.security.Principal;
import io.agentorchestrator.core.AgentRuntime;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.internal.InProcessTransport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A scripted run with secrets configured (signing and payload keys from variables and a file, a
 * broker password from a secret reference), good and bad traffic, and then a scan: no log line,
 * exception message, {@code toString()} or stats key (what becomes a metric tag) holds a secret.
 */
class SecretsDoNotLeakTest {

    private static final String SIGNING = "signing-secret-" + UUID.randomUUID();
    private static final String PAYLOAD_KEY = "payload-secret-" + UUID.randomUUID();
    private static final String PASSWORD = "broker-password-" + UUID.randomUUID();
    private static final String PLAINTEXT = "personal data " + UUID.randomUUID();

    @Test
    void noSecretAppearsInLogsExceptionsToStringsOrStats(@TempDir Path dir) throws Exception {
        String signingB64 = Base64.getEncoder().encodeToString(SIGNING.getBytes(StandardCharsets.UTF_8));
        String payloadB64 = Base64.getEncoder().encodeToString(PAYLOAD_KEY.getBytes(StandardCharsets.UTF_8));
        Path keyFile = dir.resolve("payload.keys");
        Files.writeString(keyFile, "current=p1\np1=" + payloadB64 + "\n");
        Map<String, String> env = Map.of("ORCHESTRATOR_SECURITY_SIGNING_KEYS", "k1:" + signingB64,
                "ORCHESTRATOR_SECURITY_PAYLOAD_KEY_FILE", keyFile.toString(), "ORCHESTRATOR_SECURITY_PRINCIPAL", "orchestrator");
        List<String> seen = new ArrayList<>();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try {
            SecurityConfig orchestratorSide = SecurityConfig.fromVariables(env).orElseThrow();
            SecurityConfig agentSide = SecurityConfig.builder(Principal.of("agents"))
                    .signingKeys(KeyProviders.fromList(env.get("ORCHESTRATOR_SECURITY_SIGNING_KEYS")))
                    .payloadKeys(KeyProviders.fromFile(keyFile)).build();
            SecurityConfig intruder = SecurityConfig.builder(Principal.of("intruder"))
                    .signingKeys(KeyProviders.of("k1", Map.of("k1", "not the key, but just as long as one".getBytes(StandardCharsets.UTF_8))))
                    .payloadKeys(KeyProviders.fromFile(keyFile)).build();
            seen.add(orchestratorSide.toString());
            seen.add(agentSide.toString());
            seen.add(orchestratorSide.payloadKeys().orElseThrow().toString());
            seen.add(orchestratorSide.authenticator().toString());

            String id = "leak-" + UUID.randomUUID().toString().substring(0, 8);
            AgentDescriptor d = AgentDescriptor.builder(id).capability("leak").endpoint("inproc:" + id).build();
            AgentDescriptor bad = AgentDescriptor.builder(id + "-bad").capability("leak-bad").endpoint("inproc:" + id + "-bad").build();
            try (Orchestrator o = Orchestrator.builder().transport(new InProcessTransport()).security(orchestratorSide).build();
                 AgentRuntime good = AgentRuntime.builder(d).transport(new InProcessTransport()).security(agentSide)
                         .handler(t -> Payload.ofUtf8("re: " + t.payload().asUtf8())).heartbeatInterval(Duration.ofMillis(100)).start();
                 AgentRuntime liar = AgentRuntime.builder(bad).transport(new InProcessTransport()).security(intruder)
                         .handler(t -> Payload.ofUtf8(PLAINTEXT)).start()) {
                o.register(d);
                o.register(bad);
                assertThat(o.dispatch(Task.of("leak", PLAINTEXT)).get(10, TimeUnit.SECONDS).payload().asUtf8()).isEqualTo("re: " + PLAINTEXT);
                try {
                    o.dispatch(Task.of("leak-bad", PLAINTEXT)).get(10, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    for (Throwable t = e; t != null; t = t.getCause()) {
                        seen.add(String.valueOf(t.getMessage()));
                    }
                }
                seen.add(o.toString());
                seen.addAll(orchestratorSide.stats().snapshot().keySet());
                seen.addAll(agentSide.stats().snapshot().keySet());
            }
            assertThatThrownBy(() -> Orchestrator.builder().transport("nosuch://user:${env:AO_TEST_BROKER_PASSWORD}@host")
                    .build()).satisfies(e -> seen.add(e.getMessage()));
            Path secretFile = dir.resolve("secret");
            Files.writeString(secretFile, PASSWORD);
            // A transport whose own message would echo the resolved value: the message is withheld.
            assertThatThrownBy(() -> Orchestrator.builder().transport("http:/?maxBodyBytes=${file:" + secretFile + "}"))
                    .isInstanceOf(ValidationException.class).hasMessageContaining("details withheld")
                    .satisfies(e -> seen.add(e.getMessage()));
            assertThatThrownBy(() -> SecretReferences.resolve("redis://:${env:MISSING_PASSWORD}@h", Map.of()))
                    .isInstanceOf(ValidationException.class).satisfies(e -> seen.add(e.getMessage()));
            seen.add(SecretReferences.resolve("rediss://:${env:PW}@h", Map.of("PW", PASSWORD)).equals("rediss://:" + PASSWORD + "@h")
                    ? "" : "resolution broken");
        } finally {
            System.setErr(original);
        }
        seen.add(log.toString(StandardCharsets.UTF_8));

        String everything = String.join("\n", seen);
        assertThat(everything).as("the scan found log lines").contains("audit type=AUTHENTICATION_FAILED");
        assertThat(everything).doesNotContain(SIGNING).doesNotContain(signingB64).doesNotContain(PAYLOAD_KEY)
                .doesNotContain(payloadB64).doesNotContain(PASSWORD).doesNotContain(PLAINTEXT).doesNotContain("resolution broken")
                .doesNotContain("eyJhbGciOiJIUzI1NiIs");
    }
}
