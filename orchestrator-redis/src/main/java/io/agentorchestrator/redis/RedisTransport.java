package io.agentorchestrator.redis;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentDirectory;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.Ticker;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.TransportCounters;
import io.agentorchestrator.api.TransportException;
import io.agentorchestrator.api.ValidationException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.Response;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.params.XTrimParams;
import redis.clients.jedis.resps.StreamEntry;
import redis.clients.jedis.resps.StreamEntryBinary;

/**
 * The {@code redis:} transport: tasks on Redis Streams, replies on a per-instance reply stream,
 * the agent registry in a hash with leases. See the module README for the key layout and wire
 * format.
 *
 * <p>The orchestrator side ({@link #send}) starts, on first use, one sender thread that pipelines
 * XADDs and one reader thread that reads this instance's reply stream and completes the waiting
 * futures by task id and attempt. The agent side ({@link #listen}) starts one reader thread per
 * listener. {@link #close()} stops them all, bounded. Thread-safe.
 */
final class RedisTransport implements Transport {

    static final String SCHEME = "redis";

    private static final Logger log = LoggerFactory.getLogger(RedisTransport.class);
    private static final AtomicInteger IDS = new AtomicInteger();
    private static final int SEND_BATCH = 256;
    /** Replies read before the reply stream is trimmed behind them. */
    private static final int TRIM_EVERY = 256;
    /** Field of the entry that creates an empty reply stream; not a reply. */
    private static final byte[] OPEN_FIELD = Script.bytes("open");
    /**
     * The group this instance reads its reply stream with (no acks, so nothing is kept pending):
     * a stream deleted and created again by an agent's reply has no such group, and the read says
     * so (NOGROUP) instead of going on from the old stream's last id, which could skip the new
     * stream's first replies when both fell in one millisecond.
     */
    static final String REPLY_GROUP = "orchestrator";
    private static final byte[] REPLY_GROUP_KEY = Script.bytes(REPLY_GROUP);
    private static final byte[] REPLY_CONSUMER_KEY = Script.bytes("reader");
    private static final byte[] MAXLEN = Script.bytes("MAXLEN");
    private static final byte[] TILDE = Script.bytes("~");
    private static final byte[] NEW_ID = Script.bytes("*");
    /** Longest time read replies stay in the reply stream. */
    private static final long TRIM_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final RedisSettings settings;
    private final Keys keys;
    private final RedisConnection connection;
    private final Ticker ticker;
    /** Reads task deadlines (epoch millis): the injected directory clock in tests, else the system's. */
    private final Clock wallClock;
    private final int id = IDS.incrementAndGet();
    private final String instanceId = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    private final String replyStream;
    private final byte[] replyKey;
    private final ConcurrentHashMap<String, PendingSend> pending = new ConcurrentHashMap<>();
    /** Routes by endpoint; cleared when it grows past {@link #MAX_ROUTES} (endpoints that come and go). */
    private final ConcurrentHashMap<java.net.URI, Route> routes = new ConcurrentHashMap<>();
    private static final int MAX_ROUTES = 4096;
    private final Set<StreamListener> listeners = ConcurrentHashMap.newKeySet();
    private final LinkedBlockingQueue<Outbound> outbox = new LinkedBlockingQueue<>();
    private final Object lifecycle = new Object();
    private final RedisAgentDirectory directory;
    private final RedisEventChannel events;

    final LongAdder lateReplies = new LongAdder();
    final LongAdder deadLettered = new LongAdder();
    final LongAdder duplicatesSkipped = new LongAdder();
    final LongAdder reclaimed = new LongAdder();
    final LongAdder lostInFlight = new LongAdder();
    final LongAdder sendErrors = new LongAdder();

