package io.agentorchestrator.kafka;

import io.agentorchestrator.api.TransportException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Topic names and on-demand creation. Creation is asynchronous and remembered per topic, so the
 * first task to a new agent pays one admin round trip and later ones none; a failed creation is
 * forgotten so that the next use tries again.
 */
final class Topics {

    private static final Logger log = LoggerFactory.getLogger(Topics.class);

    private final Supplier<Admin> admin;
    private final boolean create;
    private final short replicationFactor;
    private final ConcurrentHashMap<String, CompletableFuture<Void>> ready = new ConcurrentHashMap<>();

    Topics(Supplier<Admin> admin, boolean create, short replicationFactor) {
        this.admin = admin;
        this.create = create;
        this.replicationFactor = replicationFactor;
    }

    /**
     * Escapes an agent id or capability into a topic name part: letters, digits, '.' and '-'
     * stay, anything else (including '_') becomes {@code _xx} with its hex code, so distinct
     * names never share a topic.
     */
    static String escape(String name) {
        StringBuilder sb = new StringBuilder(name.length() + 8);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-') {
                sb.append(c);
            } else {
                sb.append('_').append(String.format("%02x", (int) c));
            }
        }
        return sb.toString();
    }

    /** Completes when {@code topic} exists (created with these settings if missing and creation is on). */
    CompletableFuture<Void> ensure(String topic, int partitions, Map<String, String> configs) {
        if (!create) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> existing = ready.get(topic);
        if (existing != null) {
            return existing;
        }
        CompletableFuture<Void> mine = new CompletableFuture<>();
        existing = ready.putIfAbsent(topic, mine);
        if (existing != null) {
            return existing;
        }
        try {
            NewTopic newTopic = new NewTopic(topic, Optional.of(partitions), Optional.of(replicationFactor)).configs(configs);
            admin.get().createTopics(Set.of(newTopic)).all().whenComplete((v, error) -> {
                if (error == null || unwrap(error) instanceof TopicExistsException) {
                    if (error == null) {
                        log.debug("Created topic {} with {} partition(s)", topic, partitions);
                    }
                    mine.complete(null);
                } else {
                    ready.remove(topic, mine);
                    mine.completeExceptionally(new TransportException(KafkaTransport.SCHEME, topic,
                            "Could not create topic " + topic + ": " + unwrap(error), true, unwrap(error)));
                }
            });
        } catch (RuntimeException e) {
            ready.remove(topic, mine);
            mine.completeExceptionally(new TransportException(KafkaTransport.SCHEME, topic, "Could not create topic " + topic, true, e));
        }
        return mine;
    }

    /** {@link #ensure} and wait, for callers that may block (listen, watch, announce). */
    void ensureNow(String topic, int partitions, Map<String, String> configs, long timeoutMillis) {
        await(ensure(topic, partitions, configs), topic, "create topic " + topic, timeoutMillis);
    }

    /** The number of partitions of an existing topic. */
    int partitions(String topic, long timeoutMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        try {
            for (;;) {
                try {
                    TopicDescription d = admin.get().describeTopics(Set.of(topic)).allTopicNames()
                            .get(timeoutMillis, TimeUnit.MILLISECONDS).get(topic);
                    return d.partitions().size();
                } catch (ExecutionException e) {
                    // A topic just created may not have reached the broker's metadata yet.
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() - deadline > 0) {
                        throw e;
                    }
                    TimeUnit.MILLISECONDS.sleep(50);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException(KafkaTransport.SCHEME, topic, "Interrupted while describing topic " + topic, true, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new TransportException(KafkaTransport.SCHEME, topic, "Could not describe topic " + topic + ": " + unwrap(e), true,
                    unwrap(e));
        }
    }

    static void await(CompletableFuture<?> future, String endpoint, String what, long timeoutMillis) {
        try {
            future.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException(KafkaTransport.SCHEME, endpoint, "Interrupted while trying to " + what, true, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TransportException) {
                throw (TransportException) e.getCause();
            }
            throw new TransportException(KafkaTransport.SCHEME, endpoint, "Could not " + what + ": " + e.getCause(), true, e.getCause());
        } catch (TimeoutException e) {
            throw new TransportException(KafkaTransport.SCHEME, endpoint, "Could not " + what + " within " + timeoutMillis
                    + " ms: is the broker reachable?", true, e);
        }
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof ExecutionException || t instanceof java.util.concurrent.CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
