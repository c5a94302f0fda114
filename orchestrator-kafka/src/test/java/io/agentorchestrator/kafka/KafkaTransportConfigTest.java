package io.agentorchestrator.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.TransportProvider;
import io.agentorchestrator.api.ValidationException;
import java.net.URI;
import java.time.Duration;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class KafkaTransportConfigTest {

    @Test
    void readsBrokersAndOptionsFromTheUri() {
        KafkaTransportConfig c = KafkaTransportConfig.fromUri(URI.create(
                "kafka://b1:9092,b2:9093?instance=api-1&topicPrefix=shop.&capabilityPartitions=24&lingerMs=0&sessionTimeoutMs=6000"
                        + "&keyOrdering=false&kafka.client.rack=eu-1a"));
        assertThat(c.bootstrapServers()).isEqualTo("b1:9092,b2:9093");
        assertThat(c.instance()).isEqualTo("api-1");
        assertThat(c.topicPrefix()).isEqualTo("shop.");
        assertThat(c.capabilityPartitions()).isEqualTo(24);
        assertThat(c.lingerMs()).isZero();
        assertThat(c.sessionTimeout()).isEqualTo(Duration.ofSeconds(6));
        assertThat(c.keyOrdering()).isFalse();
        assertThat(c.clientProperties()).containsEntry("client.rack", "eu-1a");
        assertThat(c.inboxTopic("planner-1")).isEqualTo("shop.agent.planner-1");
        assertThat(c.capabilityTopic("route/plan:v2")).isEqualTo("shop.capability.route_2fplan_3av2");
        assertThat(c.replyTopic()).isEqualTo("shop.replies");
        assertThat(c.registryTopic()).isEqualTo("shop.agents");
        assertThat(c.deadLetterTopic()).isEqualTo("shop.dead-letter");
    }

    @Test
    void defaultsArePinned() {
        KafkaTransportConfig c = KafkaTransportConfig.fromUri(URI.create("kafka://localhost:9092"));
        assertThat(c.lingerMs()).isEqualTo(KafkaTransportConfig.DEFAULT_LINGER_MS);
        assertThat(c.replyLingerMs()).isZero();
        assertThat(c.topicPrefix()).isEqualTo("ao.");
        assertThat(c.instance()).startsWith("orch-");
        assertThat(c.keyOrdering()).isTrue();
        assertThat(c.createTopics()).isTrue();
        assertThat(c.joinCapabilityTopics()).isFalse();
        assertThat(KafkaTransportConfig.fromUri(URI.create("kafka://localhost:9092?joinCapabilityTopics=true")).joinCapabilityTopics())
                .isTrue();
        assertThatThrownBy(() -> KafkaTransportConfig.fromUri(URI.create("kafka://localhost:9092?joinCapabilityTopics=yes")))
                .isInstanceOf(ValidationException.class).hasMessage("joinCapabilityTopics must be true or false, but was 'yes'");
    }

    @Test
    void replyLingerIsItsOwnOptionAndValidated() {
        KafkaTransportConfig c = KafkaTransportConfig.fromUri(URI.create("kafka://localhost:9092?lingerMs=7&replyLingerMs=2"));
        assertThat(c.lingerMs()).isEqualTo(7);
        assertThat(c.replyLingerMs()).isEqualTo(2);
        assertThatThrownBy(() -> KafkaTransportConfig.builder("localhost:9092").replyLingerMs(-1))
                .isInstanceOf(ValidationException.class).hasMessageContaining("replyLingerMs");
        assertThatThrownBy(() -> KafkaTransportConfig.fromUri(URI.create("kafka://localhost:9092?replyLingerMs=soon")))
                .isInstanceOf(ValidationException.class).hasMessage("replyLingerMs must be an integer, but was 'soon'");
    }

    @Test
    void userInfoBecomesSaslCredentialsAndSecurityPassesThrough() {
        KafkaTransportConfig c = KafkaTransportConfig.fromUri(URI.create(
                "kafka://alice:s%40cret@broker:9094?saslMechanism=SCRAM-SHA-512&kafka.security.protocol=SASL_SSL"
                        + "&kafka.ssl.truststore.location=/etc/kafka/truststore.jks"));
        assertThat(c.clientProperties())
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("ssl.truststore.location", "/etc/kafka/truststore.jks")
                .containsEntry("sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"alice\" password=\"s@cret\";");
        assertThat(c.toString()).doesNotContain("s@cret");
        assertThat(KafkaTransportConfig.fromUri(URI.create("kafka://bob:pw@broker:9092")).clientProperties())
                .containsEntry("sasl.mechanism", "PLAIN").containsEntry("security.protocol", "SASL_PLAINTEXT");
    }

    @Test
    void rejectsBadUrisNamingTheFieldAndValue() {
        assertThatThrownBy(() -> KafkaTransportConfig.fromUri(URI.create("kafka:planner-1")))
                .isInstanceOf(ValidationException.class).hasMessageStartingWith("uri must name the brokers");
        assertThatThrownBy(() -> KafkaTransportConfig.fromUri(URI.create("redis://localhost:6379")))
                .isInstanceOf(ValidationException.class).hasMessageContaining("must use the scheme 'kafka'");
        assertThatThrownBy(() -> KafkaTransportConfig.fromUri(URI.create("kafka://localhost")))
                .isInstanceOf(ValidationException.class).hasMessage("bootstrapServers must be host:port[,host:port...], but was 'localhost'");
        assertThatThrownBy(() -> KafkaTransportConfig.fromUri(URI.create("kafka://localhost:9092?capabilityPartitions=0")))
                .isInstanceOf(ValidationException.class).hasMessage("capabilityPartitions must be between 1 and 10000, but was 0");
        assertThatThrownBy(() -> KafkaTransportConfig.fromUri(URI.create("kafka://localhost:9092?lingerMs=soon")))
                .isInstanceOf(ValidationException.class).hasMessage("lingerMs must be an integer, but was 'soon'");
        assertThatThrownBy(() -> KafkaTransportConfig.fromUri(URI.create("kafka://localhost:9092?partitions=3")))
                .isInstanceOf(ValidationException.class).hasMessageStartingWith("uri option must be one of").hasMessageEndingWith("'partitions'");
        assertThatThrownBy(() -> KafkaTransportConfig.fromUri(URI.create("kafka://localhost:9092?instance=a%20b")))
                .isInstanceOf(ValidationException.class).hasMessageStartingWith("instance must be 1-100 characters");
    }

    @Test
    void providerIsFoundByServiceLoaderAndCreatesWithoutConnecting() {
        TransportProvider found = null;
        for (TransportProvider p : ServiceLoader.load(TransportProvider.class)) {
            if (p.schemes().contains("kafka")) {
                found = p;
            }
        }
        assertThat(found).isInstanceOf(KafkaTransportProvider.class);
        assertThat(found.isAvailable()).isTrue();
        // Nothing listens on this port: creating and closing must still succeed, with no thread left behind.
        int before = Thread.activeCount();
        try (Transport t = found.create(URI.create("kafka://127.0.0.1:1"))) {
            assertThat(t.scheme()).isEqualTo("kafka");
            assertThat(t.directory()).isPresent();
        }
        assertThat(Thread.activeCount()).isLessThanOrEqualTo(before);
    }

    @Test
    void agentEndpointsNameAnInboxOrACapabilityTopic() {
        KafkaTransport t = KafkaTransport.create(KafkaTransportConfig.builder("h:9092").topicPrefix("p.").build());
        KafkaTransport.Target inbox = t.target(URI.create("kafka:planner-1"));
        assertThat(inbox.topic()).isEqualTo("p.agent.planner-1");
        assertThat(inbox.shared()).isFalse();
        KafkaTransport.Target shared = t.target(URI.create("kafka:capability/route-planning"));
        assertThat(shared.topic()).isEqualTo("p.capability.route-planning");
        assertThat(shared.group()).isEqualTo("p.capability.route-planning");
        assertThat(shared.shared()).isTrue();
        assertThatThrownBy(() -> t.target(URI.create("kafka:capability/")))
                .isInstanceOf(ValidationException.class).hasMessageStartingWith("endpoint capability");
        assertThatThrownBy(() -> t.target(URI.create("kafka:bad%20id")))
                .isInstanceOf(ValidationException.class).hasMessageStartingWith("endpoint agent id");
        t.close();
    }

    @Test
    void escapingKeepsDistinctNamesDistinct() {
        assertThat(Topics.escape("a_b")).isEqualTo("a_5fb");
        assertThat(Topics.escape("a/b")).isEqualTo("a_2fb");
        assertThat(Topics.escape("a:b")).isEqualTo("a_3ab");
        assertThat(Topics.escape("plain-name.v2")).isEqualTo("plain-name.v2");
    }

    @Test
    void tlsOptionsSetPkcs12StoresAndSslOrSaslSslWithoutShowingPasswords() throws Exception {
        java.nio.file.Path trust = java.nio.file.Files.createTempFile("trust", ".p12");
        java.nio.file.Path keys = java.nio.file.Files.createTempFile("client", ".p12");
        try {
            KafkaTransportConfig ssl = KafkaTransportConfig.fromUri(URI.create("kafka://b1:9093?truststore=" + trust
                    + "&truststorePassword=tr%40st&keystore=" + keys + "&keystorePassword=k3y"));
            assertThat(ssl.clientProperties()).containsEntry("security.protocol", "SSL")
                    .containsEntry("ssl.truststore.location", trust.toString()).containsEntry("ssl.truststore.type", "PKCS12")
                    .containsEntry("ssl.truststore.password", "tr@st").containsEntry("ssl.keystore.location", keys.toString())
                    .containsEntry("ssl.keystore.password", "k3y").containsEntry("ssl.key.password", "k3y");
            assertThat(ssl.toString()).doesNotContain("tr@st").doesNotContain("k3y");

            KafkaTransportConfig saslSsl = KafkaTransportConfig.fromUri(URI.create("kafka://app:s3cret@b1:9093?truststore=" + trust
                    + "&saslMechanism=SCRAM-SHA-512"));
            assertThat(saslSsl.clientProperties()).containsEntry("security.protocol", "SASL_SSL")
                    .containsEntry("sasl.mechanism", "SCRAM-SHA-512");
            assertThat(saslSsl.toString()).doesNotContain("s3cret");

            KafkaTransportConfig explicit = KafkaTransportConfig.fromUri(URI.create("kafka://b1:9093?truststore=" + trust
                    + "&securityProtocol=SASL_SSL"));
            assertThat(explicit.clientProperties()).containsEntry("security.protocol", "SASL_SSL");
            assertThatThrownBy(() -> KafkaTransportConfig.fromUri(URI.create("kafka://b1:9093?truststore=/no/such.p12")))
                    .isInstanceOf(ValidationException.class).hasMessage("truststore must be a readable PKCS12 file, but was '/no/such.p12'");
        } finally {
            java.nio.file.Files.delete(trust);
            java.nio.file.Files.delete(keys);
        }
    }
}
