package io.agentorchestrator.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The orchestrator side's reply reader: one thread that reads this instance's partition of the
 * shared reply topic (assigned, no consumer group, so there is no join to wait for) and completes
 * the waiting sends. Replies for other instances that share the partition are skipped by their
 * {@code x-orchestrator-instance} header.
 */
final class ReplyReader {

    private static final Logger log = LoggerFactory.getLogger(ReplyReader.class);

    /** Completes with the reply partition once the reader is positioned, so no reply can be missed. */
    final CompletableFuture<Integer> ready = new CompletableFuture<>();

    private final KafkaTransport transport;
    private final KafkaTransportConfig config;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Consumer<byte[], byte[]> consumer;

    ReplyReader(KafkaTransport transport) {
        this.transport = transport;
        this.config = transport.config();
        this.thread = new Thread(this::run, "ao-kafka-replies-" + config.instance());
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    void close() {
        running = false;
        Consumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        } else {
            thread.interrupt(); // still setting up (waiting for the broker): stop waiting
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        Consumer<byte[], byte[]> c = null;
        try {
            String topic = config.replyTopic();
            transport.topics().ensureNow(topic, config.replyPartitions(),
                    Map.of("retention.ms", Long.toString(config.replyRetention().toMillis())), 30_000);
            int partitions = transport.topics().partitions(topic, 30_000);
            int partition = KafkaTransport.replyPartitionOf(config.instance(), partitions);
            c = transport.newReader("replies");
            consumer = c;
            if (!running) {
                return;
            }
            TopicPartition tp = new TopicPartition(topic, partition);
            c.assign(List.of(tp));
            c.seekToEnd(List.of(tp));
            c.position(tp, Duration.ofSeconds(30));
            ready.complete(partition);
            log.debug("Orchestrator instance {} reads replies from {}", config.instance(), tp);
            byte[] me = config.instance().getBytes(StandardCharsets.UTF_8);
            while (running) {
                Iterable<ConsumerRecord<byte[], byte[]>> records;
                try {
                    records = c.poll(Duration.ofMillis(500));
                } catch (WakeupException e) {
                    throw e;
                } catch (org.apache.kafka.common.KafkaException e) {
                    // The reader must outlive broker trouble: waiting sends depend on it.
                    log.warn("Reply reader of instance {} failed to poll, continuing: {}", config.instance(), e.toString());
                    continue;
                }
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    Header instance = r.headers().lastHeader(KafkaTransport.HEADER_INSTANCE);
                    if (instance != null && !java.util.Arrays.equals(instance.value(), me)) {
                        continue;
                    }
                    try {
                        transport.onReply(WireFormat.decodeResult(r.value()));
                    } catch (WireFormat.MalformedRecordException e) {
                        transport.deadLetter(r, e.getMessage(), () -> { });
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            if (running) {
                log.warn("Reply reader of instance {} stopped: {}", config.instance(), e.toString());
            }
            ready.completeExceptionally(KafkaTransport.asTransportException(config.bootstrapServers(),
                    "Could not read replies from " + config.replyTopic(), e));
        } finally {
            ready.completeExceptionally(new io.agentorchestrator.api.TransportException(KafkaTransport.SCHEME, config.bootstrapServers(),
                    "Kafka transport closed", false, null));
            if (c != null) {
                try {
                    c.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(2)));
                } catch (RuntimeException e) {
                    log.debug("Closing the reply consumer failed", e);
                }
            }
        }
    }
}
