package io.agentorchestrator.kafka;

import io.agentorchestrator.api.Transport;
import io.agentorchestrator.core.kit.SecurityCompatibilityKit;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
        String servers = EmbeddedKafka.shared().bootstrapServers();
        assertBrokerHoldsOnlyCiphertextAndAFlippedBitIsNeverHandled(agent -> {
            String topic = PREFIX + "agent." + agent.id();
            List<ConsumerRecord<byte[], byte[]>> seen = new ArrayList<>();
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", servers,
                    "enable.auto.commit", false), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                List<TopicPartition> partitions = new ArrayList<>();
                Awaitility.await().atMost(PATIENCE).until(() -> {
                    consumer.partitionsFor(topic, Duration.ofSeconds(5)).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
                    return !partitions.isEmpty();
                });
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                Awaitility.await().atMost(PATIENCE).until(() -> {
                    consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
                    return !seen.isEmpty();
                });
            }
            ConsumerRecord<byte[], byte[]> record = seen.get(0);
            return new StoredTask() {
                @Override
                public String raw() {
                    StringBuilder raw = new StringBuilder(new String(record.value(), StandardCharsets.ISO_8859_1));
                    record.headers().forEach(h -> raw.append(h.key()).append('=').append(new String(h.value(), StandardCharsets.ISO_8859_1)));
                    return raw.toString();
                }

                @Override
                public byte[] json() {
                    return record.value();
                }

                @Override
                public void putBack(byte[] json) throws Exception {
                    TopicPartition tp = new TopicPartition(topic, record.partition());
                    try (Admin admin = Admin.create(Map.of("bootstrap.servers", servers));
                         KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", servers),
                                 new ByteArraySerializer(), new ByteArraySerializer())) {
                        // The genuine record goes, so the agent only ever sees the altered copy.
                        admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(record.offset() + 1))).all().get(30, TimeUnit.SECONDS);
                        producer.send(new ProducerRecord<>(topic, record.partition(), record.key(), json, record.headers()))
                                .get(30, TimeUnit.SECONDS);
                    }
                }
            };
        });
    }
}
