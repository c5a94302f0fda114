package io.agentorchestrator.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentorchestrator.api.EventChannel;
import io.agentorchestrator.api.Ticker;
import io.agentorchestrator.api.Transport;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Redis event channels beyond the compatibility kit: one Redis channel per prefix, and a closed watch ends its thread. */
class RedisEventChannelIT {

    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private final String prefix = TestRedis.uniquePrefix("events");
    private final String channel = "ch-" + UUID.randomUUID().toString().substring(0, 8);

    @AfterEach
    void closeEverything() throws Exception {
        while (!resources.isEmpty()) {
            resources.pop().close();
        }
    }

    private RedisTransport transport(String prefix) {
        RedisTransport t = new RedisTransport(RedisSettings.parse(TestRedis.uri("prefix=" + prefix)), Ticker.system(), Clock.systemUTC());
        resources.push(t);
        return t;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aWatcherGetsWhatAnotherTransportPublishesOnItsPrefixOnly() {
        EventChannel publisher = transport(prefix).eventChannel().orElseThrow();
        RedisTransport watcherSide = transport(prefix);
        List<String> seen = new CopyOnWriteArrayList<>();
        List<String> elsewhere = new CopyOnWriteArrayList<>();
        resources.push(watcherSide.eventChannel().orElseThrow().watch(channel, m -> seen.add(new String(m, StandardCharsets.UTF_8))));
        resources.push(transport(prefix + "-other").eventChannel().orElseThrow()
                .watch(channel, m -> elsewhere.add(new String(m, StandardCharsets.UTF_8))));
        resources.push(watcherSide.eventChannel().orElseThrow()
                .watch(channel + "-other", m -> elsewhere.add(new String(m, StandardCharsets.UTF_8))));
        // Pub/sub keeps nothing: publish until the subscription is up, then the numbered run.
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            publisher.publish(channel, utf8("ping"));
            return seen.contains("ping");
        });
        for (int i = 0; i < 500; i++) {
            publisher.publish(channel, utf8("m" + i));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.contains("m499"));
        List<String> run = seen.subList(seen.indexOf("m0"), seen.size());
        assertThat(run).hasSize(500);
        for (int i = 0; i < 500; i++) {
            assertThat(run.get(i)).isEqualTo("m" + i);
        }
        assertThat(elsewhere).as("another prefix or channel").isEmpty();
    }

    @Test
    void aQuietChannelKeepsItsSubscriptionPastTheSocketTimeout() throws Exception {
        RedisTransport quick = new RedisTransport(RedisSettings.parse(TestRedis.uri("prefix=" + prefix + "&timeout=200ms")),
                Ticker.system(), Clock.systemUTC());
        resources.push(quick);
        List<String> seen = new CopyOnWriteArrayList<>();
        resources.push(quick.eventChannel().orElseThrow().watch(channel, m -> seen.add(new String(m, StandardCharsets.UTF_8))));
        EventChannel publisher = transport(prefix).eventChannel().orElseThrow();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            publisher.publish(channel, utf8("ping"));
            return seen.contains("ping");
        });
        long before = connectionsReceived();
        // Five socket timeouts of quiet: a subscription held to the read timeout would have dialled again meanwhile.
        await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> true);
        publisher.publish(channel, utf8("after the quiet"));
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("after the quiet"));
        // Minus one: the connection that read the first count.
        assertThat(connectionsReceived() - before - 1).as("connections Redis accepted meanwhile").isZero();
    }

    private static long connectionsReceived() {
        try (redis.clients.jedis.Jedis jedis = new redis.clients.jedis.Jedis(java.net.URI.create(TestRedis.base()))) {
            String stats = jedis.info("stats");
            for (String line : stats.split("\r?\n")) {
                if (line.startsWith("total_connections_received:")) {
                    return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                }
            }
            throw new AssertionError("no total_connections_received in INFO stats");
        }
    }

    @Test
    void closingAWatchStopsItsThread() throws Exception {
        Transport.Listener watch = transport(prefix).eventChannel().orElseThrow().watch(channel, m -> { });
        await().atMost(Duration.ofSeconds(10))
                .until(() -> Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().startsWith("redis-events-watch-")));
        watch.close();
        watch.close();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().startsWith("redis-events-watch-")));
    }
}
