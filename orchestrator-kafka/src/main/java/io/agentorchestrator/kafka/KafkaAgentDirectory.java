package io.agentorchestrator.kafka;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentDirectory;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.TransportException;
import io.agentorchestrator.api.ValidationException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent registry on a compacted topic keyed by agent id: an announcement (or heartbeat) is a
 * record with the descriptor and its lease, a withdrawal is a tombstone. Compaction keeps the
 * latest record per agent, so a watcher that starts reads the whole topic and knows every agent
 * announced; leases are judged by the watcher's clock (record time for what it replays, arrival
 * time for what it sees live).
 */
final class KafkaAgentDirectory implements AgentDirectory {

    private static final Logger log = LoggerFactory.getLogger(KafkaAgentDirectory.class);
    private static final Map<String, String> TOPIC_CONFIG = Map.of(
            "cleanup.policy", "compact",
            "message.timestamp.type", "LogAppendTime",
            "segment.ms", "3600000",
            "min.cleanable.dirty.ratio", "0.1");

    private final KafkaTransport transport;
    private final KafkaTransportConfig config;

    KafkaAgentDirectory(KafkaTransport transport) {
        this.transport = transport;
        this.config = transport.config();
    }

    @Override
    public void announce(AgentDescriptor agent, Duration ttl) {
        ValidationException.requireNonNull(agent, "agent");
        ValidationException.requireNonNull(ttl, "ttl");
        ValidationException.require(!ttl.isNegative() && !ttl.isZero(), "ttl", "must be > 0", ttl);
        publish(agent.id(), WireFormat.encodeAnnouncement(agent, ttl.toMillis()), "announce agent '" + agent.id() + "'");
    }

    @Override
    public void withdraw(String agentId) {
        AgentDescriptor.requireId(agentId, "agentId");
        publish(agentId, null, "withdraw agent '" + agentId + "'");
    }