    private final BlockingConnection replyConnection;
    /** The sender thread's connection, outside the pool. */
    private final BlockingConnection sendConnection;
    /** The XADD options of every task (the settings do not change), built once rather than per batch. */
    /** {@code MAXLEN ~ <maxLen>}, as the task XADDs write it. */
    private final byte[] taskMaxLen;
    private volatile boolean closed;
    private volatile boolean started;
    /** Set by the sender once the reply stream exists; until then the reader does not judge it lost. */
    private volatile boolean replyStreamReady;
    private Thread sender;
    private Thread replyReader;

    /**
     * @param ticker         for the reader's maintenance cadence
     * @param directoryClock clock for directory leases, or {@code null} for the Redis server's clock
     */
    RedisTransport(RedisSettings settings, Ticker ticker, Clock directoryClock) {
        this.settings = settings;
        this.keys = new Keys(settings.prefix());
        this.connection = new RedisConnection(settings);
        this.ticker = ticker;
        this.wallClock = directoryClock != null ? directoryClock : Clock.systemUTC();
        this.replyStream = keys.replies(instanceId);
        this.replyKey = Script.bytes(replyStream);
        this.directory = new RedisAgentDirectory(this, directoryClock);
        this.events = new RedisEventChannel(this);
        this.replyConnection = new BlockingConnection(connection);
        this.sendConnection = new BlockingConnection(connection);
        this.taskMaxLen = Protocol.toByteArray(settings.maxLen());
    }

    @Override
    public String scheme() {
        return SCHEME;
    }

    RedisSettings settings() {
        return settings;
    }

    Keys keys() {
        return keys;
    }

    RedisConnection connection() {
        return connection;
    }

    Ticker ticker() {
        return ticker;
    }

    Clock wallClock() {
        return wallClock;
    }

    boolean isClosed() {
        return closed;
    }

    /** This instance's reply stream key. */
    String replyStream() {
        return replyStream;
    }

    // ---------------------------------------------------------------- orchestrator side

    @Override
    public CompletableFuture<ResultEnvelope> send(AgentDescriptor agent, TaskEnvelope envelope) {
        ValidationException.requireNonNull(agent, "agent");
        ValidationException.requireNonNull(envelope, "envelope");
        String endpoint = agent.endpoint().toString();
        if (closed) {
            return CompletableFuture.failedFuture(new TransportException(SCHEME, endpoint, "The Redis transport is closed", false, null));
        }
        Route route = routes.get(agent.endpoint());
        if (route == null) {
            try {
                route = new Route(keys.target(agent));
            } catch (ValidationException e) {
                return CompletableFuture.failedFuture(new TransportException(SCHEME, endpoint, "Agent '" + agent.id()
                        + "' has an endpoint the Redis transport cannot serve: " + e.getMessage(), false, e));
            }
            if (routes.size() >= MAX_ROUTES) {
                routes.clear();
            }
            routes.put(agent.endpoint(), route);
        }
        Keys.Target target = route.target();
        startOrchestratorSide();
        String correlation = correlation(envelope.taskId(), envelope.attempt());
        CompletableFuture<ResultEnvelope> future = new CompletableFuture<>();
        PendingSend ps = new PendingSend(future, agent, target, endpoint);
        if (pending.putIfAbsent(correlation, ps) != null) {
            return CompletableFuture.failedFuture(new TransportException(SCHEME, endpoint, "Attempt " + envelope.attempt()
                    + " of task " + envelope.taskId() + " is already in flight on this transport", false, null));
        }
        // A cancelled or timed-out attempt stops waiting here; its reply, if it comes, is counted as late.
        future.whenComplete((r, e) -> {
            pending.remove(correlation, ps);
            if (e instanceof TransportException) {
                sendErrors.increment();
            }
        });
        TaskEnvelope addressed = new TaskEnvelope(envelope.version(), envelope.taskId(), envelope.capability(), envelope.payload(),
                envelope.priority(), envelope.deadlineEpochMillis(), envelope.key(), envelope.headers(), envelope.attempt(), replyStream);
        int level = envelope.priority() - io.agentorchestrator.api.Task.MIN_PRIORITY;
        outbox.add(new Outbound(route.streams()[level], route.streamKeys()[level], WireCodec.encodeTaskBytes(addressed), ps,
                envelope.taskId()));
        if (closed) {
            failAllPending("the transport closed");
        }
        return future;
    }

