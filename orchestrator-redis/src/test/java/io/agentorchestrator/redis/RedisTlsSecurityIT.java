package io.agentorchestrator.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.TransportException;
import io.agentorchestrator.api.security.Principal;
import io.agentorchestrator.core.AgentRuntime;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.security.KeyProviders;
import io.agentorchestrator.core.security.SecurityConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rediss://} end to end with both kinds of protection at once: a private redis-server that
 * speaks only TLS and demands client certificates (made with openssl at test time), and the
 * security layer's signed credentials and encrypted payloads on top. Key store passwords come from
 * a file through a secret reference, not from the code.
 */
class RedisTlsSecurityIT {

    private static byte[] random() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return b;
    }

    @Test
    void securedAgentsWorkOverMutualTlsAndAClientWithoutACertificateIsRefused(@TempDir Path dir) throws Exception {
        byte[] signing = random();
        byte[] payload = random();
        String run = UUID.randomUUID().toString().substring(0, 8);
        Path passwordFile = dir.resolve("store-password");
        Files.writeString(passwordFile, PrivateRedis.TRUSTSTORE_PASSWORD + "\n");
        try (PrivateRedis redis = PrivateRedis.startTls(true)) {
            String base = "rediss://127.0.0.1:" + redis.port() + "?prefix=ao-test-mtls-" + run + "&truststore=" + redis.truststore()
                    + "&truststorePassword=${file:" + passwordFile + "}";
            String uri = base + "&keystore=" + redis.keystore() + "&keystorePassword=${file:" + passwordFile + "}";
            SecurityConfig orchestratorSide = SecurityConfig.builder(Principal.of("orchestrator"))
                    .signingKeys(KeyProviders.of("k1", Map.of("k1", signing))).payloadKeys(KeyProviders.of("p1", Map.of("p1", payload))).build();
            SecurityConfig agentSide = SecurityConfig.builder(Principal.of("agents"))
                    .signingKeys(KeyProviders.of("k1", Map.of("k1", signing))).payloadKeys(KeyProviders.of("p1", Map.of("p1", payload))).build();
            AgentDescriptor d = AgentDescriptor.builder("tls-agent-" + run).capability("tls-" + run).endpoint("redis:tls-agent-" + run).build();

            try (Orchestrator orchestrator = Orchestrator.builder().transport(uri).security(orchestratorSide).build();
                 AgentRuntime agent = AgentRuntime.builder(d).transport(uri).security(agentSide)
                         .handler(task -> Payload.ofUtf8("over mutual tls: " + task.payload().asUtf8()))
                         .heartbeatInterval(Duration.ofMillis(500)).start()) {
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> orchestrator.agent(d.id()).isPresent());
                assertThat(orchestrator.dispatch(Task.of("tls-" + run, "hello")).get(30, TimeUnit.SECONDS).payload().asUtf8())
                        .isEqualTo("over mutual tls: hello");
                assertThat(orchestratorSide.stats().rejectedTotal()).isZero();
            }

            // Trusting the server is not enough: without a client certificate the server refuses the handshake.
            try (Transport noCertificate = new RedisTransportProvider().create(URI.create(
                    base.replace("${file:" + passwordFile + "}", PrivateRedis.TRUSTSTORE_PASSWORD) + "&timeout=500ms"))) {
                var sent = noCertificate.send(d, TaskEnvelope.of(Task.of("tls-" + run, "x"), System.currentTimeMillis() + 5000, 1, null));
                assertThat(sent).failsWithin(Duration.ofSeconds(30)).withThrowableOfType(ExecutionException.class)
                        .havingCause().isInstanceOf(TransportException.class);
            }
        }
    }
}
