package io.agentorchestrator.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.security.Principal;
import io.agentorchestrator.core.AgentRuntime;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.security.KeyProviders;
import io.agentorchestrator.core.security.SecurityConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka over TLS with client certificates, end to end: a private KRaft broker whose only client
 * listener speaks SSL and requires a client certificate (both made with openssl and keytool at
 * test time), the transport configured from the URI's {@code truststore}/{@code keystore}
 * options, and the security layer on top.
 */
class KafkaTlsIT {

    private static final String STORE_PASSWORD = "changeit";

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("The Kafka TLS test needs openssl and keytool (Debian/Ubuntu: sudo apt-get install -y openssl "
                    + "and a JDK); '" + String.join(" ", command) + "' failed: " + out);
        }
    }

    private static byte[] random() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return b;
    }

    @Test
    void securedAgentsWorkOverSslWithClientCertificates(@TempDir Path dir) throws Exception {
        run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", dir.resolve("key.pem").toString(), "-out",
                dir.resolve("cert.pem").toString()));
        run(List.of("openssl", "pkcs12", "-export", "-in", dir.resolve("cert.pem").toString(), "-inkey", dir.resolve("key.pem").toString(),
                "-name", "kafka", "-out", dir.resolve("keys.p12").toString(), "-passout", "pass:" + STORE_PASSWORD));
        run(List.of("keytool", "-importcert", "-noprompt", "-alias", "ca", "-file", dir.resolve("cert.pem").toString(), "-keystore",
                dir.resolve("trust.p12").toString(), "-storetype", "PKCS12", "-storepass", STORE_PASSWORD));
        String keys = dir.resolve("keys.p12").toString();
        String trust = dir.resolve("trust.p12").toString();

        // The test kit's own listener stays PLAINTEXT (it only supports that); clients use a second, SSL-only one.
        int sslPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            sslPort = s.getLocalPort();
        }
        KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder().setCombined(true)
                .setNumBrokerNodes(1).setNumControllerNodes(1)
                .setPerServerProperties(Map.of(0, Map.of(
                        "listeners", "EXTERNAL://localhost:0,CONTROLLER://localhost:0,SECURE://localhost:" + sslPort,
                        "advertised.listeners", "EXTERNAL://localhost:0,SECURE://localhost:" + sslPort,
                        "listener.security.protocol.map", "EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT,SECURE:SSL")))
                .build());
        Map<String, String> props = Map.ofEntries(Map.entry("offsets.topic.replication.factor", "1"),
                Map.entry("offsets.topic.num.partitions", "4"), Map.entry("transaction.state.log.replication.factor", "1"),
                Map.entry("transaction.state.log.min.isr", "1"), Map.entry("group.initial.rebalance.delay.ms", "0"),
                Map.entry("group.min.session.timeout.ms", "500"), Map.entry("auto.create.topics.enable", "false"),
                Map.entry("ssl.keystore.location", keys), Map.entry("ssl.keystore.password", STORE_PASSWORD),
                Map.entry("ssl.key.password", STORE_PASSWORD), Map.entry("ssl.keystore.type", "PKCS12"),
                Map.entry("ssl.truststore.location", trust), Map.entry("ssl.truststore.password", STORE_PASSWORD),
                Map.entry("ssl.truststore.type", "PKCS12"), Map.entry("ssl.client.auth", "required"));
        props.forEach(builder::setConfigProp);
        try (KafkaClusterTestKit cluster = builder.build()) {
            cluster.format();
            cluster.startup();
            String run = UUID.randomUUID().toString().substring(0, 8);
            String uri = "kafka://localhost:" + sslPort + "?topicPrefix=tls-" + run + ".&capabilityPartitions=1&replyPartitions=1"
                    + "&sessionTimeoutMs=2000&revokeGraceMs=3000&lingerMs=1&truststore=" + trust + "&truststorePassword=" + STORE_PASSWORD
                    + "&keystore=" + keys + "&keystorePassword=" + STORE_PASSWORD;
            byte[] signing = random();
            byte[] payload = random();
            SecurityConfig orchestratorSide = SecurityConfig.builder(Principal.of("orchestrator"))
                    .signingKeys(KeyProviders.of("k1", Map.of("k1", signing))).payloadKeys(KeyProviders.of("p1", Map.of("p1", payload))).build();
            SecurityConfig agentSide = SecurityConfig.builder(Principal.of("agents"))
                    .signingKeys(KeyProviders.of("k1", Map.of("k1", signing))).payloadKeys(KeyProviders.of("p1", Map.of("p1", payload))).build();
            AgentDescriptor d = AgentDescriptor.builder("tls-agent-" + run).capability("tls-" + run).endpoint("kafka:tls-agent-" + run).build();

            try (Orchestrator orchestrator = Orchestrator.builder().transport(uri).security(orchestratorSide).build();
                 AgentRuntime agent = AgentRuntime.builder(d).transport(uri).security(agentSide)
                         .handler(task -> Payload.ofUtf8("over ssl: " + task.payload().asUtf8()))
                         .heartbeatInterval(Duration.ofMillis(500)).start()) {
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> orchestrator.agent(d.id()).isPresent());
                assertThat(orchestrator.dispatch(Task.of("tls-" + run, "hello")).get(60, TimeUnit.SECONDS).payload().asUtf8())
                        .isEqualTo("over ssl: hello");
                assertThat(orchestratorSide.stats().rejectedTotal()).isZero();
            }

            // The listener really is TLS with client certificates: neither plain TCP nor TLS without a certificate gets in.
            Map<String, Object> base = Map.of("bootstrap.servers", "localhost:" + sslPort, "request.timeout.ms", 2000,
                    "default.api.timeout.ms", 4000);
            Map<String, Object> noCertificate = new java.util.HashMap<>(base);
            noCertificate.putAll(Map.of("security.protocol", "SSL", "ssl.truststore.location", trust, "ssl.truststore.password",
                    STORE_PASSWORD, "ssl.truststore.type", "PKCS12"));
            for (Map<String, Object> config : List.of(base, noCertificate)) {
                try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(config)) {
                    org.assertj.core.api.Assertions.assertThatThrownBy(() -> admin.listTopics().names().get(30, TimeUnit.SECONDS))
                            .as("admin client with %s", config.keySet()).isInstanceOf(java.util.concurrent.ExecutionException.class);
                }
            }
        }
    }
}