    /** Redeliveries are the pending entries an agent side reclaimed from a consumer that stopped answering. */
    @Override
    public Optional<TransportCounters> counters() {
        return Optional.of(new TransportCounters(sendErrors.sum(), reclaimed.sum(), deadLettered.sum(), lateReplies.sum()));
    }

    static String correlation(String taskId, int attempt) {
        return taskId + "#" + attempt;
    }

    /** Starts the sender and the reply reader, once; no network here, so send() never blocks. */
    private void startOrchestratorSide() {
        if (started) {
            return;
        }
        synchronized (lifecycle) {
            if (started) {
                return;
            }
            if (closed) {
                throw new TransportException(SCHEME, settings.redacted(), "The Redis transport is closed", false, null);
            }
            sender = thread("redis-send-" + id, this::sendLoop);
            replyReader = thread("redis-replies-" + id, this::replyLoop);
            started = true;
            log.info("Redis transport {} sending to {} with reply stream {}", id, settings.redacted(), replyStream);
        }
    }

    private static Thread thread(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Returns true when the owner mark had to be set: the first time, or after Redis lost this instance's keys. */
    private boolean ensureReplyStream() {
        Object lost = connection.client().eval(Scripts.ENSURE_REPLY_STREAM, List.of(replyStream, replyStream + ":owner"),
                List.of(String.valueOf(settings.replyTtl().toMillis()), REPLY_GROUP));
        return Long.valueOf(1).equals(lost);
    }

    private void sendLoop() {
        List<Outbound> batch = new ArrayList<>(SEND_BATCH);
        while (!closed) {
            try {
                if (!Batches.take(outbox, batch, SEND_BATCH, 200)) {
                    continue;
                }
            } catch (InterruptedException e) {
                break;
            }
            batch.removeIf(o -> o.send.future.isDone());
            if (!batch.isEmpty()) {
                sendBatch(batch);
            }
        }
        // Whatever is still queued will never go: fail it rather than let it hang.
        Outbound o;
        while ((o = outbox.poll()) != null) {
            o.send.future.completeExceptionally(new TransportException(SCHEME, o.send.endpoint,
                    "The Redis transport closed before task " + o.taskId + " was sent", true, null));
        }
    }

    private void sendBatch(List<Outbound> batch) {
        if (!replyStreamReady) {
            // Before the first task leaves, its replies must have somewhere to go.
            try {
                ensureReplyStream();
                replyStreamReady = true;
            } catch (JedisException | TransportException e) {
                TransportException failure = e instanceof JedisException je
                        ? connection.failure("Creating reply stream " + replyStream, null, je) : (TransportException) e;
                for (Outbound o : batch) {
                    o.send.future.completeExceptionally(new TransportException(SCHEME, o.send.endpoint, "Task " + o.taskId
                            + " not sent: " + failure.getMessage(), true, failure));
                }
                return;
            }
        }
        // Taken before the XADDs: an attempt added before Redis went down has a time before the outage began.
        long sentAt = ticker.read();
        for (Outbound o : batch) {
            o.send.sentAt = sentAt;
        }
        for (int attempt = 1; ; attempt++) {
            List<Response<Object>> responses = new ArrayList<>(batch.size());
            try {
                // On the sender's own connection: a pooled one was borrowed and returned per batch,
                // which cost a fifth of this thread's time (the pool re-authenticates on return).
                sendConnection.pipelined(false, p -> {
                    for (Outbound o : batch) {
                        responses.add(p.sendCommand(Args.command(Protocol.Command.XADD, o.streamKey, MAXLEN, TILDE, taskMaxLen, NEW_ID,
                                WireCodec.TASK_FIELD_BYTES, o.json)));
                    }
                });
            } catch (JedisException e) {
                connection.onFailure(e);
                // A pooled connection that died with a restarted server fails on first use: try once more on a fresh one.
                if (attempt == 1 && !closed) {
                    continue;
                }
                for (Outbound o : batch) {
                    o.send.future.completeExceptionally(connection.failure("Adding task " + o.taskId + " to stream " + o.stream,
                            o.send.endpoint, e));
                }
                return;
            } catch (TransportException e) {
                for (Outbound o : batch) {
                    o.send.future.completeExceptionally(e);
                }
                return;
            }
            for (int i = 0; i < batch.size(); i++) {
                Outbound o = batch.get(i);
                try {
                    // Kept as Redis gave it: the id is only parsed if the entry ever has to be deleted.
                    o.send.entry = new PendingSend.Entry(o.stream, (byte[]) responses.get(i).get());
                } catch (JedisException e) {
                    o.send.future.completeExceptionally(new TransportException(SCHEME, o.send.endpoint, "Redis refused task "
                            + o.taskId + " on stream " + o.stream + ": " + e.getMessage(), false, e));
                }
            }
            return;
        }
    }

    private void replyLoop() {
        StreamEntryID lastId = new StreamEntryID(0, 0);
        boolean check = false;
        boolean down = false;
        long outageStart = 0;
        long refreshEvery = Math.max(1, settings.replyTtl().toNanos() / 3);
        long nextRefresh = ticker.read() + refreshEvery;
        int failures = 0;
        XReadGroupParams params = XReadGroupParams.xReadGroupParams().block((int) settings.block().toMillis()).count(512).noAck();
        Map<byte[], StreamEntryID> newReplies = Map.of(replyKey, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY);
        int unTrimmed = 0;
        long lastTrim = ticker.read();
        // Before the first task goes, the reply stream may not be there yet: the reader makes it then.
        boolean makeStream = true;
        while (!closed) {
            try {
                if (makeStream && !replyStreamReady) {
                    ensureReplyStream();
                }
                makeStream = false;
                if (replyStreamReady && (check || ticker.read() - nextRefresh >= 0)) {
                    long since = check ? outageStart : ticker.read();
                    if (ensureReplyStream()) {
                        // Redis lost this instance's keys: the tasks added before the outage went with
                        // them and cannot be answered. Fail those attempts now, typed, rather than leave
                        // them to time out; attempts added since then are answered normally.
                        lastId = new StreamEntryID(0, 0);
                        int lost = failPendingSentBefore(since, "Redis at " + settings.redacted()
                                + " lost its data (restarted without persistence?) while the task was queued");
                        lostInFlight.add(lost);
                        log.warn("Redis at {} lost the keys of reply stream {}; failed {} task attempt(s) sent before the outage",
                                settings.redacted(), replyStream, lost);
                    }
                    check = false;
                    nextRefresh = ticker.read() + refreshEvery;
                }
                StreamEntryID from = lastId;
                List<Map.Entry<byte[], List<StreamEntryBinary>>> read;
                // Replies are read once, by this instance only: what was read is dropped, in the same
                // round trip as the next read (a trim of its own was a round trip between two reads,
                // on the path of the next reply), and not after every read. Approximate (whole nodes
                // only): it never drops more, and exact trimming of a thousand entries held Redis for
                // a third of a millisecond.
                if (unTrimmed >= TRIM_EVERY || (unTrimmed > 0 && ticker.read() - lastTrim >= TRIM_INTERVAL_NANOS)) {
                    XTrimParams trim = XTrimParams.xTrimParams().minId(from.toString()).approximateTrimming();
                    List<Response<List<Map.Entry<byte[], List<StreamEntryBinary>>>>> reads = new ArrayList<>(1);
                    replyConnection.pipelined(true, p -> {
                        p.xtrim(replyKey, trim);
                        reads.add(p.xreadGroupBinary(REPLY_GROUP_KEY, REPLY_CONSUMER_KEY, params, newReplies));
                    });
                    read = reads.get(0).get();
                    unTrimmed = 0;
                    lastTrim = ticker.read();
                } else {
                    read = replyConnection.run(c -> c.xreadGroupBinary(REPLY_GROUP_KEY, REPLY_CONSUMER_KEY, params, newReplies));
                }
                if (down) {
                    log.info("Redis at {} is reachable again", settings.redacted());
                    down = false;
                }
                failures = 0;
                if (read == null || read.isEmpty()) {
                    continue;
                }
                for (Map.Entry<byte[], List<StreamEntryBinary>> stream : read) {
                    for (StreamEntryBinary entry : stream.getValue()) {
                        lastId = entry.getID();
                        onReply(entry);
                    }
                }
                unTrimmed += countEntries(read);
            } catch (JedisException | TransportException e) {
                if (closed) {
                    break;
                }
                if (e instanceof JedisDataException de && streamGone(de)) {
                    // The stream went (deleted, expired, evicted), and perhaps an agent's reply made it
                    // again: make it and the group again, read it from its start, and trim nothing by
                    // the old stream's ids. Whether Redis lost more than the stream, the owner mark tells.
                    lastId = new StreamEntryID(0, 0);
                    if (!replyStreamReady) {
                        makeStream = true;
                    } else if (!check) {
                        outageStart = ticker.read();
                        check = true;
                    }
                    // Made again, the next read works; if it does not (the group cannot be made), back off.
                    if (++failures > 1) {
                        if (failures == 2) {
                            log.warn("Redis at {}: reply stream {} has no reader group '{}' and making it did not help ({}); retrying",
                                    settings.redacted(), replyStream, REPLY_GROUP, e.getMessage());
                        }
                        pause(failures - 1);
                    }
                    continue;
                }
                boolean refused = e instanceof JedisDataException;
                if (e instanceof JedisException je) {
                    connection.onFailure(je);
                }
                // Also after a refusal: an authentication refused while connecting leaves no usable connection.
                replyConnection.discard();
                if (!down) {
                    // Refused: Redis answered with an error (a key of another type, a denied command), so it is reachable.
                    log.warn(refused ? "Redis at {} refused to read reply stream " + replyStream + " ({}); retrying"
                            : "Redis at {} unreachable while reading replies ({}); retrying", settings.redacted(), e.getMessage());
                    down = true;
                }
                if (!check) {
                    outageStart = ticker.read();
                }
                check = true;
                pause(++failures);
            }
        }
    }

    /** Whether Redis refused a read because the stream, or this reader's group of it, is not there. */
    private static boolean streamGone(JedisDataException e) {
        String m = String.valueOf(e.getMessage());
        return m.startsWith("NOGROUP") || m.startsWith("UNBLOCKED");
    }

    private static int countEntries(List<Map.Entry<byte[], List<StreamEntryBinary>>> read) {
        int n = 0;
        for (Map.Entry<byte[], List<StreamEntryBinary>> stream : read) {
            n += stream.getValue().size();
        }
        return n;
    }

    /** Backs off after a failure: 50 ms doubling to 1 s; close() unparks. */
    static void pause(int failures) {
        long millis = Math.min(1000, 50L << Math.min(failures - 1, 5));
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    private void onReply(StreamEntryBinary entry) {
        if (entry.getFields() == null || WireCodec.field(entry.getFields(), OPEN_FIELD) != null) {
            return;
        }
        WireCodec.Reply reply;
        try {
            byte[] json = WireCodec.field(entry.getFields(), WireCodec.REPLY_FIELD_BYTES);
            if (json == null) {
                // The message the text decoder gives, naming the missing field.
                WireCodec.decodeReply(WireCodec.text(entry.getFields()));
            }
            reply = WireCodec.decodeReply(json);
        } catch (ValidationException e) {
            deadLetter(replyStream, new StreamEntry(entry.getID(), WireCodec.text(entry.getFields())), e.getMessage());
            return;
        }
        PendingSend ps = pending.remove(correlation(reply.result().taskId(), reply.attempt()));
        if (ps == null) {
            lateReplies.increment();
            log.debug("Dropped a reply to attempt {} of task {}: nobody waits for it any more", reply.attempt(), reply.result().taskId());
            return;
        }
        ps.future.complete(reply.result());
    }

    private int failPendingSentBefore(long ticks, String why) {
        int failed = 0;
        for (Map.Entry<String, PendingSend> e : pending.entrySet()) {
            PendingSend ps = e.getValue();
            if (ps.sentAt != 0 && ps.sentAt - ticks < 0 && ps.future.completeExceptionally(new TransportException(SCHEME, ps.endpoint,
                    "Task attempt " + e.getKey() + " for agent '" + ps.agent.id() + "' failed: " + why, true, null))) {
                failed++;
            }
        }
        return failed;
    }

    private int failAllPending(String why) {
        int failed = 0;
        for (Map.Entry<String, PendingSend> e : pending.entrySet()) {
            PendingSend ps = e.getValue();
            if (ps.future.completeExceptionally(new TransportException(SCHEME, ps.endpoint, "Task attempt " + e.getKey()
                    + " for agent '" + ps.agent.id() + "' failed: " + why, true, null))) {
                failed++;
            }
        }
        return failed;
    }

    /**
     * An agent's lease expired on the broker: the attempts waiting on its own stream cannot be
     * answered unless it comes back, so they fail (retryable) and their entries are deleted so a
     * restarted agent does not run them as well. Shared capability streams are left alone: another
     * consumer of the group reclaims their entries.
     */
    void agentExpired(String agentId) {
        for (Map.Entry<String, PendingSend> e : pending.entrySet()) {
            PendingSend ps = e.getValue();
            if (ps.target.shared() || !ps.agent.id().equals(agentId)) {
                continue;
            }
            if (ps.future.completeExceptionally(new TransportException(SCHEME, ps.endpoint, "Agent '" + agentId
                    + "' stopped heartbeating (lease expired) with task attempt " + e.getKey() + " unanswered", true, null))) {
                PendingSend.Entry entry = ps.entry;
                if (entry != null) {
                    try {
                        connection.client().xdel(entry.stream(), entry.streamEntryId());
                    } catch (JedisException | TransportException ex) {
                        log.debug("Could not delete entry {} of expired agent {}", entry, agentId, ex);
                    }
                }
            }
        }
    }

    /** Moves a malformed entry to the dead-letter stream, counts it and logs it once (never its content). */
    void deadLetter(String sourceStream, StreamEntry entry, String reason) {
        deadLettered.increment();
        log.warn("Malformed entry {} on stream {} moved to {}: {}", entry.getID(), sourceStream, keys.deadLetter(), reason);
        try {
            Map<String, String> fields = new java.util.LinkedHashMap<>();
            fields.put("source", sourceStream);
            fields.put("id", entry.getID().toString());
            fields.put("reason", reason);
            if (entry.getFields() != null) {
                entry.getFields().forEach((k, v) -> fields.put("field." + k, v));
            }
            connection.client().xadd(keys.deadLetter(), XAddParams.xAddParams().maxLen(settings.deadLetterMaxLen()).approximateTrimming(),
                    fields);
        } catch (JedisException | TransportException e) {
            log.warn("Could not write entry {} to the dead-letter stream {}: {}", entry.getID(), keys.deadLetter(), e.getMessage());
        }
    }

    // ---------------------------------------------------------------- agent side

    @Override
    public Listener listen(AgentDescriptor agent, TaskReceiver receiver) {
        ValidationException.requireNonNull(agent, "agent");
        ValidationException.requireNonNull(receiver, "receiver");
        if (closed) {
            throw new TransportException(SCHEME, agent.endpoint().toString(), "The Redis transport is closed", false, null);
        }
        Keys.Target target = keys.target(agent);
        StreamListener listener = new StreamListener(this, agent, target, receiver);
        listener.start();
        listeners.add(listener);
        if (closed) {
            listener.close();
        }
        return listener;
    }

    void forget(StreamListener listener) {
        listeners.remove(listener);
    }

    // ---------------------------------------------------------------- directory and lifecycle

    @Override
    public Optional<AgentDirectory> directory() {
        return Optional.of(directory);
    }

    /** Redis pub/sub, one Redis channel per event channel under the transport's prefix. */
    @Override
    public Optional<io.agentorchestrator.api.EventChannel> eventChannel() {
        return Optional.of(events);
    }

    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
        }
        for (StreamListener l : List.copyOf(listeners)) {
            l.close();
        }
        directory.closeWatches();
        events.closeWatches();
        replyConnection.close();
        join(sender);
        sendConnection.close();
        join(replyReader);
        failAllPending("the Redis transport closed");
        if (started) {
            try {
                connection.client().del(replyStream, replyStream + ":owner");
            } catch (JedisException | TransportException e) {
                log.debug("Could not delete reply stream {}; it expires by itself", replyStream, e);
            }
        }
        connection.close();
        long late = lateReplies.sum();
        long dead = deadLettered.sum();
        long duplicates = duplicatesSkipped.sum();
        long lost = lostInFlight.sum();
        if (late + dead + duplicates + lost > 0) {
            log.info("Redis transport {} closed: {} late replies dropped, {} malformed entries dead-lettered, {} redelivered tasks "
                    + "already answered, {} attempts failed because Redis lost their reply stream", id, late, dead, duplicates, lost);
        } else {
            log.debug("Redis transport {} closed", id);
        }
    }

