package io.agentorchestrator.examples.bench;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.params.XReadParams;
import redis.clients.jedis.resps.StreamEntryBinary;

/**
 * {@code bench redis}: the {@code redis:} transport against a hand-written request/reply on Redis
 * Streams with Jedis: XADD to a task stream, XREADGROUP and XACK by the worker, XADD of the
 * reply to a reply stream read with XREAD by the caller.
 */
final class RedisBench extends BrokerBench {

    @Override
    String name() {
        return "redis";
    }

    @Override
    String transportUri(BenchOptions options, String run) {
        // Answered-task marks live a minute rather than the default hour: a run answers millions of tasks.
        return options.redis() + (options.redis().contains("?") ? "&" : "?") + "prefix=" + run + "&dedupeTtl=1m";
    }

    /** Deletes the run's streams (tasks by priority, replies, dead letters); its answered-task marks expire by themselves. */
    @Override
    void cleanUp(BenchOptions options, String run) {
        URI uri = URI.create(options.redis());
        HostAndPort address = new HostAndPort(uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort());
        try (Jedis jedis = new Jedis(address, Raw.config(uri))) {
            ScanParams streams = new ScanParams().match(run + "*").count(10_000);
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> page = jedis.scan(cursor, streams, "stream");
                if (!page.getResult().isEmpty()) {
                    jedis.unlink(page.getResult().toArray(String[]::new));
                }
                cursor = page.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        }
    }

    @Override
    String endpoint(String agentId) {
        return "redis:" + agentId;
    }

    @Override
    RawRequestReply raw(BenchOptions options, String run) {
        return new Raw(URI.create(options.redis()), run);
    }

    /**
     * The caller queues each request (a task id and the body) and returns; one sender thread
     * drains the queue and pipelines the XADDs of whatever is waiting, so the caller keeps as many
     * requests in flight as it asks for rather than one per round trip (the publisher-confirm and
     * producer callers of the other brokers do the same). One reader thread completes the waiting
     * futures from the reply stream; the worker thread reads up to 64
     * tasks at a time with XREADGROUP, and for each batch pipelines the replies' XADDs and the
     * XACKs. Streams are capped with {@code MAXLEN ~}.
     */
    static final class Raw implements RawRequestReply {
        private static final String GROUP = "workers";
        private static final byte[] ID = bytes("id");
        private static final byte[] BODY = bytes("body");
        private final String tasks;
        private final String replies;
        private final RedisClient client;
        private final Jedis callerReads;
        private final Jedis workerReads;
        private final Map<String, CompletableFuture<byte[]>> waiting = new ConcurrentHashMap<>();
        private final AtomicLong ids = new AtomicLong();
        private final XAddParams capped = XAddParams.xAddParams().maxLen(10_000).approximateTrimming();
        private volatile boolean open = true;
        private final Thread replyReader;
        private final Thread worker;
        private final Thread sender;
        private final java.util.concurrent.BlockingQueue<Map<byte[], byte[]>> outgoing = new java.util.concurrent.LinkedBlockingQueue<>();

        /** The client settings of {@code uri}: its user and password, if any. */
        static DefaultJedisClientConfig config(URI uri) {
            DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder();
            if (uri.getUserInfo() != null) {
                String[] user = uri.getUserInfo().split(":", 2);
                if (!user[0].isEmpty()) {
                    config.user(user[0]);
                }
                if (user.length > 1) {
                    config.password(user[1]);
                }
            }
            return config.build();
        }

        Raw(URI uri, String run) {
            HostAndPort address = new HostAndPort(uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort());
            DefaultJedisClientConfig config = config(uri);
            this.tasks = run + ":raw:tasks";
            this.replies = run + ":raw:replies";
            this.client = RedisClient.builder().hostAndPort(address).clientConfig(config).build();
            this.callerReads = new Jedis(address, config);
            this.workerReads = new Jedis(address, config);
            try {
                client.xgroupCreate(tasks, GROUP, new StreamEntryID(0, 0), true);
            } catch (JedisDataException e) {
                if (!String.valueOf(e.getMessage()).startsWith("BUSYGROUP")) {
                    throw e;
                }
            }
            replyReader = RawRequestReply.daemon("raw-redis-replies", this::readReplies);
            worker = RawRequestReply.daemon("raw-redis-worker", this::work);
            sender = RawRequestReply.daemon("raw-redis-sender", this::send);
        }

