package io.agentorchestrator.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskFailedException;
import io.agentorchestrator.api.TaskResult;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.kit.SecurityCompatibilityKit;
import io.agentorchestrator.core.security.SecurityConfig;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The security kit against a real KRaft broker, and what Kafka itself holds of a secured task:
 * the record, read by a plain consumer, carries ciphertext only, and a record with one bit
 * flipped is refused by the agent.
 */
class KafkaSecurityIT extends SecurityCompatibilityKit {

    private static final String PREFIX = EmbeddedKafka.uniquePrefix("sec");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    protected Transport newTransport() {
        return new KafkaTransportProvider().create(URI.create(EmbeddedKafka.shared().uri(PREFIX, "")));
    }

    @Override
    protected String endpoint(String agentId) {
        return "kafka:" + agentId;
    }

    @Test
    void theRecordHoldsOnlyCiphertextAndAFlippedBitIsNeverHandled() throws Exception {
        Orchestrator orchestrator = orchestrator(orchestratorSecurity);
        String capability = "sec-raw-" + UUID.randomUUID().toString().substring(0, 8);
        AgentDescriptor d = agent("raw", capability);
        orchestrator.register(d);
        String secret = "route via the secret depot " + UUID.randomUUID();
        CompletableFuture<TaskResult> result = orchestrator.dispatch(Task.of(capability, secret));

        String topic = PREFIX + "agent." + d.id();
        String servers = EmbeddedKafka.shared().bootstrapServers();
        ConsumerRecord<byte[], byte[]> record;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", servers,
                "enable.auto.commit", false), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            Awaitility.await().atMost(PATIENCE).until(() -> {
                consumer.partitionsFor(topic, Duration.ofSeconds(5)).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
                return !partitions.isEmpty();
            });
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<ConsumerRecord<byte[], byte[]>> seen = new ArrayList<>();
            Awaitility.await().atMost(PATIENCE).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
                return !seen.isEmpty();
            });
            record = seen.get(0);
        }
        StringBuilder raw = new StringBuilder(new String(record.value(), StandardCharsets.ISO_8859_1));
        record.headers().forEach(h -> raw.append(h.key()).append('=').append(new String(h.value(), StandardCharsets.ISO_8859_1)));
        assertThat(raw.toString()).doesNotContain(secret)
                .doesNotContain(Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8)));
        ObjectNode task = (ObjectNode) JSON.readTree(record.value());
        byte[] stored = Base64.getDecoder().decode(task.get("payload").asText());
        assertThat(stored).hasSize(secret.getBytes(StandardCharsets.UTF_8).length + 16);

        stored[stored.length / 2] ^= 1;
        task.put("payload", Base64.getEncoder().encodeToString(stored));
        TopicPartition tp = new TopicPartition(topic, record.partition());
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", servers));
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", servers),
                     new ByteArraySerializer(), new ByteArraySerializer())) {
            // The genuine record goes, so the agent only ever sees the altered copy.
            admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(record.offset() + 1))).all().get(30, TimeUnit.SECONDS);
            producer.send(new ProducerRecord<>(topic, record.partition(), record.key(), JSON.writeValueAsBytes(task), record.headers()))
                    .get(30, TimeUnit.SECONDS);
        }
        AtomicInteger handled = new AtomicInteger();
        SecurityConfig agentSide = honestAgent();
        startAgent(d, agentSide, t -> {
            handled.incrementAndGet();
            return Payload.ofUtf8("handled");
        }, false);

        assertThatThrownBy(() -> await(result)).isInstanceOf(TaskFailedException.class).hasMessageContaining("refused task");
        assertThat(handled.get()).isZero();
        assertThat(agentSide.stats().rejectedTotal()).isEqualTo(1);
    }
}
