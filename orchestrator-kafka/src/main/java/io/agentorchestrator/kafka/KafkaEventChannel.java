package io.agentorchestrator.kafka;

import io.agentorchestrator.api.EventChannel;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.ValidationException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Event channels on Kafka: one single-partition topic per channel,
 * {@code <topicPrefix>events.<channel>}, kept for an hour, so that order is the publisher's. A
 * publish is a send through the transport's producer that nothing waits for; a watch is a
 * reader thread with no consumer group that starts at the end of the topic and follows it.
 */
final class KafkaEventChannel implements EventChannel {

    private static final Logger log = LoggerFactory.getLogger(KafkaEventChannel.class);
    private static final Map<String, String> TOPIC_CONFIG = Map.of("retention.ms", "3600000", "segment.ms", "3600000");

    private final KafkaTransport transport;
    private final AtomicBoolean warnedSend = new AtomicBoolean();

    KafkaEventChannel(KafkaTransport transport) {
        this.transport = transport;
    }

    private String topic(String channel) {
        return transport.config().topicPrefix() + "events." + Topics.escape(channel);
    }

    private void ensure(String topic) {
        transport.topics().ensureNow(topic, 1, TOPIC_CONFIG, transport.config().deliveryTimeout().toMillis());
    }

    @Override
    public void publish(String channel, byte[] message) {
        EventChannel.requireName(channel, "channel");
        ValidationException.requireNonNull(message, "message");
        String topic = topic(channel);
        ensure(topic);
        try {
            transport.producer().send(new ProducerRecord<>(topic, message), (md, e) -> {
                if (e == null) {
                    warnedSend.set(false);
                } else if (warnedSend.compareAndSet(false, true)) {
                    log.warn("Mirrored events to {} are being lost: {}", topic, e.toString());
                }
            });
        } catch (KafkaException e) {
            throw KafkaTransport.asTransportException(topic, "Could not publish on event channel '" + channel + "'", e);
        }
    }

    @Override
    public Transport.Listener watch(String channel, Consumer<byte[]> receiver) {
        EventChannel.requireName(channel, "channel");
        ValidationException.requireNonNull(receiver, "receiver");
        String topic = topic(channel);
        ensure(topic);
        Watch w = new Watch(topic, channel, receiver);
        // Positioned at the end before returning: what is published after watch() returns is seen.
        w.position();
        transport.track(w);
        w.thread.start();
        return w;
    }

    private final class Watch implements Transport.Listener, Runnable {
        private final String topic;
        private final String channel;
        private final Consumer<byte[]> receiver;
        private final Thread thread;
        private final org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer;
        private volatile boolean running = true;

        Watch(String topic, String channel, Consumer<byte[]> receiver) {
            this.topic = topic;
            this.channel = channel;
            this.receiver = receiver;
            this.consumer = transport.newReader("events");
            this.thread = new Thread(this, "ao-kafka-events-" + transport.config().instance());
            this.thread.setDaemon(true);
        }

        void position() {
            TopicPartition partition = new TopicPartition(topic, 0);
            try {
                consumer.assign(List.of(partition));
                consumer.seekToEnd(List.of(partition));
                // seekToEnd is lazy: resolve it now, so nothing published from here on is skipped.
                consumer.position(partition, Duration.ofMillis(transport.config().deliveryTimeout().toMillis()));
            } catch (KafkaException e) {
                consumer.close();
                throw KafkaTransport.asTransportException(topic, "Could not watch event channel '" + channel + "'", e);
            }
        }

        @Override
        public void run() {
            boolean warned = false;
            try {
                while (running) {
                    Iterable<ConsumerRecord<byte[], byte[]>> records;
                    try {
                        records = consumer.poll(Duration.ofMillis(200));
                        warned = false;
                    } catch (WakeupException e) {
                        throw e;
                    } catch (KafkaException e) {
                        if (!warned) {
                            warned = true;
                            log.warn("Event channel '{}': cannot read {} ({}); retrying", channel, topic, e.toString());
                        }
                        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
                        continue;
                    }
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        try {
                            receiver.accept(r.value());
                        } catch (RuntimeException e) {
                            log.warn("Event channel watcher {} on '{}' threw; carrying on", receiver, channel, e);
                        }
                    }
                }
            } catch (WakeupException e) {
                // closing
            } catch (RuntimeException e) {
                if (running) {
                    log.warn("Event channel '{}': watch stopped: {}", channel, e.toString());
                }
            } finally {
                try {
                    consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(2)));
                } catch (RuntimeException e) {
                    log.debug("Closing the event channel consumer failed", e);
                }
            }
        }

        @Override
        public void close() {
            if (!running) {
                return;
            }
            running = false;
            consumer.wakeup();
            if (Thread.currentThread() != thread) {
                try {
                    thread.join(TimeUnit.SECONDS.toMillis(10));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            transport.untrack(this);
        }
    }
}