        @Override
        public CompletableFuture<byte[]> call(byte[] body) {
            String id = Long.toString(ids.incrementAndGet());
            CompletableFuture<byte[]> reply = new CompletableFuture<>();
            waiting.put(id, reply);
            outgoing.add(Map.of(ID, bytes(id), BODY, body));
            return reply;
        }

        private void send() {
            byte[] taskKey = bytes(tasks);
            java.util.List<Map<byte[], byte[]>> batch = new java.util.ArrayList<>();
            while (open) {
                try {
                    Map<byte[], byte[]> first = outgoing.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS);
                    if (first == null) {
                        continue;
                    }
                    batch.add(first);
                    outgoing.drainTo(batch);
                    try (Pipeline p = client.pipelined()) {
                        for (Map<byte[], byte[]> fields : batch) {
                            p.xadd(taskKey, capped, fields);
                        }
                        p.sync();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (RuntimeException e) {
                    if (open) {
                        failAll(e);
                    }
                } finally {
                    batch.clear();
                }
            }
        }

        private void readReplies() {
            StreamEntryID last = new StreamEntryID(0, 0);
            XReadParams params = XReadParams.xReadParams().block(100).count(512);
            byte[] replyKey = bytes(replies);
            while (open) {
                try {
                    List<Map.Entry<byte[], List<StreamEntryBinary>>> read = callerReads.xreadBinary(params, Map.of(replyKey, last));
                    if (read == null) {
                        continue;
                    }
                    for (Map.Entry<byte[], List<StreamEntryBinary>> stream : read) {
                        for (StreamEntryBinary entry : stream.getValue()) {
                            last = entry.getID();
                            CompletableFuture<byte[]> reply = waiting.remove(new String(field(entry, ID), StandardCharsets.UTF_8));
                            if (reply != null) {
                                reply.complete(field(entry, BODY));
                            }
                        }
                    }
                } catch (RuntimeException e) {
                    if (open) {
                        failAll(e);
                    }
                }
            }
        }

        private static byte[] field(StreamEntryBinary entry, byte[] name) {
            for (Map.Entry<byte[], byte[]> f : entry.getFields().entrySet()) {
                if (Arrays.equals(f.getKey(), name)) {
                    return f.getValue();
                }
            }
            throw new IllegalStateException("entry " + entry.getID() + " has no field " + new String(name, StandardCharsets.UTF_8));
        }

        private void work() {
            XReadGroupParams params = XReadGroupParams.xReadGroupParams().count(64).block(100);
            byte[] taskKey = bytes(tasks);
            byte[] replyKey = bytes(replies);
            byte[] group = bytes(GROUP);
            byte[] consumer = bytes("worker");
            while (open) {
                try {
                    List<Map.Entry<byte[], List<StreamEntryBinary>>> read = workerReads.xreadGroupBinary(group, consumer, params,
                            Map.of(taskKey, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY));
                    if (read == null || read.isEmpty()) {
                        continue;
                    }
                    try (Pipeline p = client.pipelined()) {
                        for (Map.Entry<byte[], List<StreamEntryBinary>> stream : read) {
                            for (StreamEntryBinary entry : stream.getValue()) {
                                p.xadd(replyKey, capped, entry.getFields()); // the echo: same id, same body
                                p.xack(taskKey, group, bytes(entry.getID().toString()));
                            }
                        }
                        p.sync();
                    }
                } catch (RuntimeException e) {
                    if (open) {
                        failAll(e);
                    }
                }
            }
        }

        private static byte[] bytes(String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }

        private void failAll(RuntimeException e) {
            waiting.values().forEach(f -> f.completeExceptionally(e));
        }

        @Override
        public void close() throws InterruptedException {
            open = false;
            replyReader.join(2_000);
            worker.join(2_000);
            sender.join(2_000);
            client.del(tasks, replies);
            callerReads.close();
            workerReads.close();
            client.close();
        }
    }
}