    private void publish(String agentId, byte[] value, String what) {
        String topic = config.registryTopic();
        transport.topics().ensureNow(topic, 1, TOPIC_CONFIG, config.deliveryTimeout().toMillis());
        CompletableFuture<RecordMetadata> sent = new CompletableFuture<>();
        try {
            transport.producer().send(new ProducerRecord<>(topic, agentId.getBytes(StandardCharsets.UTF_8), value), (md, e) -> {
                if (e != null) {
                    sent.completeExceptionally(e);
                } else {
                    sent.complete(md);
                }
            });
            sent.get(config.deliveryTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException(KafkaTransport.SCHEME, topic, "Interrupted while trying to " + what, true, e);
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            throw KafkaTransport.asTransportException(topic, "Could not " + what + " on " + topic, e);
        }
    }

    @Override
    public Transport.Listener watch(Watcher watcher) {
        ValidationException.requireNonNull(watcher, "watcher");
        transport.topics().ensureNow(config.registryTopic(), 1, TOPIC_CONFIG, config.deliveryTimeout().toMillis());
        transport.warmUp();
        Watch w = new Watch(watcher);
        transport.track(w);
        w.thread.start();
        return w;
    }

    /** One watcher's reader thread: replays the topic, then follows it and expires lapsed leases. */
    private final class Watch implements Transport.Listener, Runnable {
        private final Watcher watcher;
        private final Thread thread;
        private final Map<String, Lease> leases = new LinkedHashMap<>();
        private volatile boolean running = true;
        private volatile Consumer<byte[], byte[]> consumer;

        Watch(Watcher watcher) {
            this.watcher = watcher;
            this.thread = new Thread(this, "ao-kafka-directory-" + config.instance());
            this.thread.setDaemon(true);
        }

        @Override
        public void run() {
            Consumer<byte[], byte[]> c = null;
            try {
                c = transport.newReader("directory");
                consumer = c;
                if (!running) {
                    return;
                }
                Map<TopicPartition, Long> end = null;
                boolean warned = false;
                while (end == null) {
                    try {
                        end = assignAll(c);
                    } catch (WakeupException e) {
                        throw e;
                    } catch (KafkaException e) {
                        // The broker may be down or the topic not yet in its metadata: a watch
                        // keeps trying, since an orchestrator without it never sees agents.
                        if (!warned) {
                            log.warn("Directory watch cannot read {} yet, retrying: {}", config.registryTopic(), e.toString());
                            warned = true;
                        }
                    }
                    if (end == null) {
                        if (!running) {
                            return;
                        }
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                    }
                }
                boolean replaying = true;
                while (running) {
                    Iterable<ConsumerRecord<byte[], byte[]>> records;
                    try {
                        records = c.poll(Duration.ofMillis(100));
                    } catch (WakeupException e) {
                        throw e;
                    } catch (KafkaException e) {
                        log.warn("Directory watch failed to poll, continuing: {}", e.toString());
                        continue;
                    }
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        apply(r, replaying);
                    }
                    if (replaying && caughtUp(c, end)) {
                        replaying = false;
                        long now = config.clock().millis();
                        for (Iterator<Lease> it = leases.values().iterator(); it.hasNext();) {
                            Lease lease = it.next();
                            if (lease.expiresAt > now) {
                                announced(lease.agent, lease.expiresAt - now);
                            } else {
                                it.remove();
                            }
                        }
                    }
                    if (!replaying) {
                        expire();
                    }
                }
            } catch (WakeupException e) {
                // closing
            } catch (RuntimeException e) {
                if (running) {
                    log.warn("Directory watch stopped: {}", e.toString());
                }
            } finally {
                if (c != null) {
                    try {
                        c.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(2)));
                    } catch (RuntimeException e) {
                        log.debug("Closing the directory consumer failed", e);
                    }
                }
            }
        }

        /** Assigns every partition of the registry from the beginning; null when it has none yet. */
        private Map<TopicPartition, Long> assignAll(Consumer<byte[], byte[]> c) {
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo p : c.partitionsFor(config.registryTopic(), Duration.ofSeconds(10))) {
                parts.add(new TopicPartition(p.topic(), p.partition()));
            }
            if (parts.isEmpty()) {
                return null;
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            return c.endOffsets(parts, Duration.ofSeconds(10));
        }

        private boolean caughtUp(Consumer<byte[], byte[]> c, Map<TopicPartition, Long> end) {
            try {
                for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
                    if (c.position(e.getKey(), Duration.ofSeconds(5)) < e.getValue()) {
                        return false;
                    }
                }
                return true;
            } catch (WakeupException e) {
                throw e;
            } catch (KafkaException e) {
                return false; // broker trouble: the next loop asks again
            }
        }

        private void apply(ConsumerRecord<byte[], byte[]> r, boolean replaying) {
            if (r.key() == null) {
                transport.deadLetter(r, "registry record without an agent id key", () -> { });
                return;
            }
            String id = new String(r.key(), StandardCharsets.UTF_8);
            if (r.value() == null) {
                if (leases.remove(id) != null && !replaying) {
                    withdrawn(id);
                }
                return;
            }
            WireFormat.Announcement a;
            try {
                a = WireFormat.decodeAnnouncement(r.value());
            } catch (WireFormat.MalformedRecordException e) {
                transport.deadLetter(r, e.getMessage(), () -> { });
                return;
            }
            if (!a.agent().id().equals(id)) {
                transport.deadLetter(r, "registry record key '" + id + "' differs from its agent id '" + a.agent().id() + "'", () -> { });
                return;
            }
            long now = config.clock().millis();
            // Replayed records are as old as their timestamps; live ones start their lease on arrival,
            // which keeps the broker's and this host's clocks out of it.
            long expiresAt = (replaying ? r.timestamp() : now) + a.ttlMillis();
            leases.put(id, new Lease(a.agent(), expiresAt));
            if (!replaying && expiresAt > now) {
                announced(a.agent(), expiresAt - now);
            }
        }

        private void expire() {
            long now = config.clock().millis();
            List<String> lapsed = null;
            for (Map.Entry<String, Lease> e : leases.entrySet()) {
                if (e.getValue().expiresAt <= now) {
                    if (lapsed == null) {
                        lapsed = new ArrayList<>();
                    }
                    lapsed.add(e.getKey());
                }
            }
            if (lapsed != null) {
                for (String id : lapsed) {
                    leases.remove(id);
                    log.debug("Lease of agent {} lapsed", id);
                    withdrawn(id);
                }
            }
        }

        private void announced(AgentDescriptor agent, long ttlMillis) {
            try {
                watcher.announced(agent, Duration.ofMillis(ttlMillis));
            } catch (RuntimeException e) {
                log.warn("Directory watcher threw on announcement of {}", agent.id(), e);
            }
        }

        private void withdrawn(String id) {
            try {
                watcher.withdrawn(id);
            } catch (RuntimeException e) {
                log.warn("Directory watcher threw on withdrawal of {}", id, e);
            }
        }

        @Override
        public void close() {
            running = false;
            Consumer<byte[], byte[]> c = consumer;
            if (c != null) {
                c.wakeup();
            }
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

    private record Lease(AgentDescriptor agent, long expiresAt) {
    }
}