    static void join(Thread t) {
        if (t == null || t == Thread.currentThread()) {
            return;
        }
        LockSupport.unpark(t);
        try {
            t.join(3000);
            if (t.isAlive()) {
                t.interrupt();
                t.join(1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            log.warn("Thread {} did not stop within 4 s", t.getName());
        }
    }

    /** One attempt waiting for its reply. */
    static final class PendingSend {
        /** The task's entry: its stream and the id XADD returned, unparsed. */
        record Entry(String stream, byte[] id) {
            StreamEntryID streamEntryId() {
                return new StreamEntryID(new String(id, java.nio.charset.StandardCharsets.US_ASCII));
            }

            @Override
            public String toString() {
                return stream + " " + new String(id, java.nio.charset.StandardCharsets.US_ASCII);
            }
        }

        final CompletableFuture<ResultEnvelope> future;
        final AgentDescriptor agent;
        final Keys.Target target;
        final String endpoint;
        volatile Entry entry;
        volatile long sentAt;

        PendingSend(CompletableFuture<ResultEnvelope> future, AgentDescriptor agent, Keys.Target target, String endpoint) {
            this.future = future;
            this.agent = agent;
            this.target = target;
            this.endpoint = endpoint;
        }
    }

    /**
     * Where an endpoint's tasks go, worked out once: the endpoint check (a pattern match) and the
     * stream names per level were per task otherwise.
     */
    private record Route(Keys.Target target, String[] streams, byte[][] streamKeys) {
        Route(Keys.Target target) {
            this(target, new String[Keys.LEVELS], new byte[Keys.LEVELS][]);
            for (int level = 0; level < Keys.LEVELS; level++) {
                streams[level] = target.stream(io.agentorchestrator.api.Task.MIN_PRIORITY + level);
                streamKeys[level] = Script.bytes(streams[level]);
            }
        }
    }

    private record Outbound(String stream, byte[] streamKey, byte[] json, PendingSend send, String taskId) {
    }
}
