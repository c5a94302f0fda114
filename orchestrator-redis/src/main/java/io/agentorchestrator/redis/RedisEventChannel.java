package io.agentorchestrator.redis;

import io.agentorchestrator.api.EventChannel;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.ValidationException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.BinaryJedisPubSub;
import redis.clients.jedis.Connection;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Event channels on Redis pub/sub: {@code PUBLISH <prefix>:events:<channel>} through the
 * transport's pool, and per watch a subscriber thread on a connection of its own that subscribes
 * again, with a back-off, whenever the connection breaks. Pub/sub keeps nothing: what is published
 * while a watcher is away is not delivered to it, as the {@link EventChannel} contract says.
 */
final class RedisEventChannel implements EventChannel {

    private static final Logger log = LoggerFactory.getLogger(RedisEventChannel.class);
    private static final AtomicInteger IDS = new AtomicInteger();

    private final RedisTransport transport;
    private final List<Watch> watches = new CopyOnWriteArrayList<>();

    RedisEventChannel(RedisTransport transport) {
        this.transport = transport;
    }

    private byte[] key(String channel) {
        return transport.keys().eventChannel(channel).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void publish(String channel, byte[] message) {
        EventChannel.requireName(channel, "channel");
        ValidationException.requireNonNull(message, "message");
        try {
            transport.connection().client().publish(key(channel), message);
        } catch (JedisException e) {
            throw transport.connection().failure("Publishing on event channel '" + channel + "'", null, e);
        }
    }

    @Override
    public Transport.Listener watch(String channel, Consumer<byte[]> receiver) {
        EventChannel.requireName(channel, "channel");
        ValidationException.requireNonNull(receiver, "receiver");
        Watch w = new Watch(channel, key(channel), receiver);
        watches.add(w);
        w.start();
        return w;
    }

    void closeWatches() {
        for (Watch w : List.copyOf(watches)) {
            w.close();
        }
    }

    /** One watcher's subscription and its thread. */
    private final class Watch implements Transport.Listener {
        private final String channel;
        private final byte[] key;
        private final Consumer<byte[]> receiver;
        private volatile boolean open = true;
        private volatile Connection connection;
        private Thread thread;

        Watch(String channel, byte[] key, Consumer<byte[]> receiver) {
            this.channel = channel;
            this.key = key;
            this.receiver = receiver;
        }

        void start() {
            thread = new Thread(this::subscribeLoop, "redis-events-watch-" + IDS.incrementAndGet());
            thread.setDaemon(true);
            thread.start();
        }

        private void subscribeLoop() {
            transport.connection().keepSubscribed(() -> open, c -> connection = c, this::subscribe, "Event channel '" + channel + "'");
        }

        private void subscribe(Connection c) {
            // Jedis lifts the read timeout while subscribed (checked by the IT): a quiet channel is no broken connection.
            new BinaryJedisPubSub() {
                @Override
                public void onSubscribe(byte[] subscribed, int count) {
                    if (!open) {
                        unsubscribe();
                    }
                }

                @Override
                public void onMessage(byte[] from, byte[] message) {
                    try {
                        receiver.accept(message);
                    } catch (RuntimeException e) {
                        log.warn("Event channel watcher {} on '{}' threw; carrying on", receiver, channel, e);
                    }
                }
            }.proceed(c, key);
        }

        @Override
        public void close() {
            if (!open) {
                return;
            }
            open = false;
            watches.remove(this);
            Connection c = connection;
            if (c != null) {
                // Closing the socket ends the blocking subscription at once.
                c.close();
            }
            RedisTransport.join(thread);
        }
    }
}
