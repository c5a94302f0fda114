package io.agentorchestrator.examples.bench;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code bench kafka}: the {@code kafka:} transport against a hand-written request/reply with
 * kafka-clients: tasks produced ({@code acks=all}, idempotent) to a task topic and consumed by a
 * worker group that produces the echo to a reply topic and commits after its replies are
 * acknowledged; the caller consumes the reply topic and commits. Both sides use the same
 * {@code linger.ms} ({@value #LINGER_MS}). Without {@code --bootstrap} a broker is started in
 * this JVM.
 */
final class KafkaBench extends BrokerBench {

    /** {@code linger.ms} of every producer on both sides. */
    static final int LINGER_MS = 1;

    private String bootstrap;

    @Override
    String name() {
        return "kafka";
    }

    @Override
    AutoCloseable prepare(BenchOptions options, PrintStream progress) throws Exception {
        if (options.bootstrap() != null) {
            bootstrap = options.bootstrap();
            return () -> { };
        }
        progress.println("bench kafka: starting an embedded single-node KRaft broker");
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        bootstrap = broker.bootstrapServers();
        return broker;
    }

    @Override
    String transportUri(BenchOptions options, String run) {
        return "kafka://" + bootstrap + "?topicPrefix=" + run + ".&instance=" + run + "&capabilityPartitions=1&replyPartitions=1"
                + "&lingerMs=" + LINGER_MS + "&sessionTimeoutMs=6000";
    }

    @Override
    String endpoint(String agentId) {
        return "kafka:" + agentId;
    }

    @Override
    RawRequestReply raw(BenchOptions options, String run) throws Exception {
        return new Raw(bootstrap, run);
    }

    /** The hand-written contender: one producer and one consumer per side, as the client's docs show them. */
    static final class Raw implements RawRequestReply {
        private final String tasks;
        private final String replies;
        private final KafkaProducer<byte[], byte[]> callerProducer;
        private final KafkaProducer<byte[], byte[]> workerProducer;
        private final KafkaConsumer<byte[], byte[]> callerConsumer;
        private final KafkaConsumer<byte[], byte[]> workerConsumer;
        private final Map<String, CompletableFuture<byte[]>> waiting = new ConcurrentHashMap<>();
        private final AtomicLong ids = new AtomicLong();
        private volatile boolean open = true;
        private final Thread replyReader;
        private final Thread worker;

        Raw(String bootstrap, String run) throws Exception {
            tasks = run + ".raw.tasks";
            replies = run + ".raw.replies";
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic(tasks, 1, (short) 1), new NewTopic(replies, 1, (short) 1))).all()
                        .get(30, TimeUnit.SECONDS);
            }
            callerProducer = producer(bootstrap);
            workerProducer = producer(bootstrap);
            callerConsumer = consumer(bootstrap, run + ".raw.caller");
            workerConsumer = consumer(bootstrap, run + ".raw.worker");
            callerConsumer.subscribe(List.of(replies));
            workerConsumer.subscribe(List.of(tasks));
            // Both groups must own their partition before the first request, or early replies are skipped by "latest".
            awaitAssignment(callerConsumer);
            awaitAssignment(workerConsumer);
            replyReader = RawRequestReply.daemon("raw-kafka-replies", this::readReplies);
            worker = RawRequestReply.daemon("raw-kafka-worker", this::work);
        }

        private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
            Map<String, Object> p = new HashMap<>();
            p.put("bootstrap.servers", bootstrap);
            p.put("acks", "all");
            p.put("enable.idempotence", true);
            p.put("linger.ms", LINGER_MS);
            p.put("key.serializer", ByteArraySerializer.class);
            p.put("value.serializer", ByteArraySerializer.class);
            return new KafkaProducer<>(p);
        }

        private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, String group) {
            Map<String, Object> c = new HashMap<>();
            c.put("bootstrap.servers", bootstrap);
            c.put("group.id", group);
            c.put("enable.auto.commit", false);
            c.put("auto.offset.reset", "earliest");
            c.put("key.deserializer", ByteArrayDeserializer.class);
            c.put("value.deserializer", ByteArrayDeserializer.class);
            return new KafkaConsumer<>(c);
        }

        private static void awaitAssignment(KafkaConsumer<byte[], byte[]> consumer) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (consumer.assignment().isEmpty()) {
                consumer.poll(Duration.ofMillis(50));
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the raw consumer got no partition within 30 s");
                }
            }
        }

        @Override
        public CompletableFuture<byte[]> call(byte[] body) {
            String id = Long.toString(ids.incrementAndGet());
            CompletableFuture<byte[]> reply = new CompletableFuture<>();
            waiting.put(id, reply);
            callerProducer.send(new ProducerRecord<>(tasks, id.getBytes(StandardCharsets.UTF_8), body), (metadata, e) -> {
                if (e != null && waiting.remove(id, reply)) {
                    reply.completeExceptionally(e);
                }
            });
            return reply;
        }

        private void readReplies() {
            try {
                while (open) {
                    ConsumerRecords<byte[], byte[]> records = callerConsumer.poll(Duration.ofMillis(100));
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        CompletableFuture<byte[]> reply = waiting.remove(new String(r.key(), StandardCharsets.UTF_8));
                        if (reply != null) {
                            reply.complete(r.value());
                        }
                    }
                    if (!records.isEmpty()) {
                        callerConsumer.commitAsync();
                    }
                }
            } catch (WakeupException e) {
                // closing
            } finally {
                callerConsumer.close(Duration.ofSeconds(2));
            }
        }

        private void work() {
            try {
                while (open) {
                    ConsumerRecords<byte[], byte[]> records = workerConsumer.poll(Duration.ofMillis(100));
                    if (records.isEmpty()) {
                        continue;
                    }
                    List<Future<RecordMetadata>> sent = new ArrayList<>(records.count());
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        sent.add(workerProducer.send(new ProducerRecord<>(replies, r.key(), r.value())));
                    }
                    // At least once: the offsets move only after the replies are acknowledged.
                    workerProducer.flush();
                    for (Future<RecordMetadata> f : sent) {
                        f.get();
                    }
                    workerConsumer.commitSync();
                }
            } catch (WakeupException e) {
                // closing
            } catch (InterruptedException | ExecutionException e) {
                waiting.values().forEach(f -> f.completeExceptionally(e));
            } finally {
                workerConsumer.close(Duration.ofSeconds(2));
            }
        }

        @Override
        public void close() throws InterruptedException {
            open = false;
            callerConsumer.wakeup();
            workerConsumer.wakeup();
            replyReader.join(5_000);
            worker.join(5_000);
            callerProducer.close(Duration.ofSeconds(2));
            workerProducer.close(Duration.ofSeconds(2));
        }
    }
}
