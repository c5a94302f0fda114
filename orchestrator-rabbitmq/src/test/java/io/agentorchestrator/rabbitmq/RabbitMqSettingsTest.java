package io.agentorchestrator.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.ValidationException;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RabbitMqSettingsTest {

    private static RabbitMqSettings parse(String uri) {
        return RabbitMqSettings.parse(URI.create(uri));
    }

    @Test
    void readsBrokerAddressCredentialsAndVirtualHost() {
        RabbitMqSettings s = parse("amqp://alice:s%40cret@rabbit.example:5673/orders");
        assertThat(s.tls()).isFalse();
        assertThat(s.host()).isEqualTo("rabbit.example");
        assertThat(s.port()).isEqualTo(5673);
        assertThat(s.username()).isEqualTo("alice");
        assertThat(s.password()).isEqualTo("s@cret");
        assertThat(s.virtualHost()).isEqualTo("orders");
        assertThat(s.address()).isEqualTo("amqp://alice@rabbit.example:5673/orders").doesNotContain("cret");
        assertThat(s.toString()).doesNotContain("cret");
    }

    @Test
    void defaultsToLocalGuestOnTheDefaultVirtualHost() {
        for (String uri : new String[] {"amqp:/", "amqp://127.0.0.1", "amqp://127.0.0.1/", "amqp://guest:guest@127.0.0.1:5672/"}) {
            RabbitMqSettings s = parse(uri);
            assertThat(s.host()).isEqualTo("127.0.0.1");
            assertThat(s.port()).isEqualTo(5672);
            assertThat(s.virtualHost()).as(uri).isEqualTo("/");
            assertThat(s.username()).isEqualTo("guest");
            assertThat(s.prefix()).isEqualTo("orchestrator");
            assertThat(s.confirmTimeout()).isEqualTo(RabbitMqSettings.DEFAULT_CONFIRM_TIMEOUT);
            assertThat(s.queueExpires()).isZero();
        }
        assertThat(parse("amqp://h/%2Fstaging").virtualHost()).isEqualTo("/staging");
    }

    @Test
    void amqpsMeansTlsOnPort5671() {
        RabbitMqSettings s = parse("amqps://u:p@secure.example/");
        assertThat(s.tls()).isTrue();
        assertThat(s.port()).isEqualTo(5671);
        assertThat(s.address()).startsWith("amqps://");
    }

    @Test
    void amqpsWithoutTruststoreUsesTheJvmDefault() {
        RabbitMqSettings s = parse("amqps://u:p@secure.example/");
        assertThat(s.truststore()).isNull();
        assertThat(s.truststorePassword()).isNull();
    }

    @Test
    void readsTruststoreAndHidesItsPassword() throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("trust", ".p12");
        try {
            RabbitMqSettings s = parse("amqps://u:p@secure.example/?truststore=" + file + "&truststorePassword=s3cr%40t");
            assertThat(s.truststore()).isEqualTo(file.toString());
            assertThat(s.truststorePassword()).isEqualTo("s3cr@t");
            assertThat(s.toString()).doesNotContain("s3cr");
        } finally {
            java.nio.file.Files.delete(file);
        }
    }

    @Test
    void truststoreNeedsTlsAFileAndComesBeforeItsPassword() {
        assertThatThrownBy(() -> parse("amqp://localhost/?truststore=/etc/hostname"))
                .isInstanceOf(ValidationException.class).hasMessage("truststore needs amqps:// (TLS), but was '/etc/hostname'");
        assertThatThrownBy(() -> parse("amqps://localhost/?truststore=/no/such/file.p12"))
                .isInstanceOf(ValidationException.class).hasMessage("truststore must be a readable trust store file, but was '/no/such/file.p12'");
        assertThatThrownBy(() -> parse("amqps://localhost/?truststorePassword=secret"))
                .isInstanceOf(ValidationException.class).hasMessageStartingWith("truststorePassword needs the truststore option")
                .hasMessageNotContaining("secret");
    }

    @Test
    void readsAClientKeystoreForMutualTlsAndHidesItsPassword() throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("client", ".p12");
        try {
            RabbitMqSettings s = parse("amqps://u:p@secure.example/?keystore=" + file + "&keystorePassword=k3y%40pw");
            assertThat(s.keystore()).isEqualTo(file.toString());
            assertThat(s.keystorePassword()).isEqualTo("k3y@pw");
            assertThat(s.toString()).doesNotContain("k3y");
            assertThatThrownBy(() -> parse("amqp://localhost/?keystore=" + file)).isInstanceOf(ValidationException.class)
                    .hasMessageStartingWith("keystore needs amqps:// (TLS)");
            assertThatThrownBy(() -> parse("amqps://localhost/?keystorePassword=secret")).isInstanceOf(ValidationException.class)
                    .hasMessageStartingWith("keystorePassword needs the keystore option").hasMessageNotContaining("secret");
        } finally {
            java.nio.file.Files.delete(file);
        }
    }

    @Test
    void readsOptionsWithUnits() {
        RabbitMqSettings s = parse("amqp://h/?prefix=orders&confirmTimeout=250ms&publishRetries=0&deliveryLimit=3&heartbeat=30s"
                + "&recoveryInterval=2s&recoveryTimeout=1m&queueExpires=1500&connectionName=orders-api");
        assertThat(s.prefix()).isEqualTo("orders");
        assertThat(s.confirmTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(s.publishRetries()).isZero();
        assertThat(s.deliveryLimit()).isEqualTo(3);
        assertThat(s.heartbeat()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.recoveryInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(s.recoveryTimeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(s.queueExpires()).isEqualTo(Duration.ofMillis(1500));
        assertThat(s.connectionName()).isEqualTo("orders-api");
        assertThat(s.tasksExchange()).isEqualTo("orders.tasks");
        assertThat(s.deadLetterExchange()).isEqualTo("orders.dead-letter");
        assertThat(s.directoryExchange()).isEqualTo("orders.directory");
    }

    @Test
    void taskPrioritiesFallIntoMaxPriorityPlusOneEqualBands() {
        int[] bands = new int[10];
        RabbitMqSettings byDefault = parse("amqp://h/");
        for (int p = 0; p <= 9; p++) {
            bands[p] = byDefault.messagePriority(p);
        }
        assertThat(bands).containsExactly(0, 0, 0, 0, 1, 1, 1, 2, 2, 2);
        RabbitMqSettings all = parse("amqp://h/?maxPriority=9");
        RabbitMqSettings two = parse("amqp://h/?maxPriority=1");
        RabbitMqSettings plain = parse("amqp://h/?maxPriority=0");
        for (int p = 0; p <= 9; p++) {
            assertThat(all.messagePriority(p)).isEqualTo(p);
            assertThat(two.messagePriority(p)).isEqualTo(p < 5 ? 0 : 1);
            assertThat(plain.messagePriority(p)).isZero();
        }
    }

    @Test
    void queuesOrderByThreeBandsOfTaskPriorityUnlessMaxPriorityIsSet() {
        assertThat(parse("amqp://h/").maxPriority()).isEqualTo(2);
        assertThat(parse("amqp://h/?maxPriority=9").maxPriority()).isEqualTo(9);
        assertThat(parse("amqp://h/?maxPriority=0").maxPriority()).isZero();
        assertThat(parse("amqp://h/?maxPriority=3").maxPriority()).isEqualTo(3);
        assertThatThrownBy(() -> parse("amqp://h/?maxPriority=10")).isInstanceOf(ValidationException.class)
                .hasMessage("maxPriority must be between 0 and 9, but was 10");
        assertThatThrownBy(() -> parse("amqp://h/?maxPriority=-1")).isInstanceOf(ValidationException.class)
                .hasMessage("maxPriority must be between 0 and 9, but was -1");
    }

    @Test
    void rejectsBadUrisNamingWhatIsWrong() {
        assertThatThrownBy(() -> parse("redis://h:6379")).isInstanceOf(ValidationException.class)
                .hasMessage("uri scheme must be amqp or amqps, but was 'redis'");
        assertThatThrownBy(() -> parse("amqp://h/?prefetch=5")).isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("uri option 'prefetch' is not known; known options: [");
        assertThatThrownBy(() -> parse("amqp://h/?deliveryLimit=0")).isInstanceOf(ValidationException.class)
                .hasMessage("deliveryLimit must be between 1 and 1000, but was 0");
        assertThatThrownBy(() -> parse("amqp://h/?confirmTimeout=soon")).isInstanceOf(ValidationException.class)
                .hasMessage("confirmTimeout must be a duration such as 1500, 250ms, 5s or 2m, but was 'soon'");
        assertThatThrownBy(() -> parse("amqp://h/?confirmTimeout=0")).isInstanceOf(ValidationException.class)
                .hasMessage("confirmTimeout must be > 0, but was '0'");
        assertThatThrownBy(() -> parse("amqp://h/?prefix=has%20space")).isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("prefix must be 1-64 letters");
        assertThatThrownBy(() -> parse("amqp://h/a/b")).isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("uri virtual host must be one path segment");
        assertThatThrownBy(() -> parse("amqp://h:99999/")).isInstanceOf(ValidationException.class)
                .hasMessageContaining("uri");
    }
}
