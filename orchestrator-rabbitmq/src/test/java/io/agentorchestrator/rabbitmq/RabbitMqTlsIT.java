package io.agentorchestrator.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.TransportException;
import io.agentorchestrator.core.AgentRuntime;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.kit.TestSecurity;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code amqps://} against a private RabbitMQ node that only listens for TLS, with a certificate
 * signed by a CA made at test time: trusted through the {@code truststore} option a task goes
 * round trip; with the JVM's default trust store the connection is refused with a typed error.
 */
class RabbitMqTlsIT {

    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static PrivateTlsRabbitMq broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = PrivateTlsRabbitMq.start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    private static String uri(String prefix, String options) {
        return "amqps://guest:guest@localhost:" + broker.port() + "/?prefix=" + prefix + "&connectionTimeout=5s" + options;
    }

    @Test
    void orchestratorAndAgentCompleteATaskOverTlsWithTheConfiguredTrustStore() throws Exception {
        String prefix = "tls-" + UUID.randomUUID().toString().substring(0, 8);
        String uri = uri(prefix, "&truststore=" + broker.truststore() + "&truststorePassword=" + PrivateTlsRabbitMq.TRUSTSTORE_PASSWORD);
        AgentDescriptor agent = AgentDescriptor.builder("secure-1").capability("secure-echo").endpoint("amqp:secure-1").maxConcurrency(2).build();
        AgentRuntime runtime = AgentRuntime.builder(agent).transport(uri).security(TestSecurity.OFF)
                .handler(task -> Payload.ofUtf8("tls:" + task.payload().asUtf8())).drainTimeout(Duration.ofSeconds(5)).start();
        try (Orchestrator orchestrator = Orchestrator.builder().transport(uri).security(TestSecurity.OFF).defaultTimeout(PATIENCE).build()) {
            orchestrator.register(agent);
            String reply = orchestrator.dispatch(Task.of("secure-echo", "hello")).get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)
                    .payload().asUtf8();
            assertThat(reply).isEqualTo("tls:hello");
        } finally {
            runtime.close(Duration.ZERO);
        }
    }

    @Test
    void aClientCertificateFromTheKeystoreIsPresentedAndSecuredAgentsWorkOverIt() throws Exception {
        String prefix = "tls-" + UUID.randomUUID().toString().substring(0, 8);
        String uri = uri(prefix, "&truststore=" + broker.truststore() + "&truststorePassword=" + PrivateTlsRabbitMq.TRUSTSTORE_PASSWORD
                + "&keystore=" + broker.keystore() + "&keystorePassword=" + PrivateTlsRabbitMq.TRUSTSTORE_PASSWORD
                + "&connectionName=" + prefix);
        byte[] signing = new byte[32];
        new java.security.SecureRandom().nextBytes(signing);
        java.util.Map<String, byte[]> keys = java.util.Map.of("k1", signing);
        var orchestratorSide = io.agentorchestrator.core.security.SecurityConfig.builder(
                io.agentorchestrator.api.security.Principal.of("orchestrator"))
                .signingKeys(io.agentorchestrator.core.security.KeyProviders.of("k1", keys)).build();
        var agentSide = io.agentorchestrator.core.security.SecurityConfig.builder(io.agentorchestrator.api.security.Principal.of("agents"))
                .signingKeys(io.agentorchestrator.core.security.KeyProviders.of("k1", keys)).build();
        AgentDescriptor agent = AgentDescriptor.builder("mtls-1").capability("mtls-echo").endpoint("amqp:mtls-1").build();
        AgentRuntime runtime = AgentRuntime.builder(agent).transport(uri).security(agentSide)
                .handler(task -> Payload.ofUtf8("mtls:" + task.payload().asUtf8())).drainTimeout(Duration.ofSeconds(5)).start();
        try (Orchestrator orchestrator = Orchestrator.builder().transport(uri).security(orchestratorSide).defaultTimeout(PATIENCE).build()) {
            orchestrator.register(agent);
            assertThat(orchestrator.dispatch(Task.of("mtls-echo", "hello")).get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)
                    .payload().asUtf8()).isEqualTo("mtls:hello");
            assertThat(broker.connectionPeerSubjects()).contains("CN=" + PrivateTlsRabbitMq.CLIENT_CN);
            assertThat(orchestratorSide.stats().rejectedTotal()).isZero();
        } finally {
            runtime.close(Duration.ZERO);
        }
    }

    @Test
    void theJvmDefaultTrustStoreRejectsTheTestCaWithATypedError() {
        String prefix = "tls-" + UUID.randomUUID().toString().substring(0, 8);
        RabbitMqTransport transport = (RabbitMqTransport) new RabbitMqTransportProvider().create(URI.create(uri(prefix, "")));
        try {
            assertThatThrownBy(() -> transport.send(someAgent(), someEnvelope()).get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(TransportException.class)
                    .hasMessageContaining("TLS handshake with RabbitMQ at amqps://guest@localhost:" + broker.port() + "/ failed")
                    .hasMessageContaining("set the truststore option")
                    .hasMessageNotContaining("guest:guest")
                    .hasRootCauseInstanceOf(GeneralSecurityException.class)
                    .satisfies(e -> {
                        assertThat(((TransportException) e).retryable()).as("an untrusted certificate stays untrusted").isFalse();
                        assertThat(e.getCause()).isInstanceOf(SSLException.class);
                    });
        } finally {
            transport.close();
        }
    }

    @Test
    void hostNameVerificationRejectsACertificateThatDoesNotNameTheHost() {
        // 127.0.0.2 reaches the same listener, but the certificate names only localhost and 127.0.0.1.
        String uri = "amqps://guest:guest@127.0.0.2:" + broker.port() + "/?connectionTimeout=5s&truststore=" + broker.truststore()
                + "&truststorePassword=" + PrivateTlsRabbitMq.TRUSTSTORE_PASSWORD;
        RabbitMqTransport transport = (RabbitMqTransport) new RabbitMqTransportProvider().create(URI.create(uri));
        try {
            assertThatThrownBy(() -> transport.send(someAgent(), someEnvelope()).get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                    .cause().isInstanceOf(TransportException.class)
                    .hasMessageContaining("TLS handshake with RabbitMQ at amqps://guest@127.0.0.2:" + broker.port() + "/ failed")
                    .hasMessageContaining("name host '127.0.0.2'");
        } finally {
            transport.close();
        }
    }

    @Test
    void aWrongTrustStorePasswordFailsWithATypedErrorNamingTheOption() {
        String uri = uri("tls-bad", "&truststore=" + broker.truststore() + "&truststorePassword=wrong");
        RabbitMqTransport transport = (RabbitMqTransport) new RabbitMqTransportProvider().create(URI.create(uri));
        try {
            assertThatThrownBy(() -> transport.send(someAgent(), someEnvelope()).get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                    .cause().isInstanceOf(TransportException.class)
                    .hasMessageContaining("Cannot load the PKCS12 trust store '" + broker.truststore() + "' (truststore option)")
                    .hasMessageNotContaining("wrong");
        } finally {
            transport.close();
        }
    }

    private static AgentDescriptor someAgent() {
        return AgentDescriptor.builder("nobody").capability("secure-echo").endpoint("amqp:nobody").build();
    }

    private static TaskEnvelope someEnvelope() {
        return new TaskEnvelope(TaskEnvelope.WIRE_VERSION, "t-1", "secure-echo", Payload.ofUtf8("x"), 0,
                System.currentTimeMillis() + PATIENCE.toMillis(), null, Map.of(), 1, null);
    }
}
