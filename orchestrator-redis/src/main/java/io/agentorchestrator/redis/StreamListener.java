package io.agentorchestrator.redis;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.TransportException;
import io.agentorchestrator.api.ValidationException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.args.ExpiryOption;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XAutoClaimParams;
import redis.clients.jedis.params.XClaimParams;
import redis.clients.jedis.params.XPendingParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamEntry;
import redis.clients.jedis.resps.StreamEntryBinary;
import redis.clients.jedis.resps.StreamPendingEntry;

/**
 * The agent side of one {@link Transport#listen}: a consumer in group {@value Keys#GROUP} of the
 * target's priority streams, on one thread of its own.
 *
 * <p>On a capability's shared streams it reads only as many entries as the agent has free slots,
 * highest priority stream first, in one script, so tasks beyond the agent's concurrency wait in
 * Redis for any agent of the pool, where priority still orders them. On an agent's own streams
 * (no other agent reads them) it reads with one plain {@code XREADGROUP} and orders what it read
 * itself (see {@link #ownRound}). Every
 * third of {@code claimIdle} it touches the entries it holds (so nobody reclaims work in progress)
 * and reclaims entries other consumers left idle longer than {@code claimIdle} (a crashed
 * consumer). A reclaimed entry whose attempt was already answered is acknowledged without running
 * the handler again. The reply, the dedupe mark and the XACK of one entry are atomic: in one
 * script, or in one MULTI/EXEC of plain commands (see {@link #queuePlainCommits}). A handler that
 * answers on the reader thread itself (a direct executor) has its reply committed by the reader,
 * in the same pipeline as the next read: one round trip per batch of tasks, as a hand-written
 * worker does. Replies given on other threads go to a committer thread, which commits whatever
 * has gathered in one call.
 */
final class StreamListener implements Transport.Listener {

    private static final Logger log = LoggerFactory.getLogger(StreamListener.class);
    private static final byte[] GROUP_KEY = Script.bytes(Keys.GROUP);
    private static final byte[][] NO_ARGS = new byte[0][];
    private static final byte[] NEW_ID = Script.bytes("*");
    private static final byte[] NX = Script.bytes("NX");
    private static final byte[] PX = Script.bytes("PX");

    private final RedisTransport transport;
    private final AgentDescriptor agent;
    private final Keys.Target target;
    private final Transport.TaskReceiver receiver;
    private final String consumer;
    private final byte[] consumerKey;
    private final List<String> streams;
    /** {@link #streams} as bytes, the keys of the read script. */
    private final List<byte[]> streamKeys;
    private final int capacity;
    private final String replyPrefix;
    /** Entries handed to the receiver and not answered yet, by stream and id. */
    private final ConcurrentHashMap<EntryKey, Held> inFlight = new ConcurrentHashMap<>();
    /** Entries read or reclaimed but not yet handed over; reader thread only. */
    private final PriorityQueue<Held> buffer = new PriorityQueue<>(
            Comparator.comparingInt((Held h) -> -h.priority).thenComparingLong(h -> h.sequence));
    private final Set<EntryKey> buffered = ConcurrentHashMap.newKeySet();
    /** Whether replies may go as plain commands: own streams, Redis 7 or newer ({@code PEXPIRE … NX}); set at start. */
    private boolean plainCommits;
    /** Reply streams a script wrote to, so known to be streams; the reader and the committer add to it. */
    private final Set<String> knownReplyStreams = ConcurrentHashMap.newKeySet();
    private static final int MAX_KNOWN_REPLY_STREAMS = 1024;
    private static final byte[] DONE_VALUE = Script.bytes("1");
    /** How many of {@link #buffer} are at each priority level; reader thread only. */
    private final int[] bufferedAt = new int[Keys.LEVELS];
    private final AtomicLong sequence = new AtomicLong();
    private final Object slots = new Object();
    private final BlockingConnection blocking;
    private volatile boolean open = true;
    private Thread thread;
    /** Replies given on the reader thread, committed with its next read; reader thread only. */
    private final List<Commit> inline = new ArrayList<>();
    /** Replies given on other threads, waiting for the committer, in the order the handlers produced them. */
    private final java.util.concurrent.LinkedBlockingQueue<Commit> commits = new java.util.concurrent.LinkedBlockingQueue<>();
    private volatile boolean committing = true;
    private Thread committer;
    /** Most replies committed in one script call. */
    private static final int COMMIT_BATCH = 128;
    /** How long past a task's deadline its dedupe mark is kept: covers clock skew and a slow duplicate's commit. */
    static final long DONE_GRACE_MILLIS = 60_000;

    StreamListener(RedisTransport transport, AgentDescriptor agent, Keys.Target target, Transport.TaskReceiver receiver) {
        this.transport = transport;
        this.agent = agent;
        this.target = target;
        this.receiver = receiver;
        this.consumer = agent.id() + "-" + UUID.randomUUID().toString().substring(0, 8);
        this.consumerKey = Script.bytes(consumer);
        this.streams = target.streamsHighestFirst();
        this.streamKeys = Script.bytes(streams);
        this.capacity = agent.maxConcurrency();
        this.replyPrefix = transport.keys().replies("");
        this.blocking = new BlockingConnection(transport.connection());
    }

    /** Creates the consumer group (fails fast when Redis is down) and starts reading. */
    void start() {
        try {
            ensureGroups();
        } catch (JedisException e) {
            throw transport.connection().failure("Creating consumer group " + Keys.GROUP + " on " + target.base() + ":p*",
                    agent.endpoint().toString(), e);
        }
        plainCommits = !target.shared() && serverMajorVersion() >= 7;
        committer = new Thread(this::commitLoop, "redis-agent-replies-" + agent.id());
        committer.setDaemon(true);
        committer.start();
        thread = new Thread(this::run, "redis-agent-" + agent.id());
        thread.setDaemon(true);
        thread.start();
        log.debug("Consumer {} reading {}:p0..p9", consumer, target.base());
    }

    /** The major version of the Redis server, or 0 when it cannot be told (INFO not permitted, say). */
    private int serverMajorVersion() {
        try {
            String info = transport.connection().client().info("server");
            int at = info.indexOf("redis_version:");
            if (at < 0) {
                return 0;
            }
            int from = at + "redis_version:".length();
            int to = from;
            while (to < info.length() && Character.isDigit(info.charAt(to))) {
                to++;
            }
            return to > from ? Integer.parseInt(info.substring(from, to)) : 0;
        } catch (JedisException | TransportException | NumberFormatException e) {
            log.debug("Agent {}: could not read the Redis version; replies go by script", agent.id(), e);
            return 0;
        }
    }

    private void ensureGroups() {
        try (Pipeline p = transport.connection().client().pipelined()) {
            List<redis.clients.jedis.Response<String>> created = new ArrayList<>();
            for (String stream : streams) {
                // From id 0: tasks sent before the agent first listened are taken too.
                created.add(p.xgroupCreate(stream, Keys.GROUP, new StreamEntryID(0, 0), true));
            }
            p.sync();
            for (redis.clients.jedis.Response<String> r : created) {
                try {
                    r.get();
                } catch (JedisDataException e) {
                    if (e.getMessage() == null || !e.getMessage().startsWith("BUSYGROUP")) {
                        throw e;
                    }
                }
            }
        }
    }

    private void run() {
        long maintainEvery = Math.max(TimeUnit.MILLISECONDS.toNanos(20), transport.settings().claimIdle().toNanos() / 3);
        long nextMaintenance = transport.ticker().read();
        boolean needGroups = false;
        boolean down = false;
        boolean idle = false;
        int failures = 0;
        while (open) {
            try {
                if (needGroups) {
                    ensureGroups();
                    needGroups = false;
                }
                long now = transport.ticker().read();
                if (now - nextMaintenance >= 0) {
                    touch();
                    reclaim();
                    nextMaintenance = now + maintainEvery;
                }
                long untilMaintenance = Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextMaintenance - transport.ticker().read()));
                int blockMillis = (int) Math.min(untilMaintenance, transport.settings().block().toMillis());
                if (!target.shared()) {
                    int covered = ownRound(blockMillis);
                    if (covered < 0) {
                        continue;
                    }
                    if (down) {
                        log.info("Agent {}: Redis at {} is reachable again", agent.id(), transport.settings().redacted());
                        down = false;
                    }
                    failures = 0;
                    deliverBuffered(covered);
                    continue;
                }
                // Inline replies free their slots once committed, which the next round trip does first.
                int free = capacity - inFlight.size() + inline.size();
                int want = free - buffer.size();
                int got;
                if (!inline.isEmpty() && idle) {
                    // The tasks came from a blocking read, so Redis had nothing else waiting: the
                    // replies go alone, or Redis would run the (probably empty) read before it
                    // flushed them to their callers.
                    commitInlineAndRead(0);
                    got = want > 0 ? readByPriority(want) : 0;
                } else if (!inline.isEmpty()) {
                    got = commitInlineAndRead(want);
                } else if (free <= 0) {
                    waitForSlot(Math.min(untilMaintenance, transport.settings().block().toMillis()));
                    continue;
                } else {
                    got = want > 0 ? readByPriority(want) : 0;
                }
                if (down) {
                    log.info("Agent {}: Redis at {} is reachable again", agent.id(), transport.settings().redacted());
                    down = false;
                }
                failures = 0;
                idle = want > 0 && got == 0 && buffer.isEmpty();
                if (idle) {
                    // Nothing waiting: block until something arrives on any level (or maintenance is due).
                    // What it brings is handed over at once, not after another scripted read: that read
                    // would put a round trip between the task's arrival and its handler.
                    blockingRead(blockMillis);
                }
                deliverBuffered(Integer.MAX_VALUE);
            } catch (JedisException | TransportException e) {
                if (!open) {
                    break;
                }
                if (e instanceof JedisException je) {
                    transport.connection().onFailure(je);
                }
                blocking.discard();
                if (!down) {
                    log.warn("Agent {}: Redis at {} failed while reading tasks ({}); retrying", agent.id(),
                            transport.settings().redacted(), e.getMessage());
                    down = true;
                }
                // After a restart without persistence the groups are gone (NOGROUP): re-create them, idempotently.
                needGroups = true;
                RedisTransport.pause(++failures);
            } catch (RuntimeException e) {
                log.warn("Agent {}: unexpected error in the task reader; carrying on", agent.id(), e);
                RedisTransport.pause(++failures);
            }
        }
        // Replies given just before close are still committed, by the committer, which stops after this thread.
        commits.addAll(inline);
        inline.clear();
    }

    /** Hands buffered entries to the receiver, highest priority first, while slots are free, at most {@code limit}. */
    private void deliverBuffered(int limit) {
        int free = capacity - inFlight.size();
        for (int taken = 0; free > 0 && taken < limit && !buffer.isEmpty() && open; taken++) {
            Held h = buffer.poll();
            bufferedAt[h.priority]--;
            buffered.remove(h.key);
            if (deliver(h)) {
                free--;
            }
        }
    }

    /**
     * One round trip on an agent's own streams: the inline replies are committed and, in the same
     * pipeline, new entries are read with one plain {@code XREADGROUP} over the levels that may
     * still be read, which blocks when nothing is buffered. Nobody else reads these streams (but a
     * restarted agent with the same id), so taking some of several levels at once takes nothing
     * from another agent: what arrives is ordered here, in the buffer, highest priority first.
     *
     * <p>A level is read only while fewer entries of it and above are buffered than there are free
     * slots, and the count is the free slots less what is buffered at the top level: so a task
     * that arrives is read before anything of a lower level is handed over, exactly as if the
     * buffer were still in Redis, and the buffer stays bounded (at most one read's worth, the
     * free slots, per level beyond the slots).
     *
     * <p>Returns how many slots the read was for, and so how many entries may be handed over
     * before the next read (a slot freed meanwhile is not: a task that arrived during the round
     * trip may outrank what is buffered), or -1 when it only waited for a slot.
     */
    private int ownRound(int blockMillis) {
        int free = capacity - inFlight.size() + inline.size();
        int levels = 0;
        int count = 0;
        int above = 0;
        for (int i = 0; i < Keys.LEVELS; i++) {
            above += bufferedAt[priorityOf(streams.get(i))];
            int room = free - above;
            if (room <= 0) {
                break;
            }
            if (i == 0) {
                count = room;
            }
            levels = i + 1;
        }
        if (inline.isEmpty() && levels == 0) {
            if (buffer.isEmpty() || capacity - inFlight.size() <= 0) {
                waitForSlot(blockMillis);
                return -1;
            }
            return free;
        }
        List<Commit> all = new ArrayList<>(inline);
        inline.clear();
        // Replies to reply streams this listener has written to already go as plain commands in one
        // MULTI; the others (a first reply to a stream, or Redis older than 7) by the script, which
        // finds out whether the key is a stream at all.
        List<Commit> plain = new ArrayList<>(all.size());
        List<Commit> scripted = new ArrayList<>();
        for (Commit c : all) {
            (plainCommits && knownReplyStreams.contains(c.held().task.replyTo()) ? plain : scripted).add(c);
        }
        List<ScriptedBatch> batches = scriptedBatches(scripted);
        // Block only with nothing to hand over: then the read returns as soon as a task arrives.
        boolean block = levels > 0 && buffer.isEmpty();
        Map<byte[], StreamEntryID> from = new LinkedHashMap<>();
        for (int i = 0; i < levels; i++) {
            from.put(streamKeys.get(i), StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY);
        }
        XReadGroupParams params = XReadGroupParams.xReadGroupParams().count(Math.max(1, count));
        if (block) {
            params.block(Math.max(1, blockMillis));
        }
        List<PlainCommit> transaction = new ArrayList<>(1);
        List<Response<List<Map.Entry<byte[], List<StreamEntryBinary>>>>> read = new ArrayList<>(1);
        try {
            blocking.pipelined(block, p -> {
                batches.forEach(b -> b.queue(p));
                if (!plain.isEmpty()) {
                    transaction.add(queuePlainCommits(p, plain));
                }
                if (!from.isEmpty()) {
                    read.add(p.xreadGroupBinary(GROUP_KEY, consumerKey, params, from));
                }
            });
        } catch (JedisException | TransportException e) {
            throw pipelineBroke(e, all);
        }
        RedisClient client = transport.connection().client();
        batches.forEach(b -> b.settle(client));
        if (!transaction.isEmpty()) {
            settlePlain(plain, transaction.get(0));
        }
        if (!read.isEmpty()) {
            List<Map.Entry<byte[], List<StreamEntryBinary>>> entries = read.get(0).get();
            if (entries != null) {
                for (Map.Entry<byte[], List<StreamEntryBinary>> stream : entries) {
                    String name = text(stream.getKey());
                    for (StreamEntryBinary entry : stream.getValue()) {
                        hold(name, entry, false);
                    }
                }
            }
        }
        return free;
    }

    /**
     * Queues replies to known reply streams as one transaction with the effect of
     * {@link Scripts#COMMIT_REPLIES} for each: {@code XADD} of every reply, {@code PEXPIRE … NX} of
     * each reply stream (gives an expiry to one this call created, after Redis lost it), the
     * dedupe marks with {@code SET … NX PX}, and one {@code XACK} per task stream. MULTI/EXEC keeps
     * it all or nothing: a reply Redis refuses to queue (out of memory, say) aborts the whole
     * transaction, and its entries stay pending for redelivery, unacknowledged. Plain commands
     * cost Redis about half what the script did per reply (no Lua call per command, no copy of
     * each reply into Lua). What the script did and this does not: it wrote no second reply for an
     * attempt already marked done (two consumers that both ran it); here the second reply is
     * written too, and the orchestrator drops it as late, as it drops any reply nobody waits for.
     * Returns the EXEC reply.
     */
    private PlainCommit queuePlainCommits(Pipeline p, List<Commit> plain) {
        p.sendCommand(Protocol.Command.MULTI, NO_ARGS);
        Map<String, List<byte[]>> acks = new LinkedHashMap<>();
        // The replies of a batch go to one or a few reply streams: each name is encoded once.
        Map<String, byte[]> replyKeys = new LinkedHashMap<>();
        long replyTtl = transport.settings().replyTtl().toMillis();
        for (Commit c : plain) {
            byte[] key = replyKeys.computeIfAbsent(c.held().task.replyTo(), Script::bytes);
            // Raw arguments: what XAddParams and a field map would be turned into, without building them per reply.
            p.sendCommand(Args.command(Protocol.Command.XADD, key, NEW_ID, WireCodec.REPLY_FIELD_BYTES, c.reply()));
        }
        for (byte[] key : replyKeys.values()) {
            p.pexpire(key, replyTtl, ExpiryOption.NX);
        }
        for (Commit c : plain) {
            p.sendCommand(Args.command(Protocol.Command.SET, Script.bytes(c.doneKey()), DONE_VALUE, NX, PX,
                    Protocol.toByteArray(c.doneTtlMillis())));
            acks.computeIfAbsent(c.held().stream, k -> new ArrayList<>()).add(Script.bytes(c.held().entry.getID().toString()));
        }
        for (Map.Entry<String, List<byte[]>> e : acks.entrySet()) {
            p.xack(streamKeys.get(levelIndex(e.getKey())), GROUP_KEY, e.getValue().toArray(new byte[0][]));
        }
        return new PlainCommit(p.sendCommand(Protocol.Command.EXEC, NO_ARGS), replyKeys.size());
    }

    /** The EXEC of {@link #queuePlainCommits} and how many reply streams it expires (one PEXPIRE each). */
    private record PlainCommit(Response<Object> exec, int replyStreams) {
    }

    /** Counts and frees the slots of the replies of {@link #queuePlainCommits}, by the EXEC reply. */
    private void settlePlain(List<Commit> plain, PlainCommit commit) {
        Object outcome;
        try {
            outcome = commit.exec().get();
        } catch (JedisDataException e) {
            outcome = e;
        }
        if (!(outcome instanceof List<?> results) || results.size() < plain.size()) {
            // EXECABORT (a command was refused while queued) or a discarded transaction: nothing ran.
            log.warn("Agent {}: Redis refused {} replies ({}); their entries stay pending and will be redelivered", agent.id(),
                    plain.size(), outcome instanceof Throwable t ? t.getMessage() : outcome);
            for (Commit c : plain) {
                settled(c.held());
            }
            return;
        }
        int distinct = commit.replyStreams();
        for (int i = 0; i < plain.size(); i++) {
            Commit c = plain.get(i);
            if (results.get(i) instanceof JedisDataException refused) {
                // The key was a stream when this listener last wrote to it and is something else now.
                log.warn("Agent {}: Redis refused the reply to task {} on {} ({}); it is lost and its caller will time out", agent.id(),
                        c.held().task.taskId(), c.held().task.replyTo(), refused.getMessage());
                knownReplyStreams.remove(c.held().task.replyTo());
            } else if (results.get(plain.size() + distinct + i) == null) {
                transport.duplicatesSkipped.increment(); // a reply to an attempt another consumer had answered
            }
            settled(c.held());
        }
    }

    /** Reads up to {@code count} new entries, highest priority stream first, in one atomic script. */
    private int readByPriority(int count) {
        List<byte[]> args = readArgs(count);
        return holdRead(Scripts.READ.run(transport.connection().client(), streamKeys, args));
    }

    private List<byte[]> readArgs(int count) {
        return Script.bytes(List.of(Keys.GROUP, consumer, String.valueOf(count)));
    }

    /**
     * Commits the inline replies and, in the same pipeline, reads up to {@code want} new entries:
     * the commits run first, so the slots they free are free when the read runs.
     */
    private int commitInlineAndRead(int want) {
        RedisClient client = transport.connection().client();
        List<Commit> all = new ArrayList<>(inline);
        inline.clear();
        List<ScriptedBatch> batches = scriptedBatches(all);
        List<byte[]> readArgs = want > 0 ? readArgs(want) : null;
        Response<Object> read = null;
        try (Pipeline p = client.pipelined()) {
            batches.forEach(b -> b.queue(p));
            if (readArgs != null) {
                read = Scripts.READ.queue(p, streamKeys, readArgs);
            }
            p.sync();
        } catch (JedisException | TransportException e) {
            throw pipelineBroke(e, all);
        }
        batches.forEach(b -> b.settle(client));
        return read == null ? 0 : holdRead(Scripts.READ.result(read, client, streamKeys, readArgs));
    }

    /**
     * After a pipeline of commits broke: what it did is unknown, so each reply is committed alone,
     * with the retries of a single reply. Returns the failure, for the caller to throw.
     */
    private RuntimeException pipelineBroke(RuntimeException e, List<Commit> commits) {
        if (e instanceof JedisException je) {
            transport.connection().onFailure(je);
        }
        for (Commit c : commits) {
            commitOne(c);
        }
        return e;
    }

    /** Replies cut into script calls of at most {@link #COMMIT_BATCH}: one call holds Redis for all of its replies. */
    private List<ScriptedBatch> scriptedBatches(List<Commit> commits) {
        List<ScriptedBatch> out = new ArrayList<>(commits.size() / COMMIT_BATCH + 1);
        for (int from = 0; from < commits.size(); from += COMMIT_BATCH) {
            out.add(new ScriptedBatch(commits.subList(from, Math.min(commits.size(), from + COMMIT_BATCH))));
        }
        return out;
    }

    /** The replies of one {@link Scripts#COMMIT_BATCH} call queued in a pipeline, settled once it has run. */
    private final class ScriptedBatch {
        private final List<Commit> commits;
        private final List<byte[]> keys;
        private final List<byte[]> args;
        private Response<Object> response;

        ScriptedBatch(List<Commit> commits) {
            this.commits = commits;
            this.keys = batchKeys(commits);
            this.args = batchArgs(commits);
        }

        void queue(Pipeline p) {
            response = Scripts.COMMIT_BATCH.queue(p, keys, args);
        }

        void settle(RedisClient client) {
            settleBatch(commits, response, client, keys, args);
        }
    }

    /** Holds the entries of a {@link Scripts#READ_BY_PRIORITY} result; returns how many. */
    private int holdRead(Object result) {
        int got = 0;
        if (result instanceof List<?> rows) {
            for (Object row : rows) {
                List<?> r = (List<?>) row;
                String stream = text(r.get(0));
                StreamEntryID id = new StreamEntryID(text(r.get(1)));
                Map<byte[], byte[]> fields = new LinkedHashMap<>();
                List<?> flat = (List<?>) r.get(2);
                for (int i = 0; i + 1 < flat.size(); i += 2) {
                    fields.put(raw(flat.get(i)), raw(flat.get(i + 1)));
                }
                hold(stream, new StreamEntryBinary(id, fields), false);
                got++;
            }
        }
        return got;
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8) : String.valueOf(o);
    }

    private static byte[] raw(Object o) {
        return o instanceof byte[] b ? b : Script.bytes(String.valueOf(o));
    }

    /** Blocks until some stream has a new entry; takes at most one per stream. */
    private void blockingRead(int blockMillis) {
        XReadGroupParams params = XReadGroupParams.xReadGroupParams().count(1).block(Math.max(1, blockMillis));
        Map<byte[], StreamEntryID> from = new LinkedHashMap<>();
        for (byte[] stream : streamKeys) {
            from.put(stream, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY);
        }
        List<Map.Entry<byte[], List<StreamEntryBinary>>> read = blocking.run(c -> c.xreadGroupBinary(GROUP_KEY, consumerKey, params, from));
        if (read == null) {
            return;
        }
        for (Map.Entry<byte[], List<StreamEntryBinary>> stream : read) {
            String name = text(stream.getKey());
            for (StreamEntryBinary entry : stream.getValue()) {
                hold(name, entry, false);
            }
        }
    }

    private void hold(String stream, StreamEntryBinary entry, boolean redelivered) {
        int priority = priorityOf(stream);
        EntryKey key = new EntryKey(priority, entry.getID().getTime(), entry.getID().getSequence());
        if (inFlight.containsKey(key) || !buffered.add(key)) {
            return; // our own entry, reclaimed because a touch came late: it is being handled already
        }
        bufferedAt[priority]++;
        buffer.add(new Held(key, stream, entry, priority, sequence.incrementAndGet(), redelivered));
    }

    /** Index in {@link #streams} (highest priority first) of one of this listener's streams. */
    private int levelIndex(String stream) {
        int i = streams.size() - 1 - priorityOf(stream);
        return streams.get(i).equals(stream) ? i : streams.indexOf(stream);
    }

    private static int priorityOf(String stream) {
        return stream.charAt(stream.length() - 1) - '0';
    }

    /** Hands one entry to the receiver; false when it was not a task to run (malformed, duplicate). */
    private boolean deliver(Held h) {
        TaskEnvelope task;
        try {
            if (h.entry.getFields() == null) {
                return false; // deleted while pending (trimmed, or failed over by its orchestrator)
            }
            byte[] json = WireCodec.field(h.entry.getFields(), WireCodec.TASK_FIELD_BYTES);
            // Without the field, the text decoder throws the error that names it.
            task = json == null ? WireCodec.decodeTask(WireCodec.text(h.entry.getFields())) : WireCodec.decodeTask(json);
            String replyTo = task.replyTo();
            ValidationException.require(replyTo.startsWith(replyPrefix), "replyTo", "must be a reply stream under '" + replyPrefix + "'",
                    replyTo);
        } catch (ValidationException e) {
            rejectMalformed(h, e.getMessage());
            return false;
        }
        String done = transport.keys().done(task.taskId(), task.attempt());
        if (h.redelivered) {
            transport.reclaimed.increment();
            if (transport.connection().client().exists(done)) {
                transport.duplicatesSkipped.increment();
                transport.connection().client().xack(h.stream, Keys.GROUP, h.entry.getID());
                log.debug("Agent {}: attempt {} of task {} was already answered; acknowledged its redelivery", agent.id(),
                        task.attempt(), task.taskId());
                return false;
            }
        }
        h.task = task;
        inFlight.put(h.key, h);
        AtomicBoolean answered = new AtomicBoolean();
        try {
            receiver.onTask(task, result -> {
                if (answered.compareAndSet(false, true)) {
                    commit(h, done, result);
                }
            });
        } catch (RuntimeException e) {
            log.warn("Agent {}: receiver threw on task {}; answering with a retryable failure", agent.id(), task.taskId(), e);
            if (answered.compareAndSet(false, true)) {
                commit(h, done, ResultEnvelope.failure(task.taskId(), agent.id(), "agent-error",
                        "Agent '" + agent.id() + "' failed to accept the task: " + e, true));
            }
        }
        return true;
    }

    private void rejectMalformed(Held h, String reason) {
        Map<String, String> fields = h.entry.getFields() == null ? null : WireCodec.text(h.entry.getFields());
        transport.deadLetter(h.stream, new StreamEntry(h.entry.getID(), fields), reason);
        try {
            WireCodec.Reply salvage = fields == null ? null
                    : WireCodec.salvageAddress(fields, agent.id(), "Malformed task entry: " + reason);
            String replyTo = fields == null ? null : WireCodec.salvageReplyTo(fields);
            if (salvage != null && replyTo != null && replyTo.startsWith(replyPrefix)) {
                // Its caller would otherwise wait for its timeout: tell it now, once.
                Scripts.COMMIT.run(transport.connection().client(),
                        Script.bytes(List.of(replyTo, h.stream, transport.keys().done(salvage.result().taskId(), salvage.attempt()))),
                        Script.bytes(List.of(Keys.GROUP, h.entry.getID().toString(), WireCodec.encodeReply(salvage.result(), salvage.attempt()),
                                String.valueOf(transport.settings().dedupeTtl().toMillis()),
                                String.valueOf(transport.settings().replyTtl().toMillis()))));
            } else {
                transport.connection().client().xack(h.stream, Keys.GROUP, h.entry.getID());
            }
        } catch (JedisException | TransportException e) {
            log.debug("Agent {}: could not acknowledge malformed entry {}", agent.id(), h.entry.getID(), e);
        }
    }

    /** One reply to commit: the reply, the dedupe mark (kept {@code doneTtl} ms) and the XACK of its entry, atomically. */
    private record Commit(Held held, String doneKey, byte[] reply, long doneTtlMillis) {
        byte[] doneTtl() {
            return Script.bytes(String.valueOf(doneTtlMillis));
        }
    }

    /**
     * How long the dedupe mark of {@code task}'s attempt is kept: while a second copy of the
     * attempt may still be running somewhere (redelivered to another consumer), which ends a grace
     * period after the task's deadline, and at most {@code dedupeTtl}. Past its deadline a copy
     * is refused unrun, and a second reply would only count as late at the orchestrator; a mark
     * per task kept for the whole {@code dedupeTtl} was gigabytes of Redis at tens of thousands of
     * tasks a second.
     */
    static long doneTtlMillis(long deadlineEpochMillis, long nowMillis, long dedupeTtlMillis) {
        if (deadlineEpochMillis <= 0) {
            return dedupeTtlMillis;
        }
        long untilDeadline = deadlineEpochMillis - nowMillis;
        return Math.max(DONE_GRACE_MILLIS, Math.min(dedupeTtlMillis, untilDeadline + DONE_GRACE_MILLIS));
    }

    /**
     * Queues the reply for commit: on the reader thread (the handler answered inline) the reader
     * commits it with its next read; from any other thread the committer does, batching the
     * replies of many handlers into one script call: a handler thread per reply blocking on its
     * own EVAL was most of what the agent side cost at 64 tasks in flight, and the scheduling of
     * those threads made the tail.
     */
    private void commit(Held h, String doneKey, ResultEnvelope result) {
        if (!open) {
            // Stopped without grace, like a crash: leave the entry pending so it is redelivered.
            log.debug("Agent {}: listener closed; reply to task {} not sent, its entry stays pending", agent.id(), h.task.taskId());
            settled(h);
            return;
        }
        long ttl = doneTtlMillis(h.task.deadlineEpochMillis(), transport.wallClock().millis(), transport.settings().dedupeTtl().toMillis());
        Commit c = new Commit(h, doneKey, WireCodec.encodeReplyBytes(result, h.task.attempt()), ttl);
        if (Thread.currentThread() == thread) {
            inline.add(c);
        } else {
            commits.add(c);
        }
    }

    private void commitLoop() {
        List<Commit> batch = new ArrayList<>(COMMIT_BATCH);
        while (committing || !commits.isEmpty()) {
            try {
                if (!Batches.take(commits, batch, COMMIT_BATCH, 100)) {
                    continue;
                }
            } catch (InterruptedException e) {
                break;
            }
            commitBatch(batch);
        }
        // Closed without grace meanwhile: what is left stays pending and is redelivered.
        Commit c;
        while ((c = commits.poll()) != null) {
            settled(c.held());
        }
    }

    private void commitBatch(List<Commit> all) {
        List<Commit> batch = new ArrayList<>(all.size());
        List<Commit> plain = new ArrayList<>(all.size());
        for (Commit c : all) {
            (plainCommits && knownReplyStreams.contains(c.held().task.replyTo()) ? plain : batch).add(c);
        }
        if (!plain.isEmpty()) {
            PlainCommit exec;
            try (Pipeline p = transport.connection().client().pipelined()) {
                exec = queuePlainCommits(p, plain);
                p.sync();
            } catch (JedisException | TransportException e) {
                if (e instanceof JedisException je) {
                    transport.connection().onFailure(je);
                }
                for (Commit c : plain) {
                    commitOne(c);
                }
                exec = null;
            }
            if (exec != null) {
                settlePlain(plain, exec);
            }
        }
        if (batch.isEmpty()) {
            return;
        }
        RedisClient client;
        List<byte[]> keys = batchKeys(batch);
        List<byte[]> args = batchArgs(batch);
        Object outcome;
        try {
            client = transport.connection().client();
            outcome = Scripts.COMMIT_BATCH.run(client, keys, args);
        } catch (JedisException | TransportException e) {
            if (e instanceof JedisException je) {
                transport.connection().onFailure(je);
            }
            // The call failed: commit one by one, each with the retries of a single reply.
            for (Commit c : batch) {
                commitOne(c);
            }
            return;
        }
        settle(batch, outcome);
    }

    /** KEYS of {@link Scripts#COMMIT_REPLIES}: reply stream, task stream and done key of each reply. */
    private static List<byte[]> batchKeys(List<Commit> batch) {
        List<byte[]> keys = new ArrayList<>(batch.size() * 3);
        for (Commit c : batch) {
            keys.add(Script.bytes(c.held().task.replyTo()));
            keys.add(Script.bytes(c.held().stream));
            keys.add(Script.bytes(c.doneKey()));
        }
        return keys;
    }

    /** ARGV of {@link Scripts#COMMIT_REPLIES}: group and reply stream TTL, then entry id, reply and done TTL of each. */
    private List<byte[]> batchArgs(List<Commit> batch) {
        List<byte[]> args = new ArrayList<>(3 + batch.size() * 2);
        args.add(GROUP_KEY);
        args.add(Script.bytes(String.valueOf(transport.settings().replyTtl().toMillis())));
        for (Commit c : batch) {
            args.add(Script.bytes(c.held().entry.getID().toString()));
            args.add(c.reply());
            args.add(c.doneTtl());
        }
        return args;
    }

    /** Settles the replies of a pipelined batch commit, once its pipeline has run. */
    private void settleBatch(List<Commit> batch, Response<Object> committed, RedisClient client, List<byte[]> keys, List<byte[]> args) {
        Object outcome;
        try {
            outcome = Scripts.COMMIT_BATCH.result(committed, client, keys, args);
        } catch (JedisException | TransportException e) {
            if (e instanceof JedisException je) {
                transport.connection().onFailure(je);
            }
            for (Commit c : batch) {
                commitOne(c);
            }
            return;
        }
        settle(batch, outcome);
    }

    /** Counts and frees the slots of a batch by the per-reply outcomes of {@link Scripts#COMMIT_REPLIES}. */
    private void settle(List<Commit> batch, Object outcome) {
        List<?> results = outcome instanceof List<?> l ? l : List.of();
        for (int i = 0; i < batch.size(); i++) {
            Commit c = batch.get(i);
            Object result = i < results.size() ? results.get(i) : null;
            if (Long.valueOf(0).equals(result)) {
                transport.duplicatesSkipped.increment();
            } else if (result instanceof Long written && written > 0) {
                learnReplyStream(c.held().task.replyTo());
            } else {
                // Redis refused this reply (its reply key is not a stream?): nothing was written or
                // acknowledged, so the entry stays pending and is redelivered after claimIdle.
                log.warn("Agent {}: Redis refused the reply to task {} on {}; its entry stays pending and will be redelivered",
                        agent.id(), c.held().task.taskId(), c.held().task.replyTo());
            }
            settled(c.held());
        }
    }

    /** Remembers a key the script wrote a reply to: it is a stream, so plain commands may write there. */
    private void learnReplyStream(String replyTo) {
        if (!plainCommits) {
            return;
        }
        if (knownReplyStreams.size() >= MAX_KNOWN_REPLY_STREAMS) {
            knownReplyStreams.clear();
        }
        knownReplyStreams.add(replyTo);
    }

    /** Commits one reply; retried briefly when Redis is away, then left pending for redelivery. */
    private void commitOne(Commit c) {
        try {
            for (int attempt = 1; ; attempt++) {
                try {
                    Held h = c.held();
                    Object outcome = Scripts.COMMIT.run(transport.connection().client(),
                            Script.bytes(List.of(h.task.replyTo(), h.stream, c.doneKey())),
                            List.of(GROUP_KEY, Script.bytes(h.entry.getID().toString()), c.reply(), c.doneTtl(),
                                    Script.bytes(String.valueOf(transport.settings().replyTtl().toMillis()))));
                    if (Long.valueOf(0).equals(outcome)) {
                        transport.duplicatesSkipped.increment();
                    }
                    return;
                } catch (JedisException | TransportException e) {
                    if (e instanceof JedisException je) {
                        transport.connection().onFailure(je);
                    }
                    if (attempt >= 8 || !committing || transport.isClosed()) {
                        log.warn("Agent {}: could not send the reply to task {} ({}); its entry stays pending and will be redelivered",
                                agent.id(), c.held().task.taskId(), e.getMessage());
                        return;
                    }
                    RedisTransport.pause(attempt);
                }
            }
        } finally {
            settled(c.held());
        }
    }

    /** The entry is answered (or given up): its slot is free. */
    private void settled(Held h) {
        inFlight.remove(h.key);
        synchronized (slots) {
            slots.notifyAll();
        }
    }

    private void waitForSlot(long millis) {
        synchronized (slots) {
            if (inFlight.size() >= capacity && open) {
                try {
                    slots.wait(Math.max(1, millis));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    open = false;
                }
            }
        }
    }

    /** Resets the idle time of every entry this consumer holds, so nobody reclaims work in progress. */
    private void touch() {
        Map<String, List<StreamEntryID>> byStream = new LinkedHashMap<>();
        for (Held h : inFlight.values()) {
            byStream.computeIfAbsent(h.stream, s -> new ArrayList<>()).add(h.entry.getID());
        }
        for (Held h : buffer) {
            byStream.computeIfAbsent(h.stream, s -> new ArrayList<>()).add(h.entry.getID());
        }
        for (Map.Entry<String, List<StreamEntryID>> e : byStream.entrySet()) {
            transport.connection().client().xclaimJustId(e.getKey(), Keys.GROUP, consumer, 0, XClaimParams.xClaimParams(),
                    e.getValue().toArray(new StreamEntryID[0]));
        }
    }

    /** Takes over entries another consumer (a crashed one) left idle for longer than claimIdle. */
    private void reclaim() {
        int free = capacity - inFlight.size() - buffer.size();
        if (free <= 0) {
            return;
        }
        long idle = transport.settings().claimIdle().toMillis();
        for (String stream : streams) {
            Map.Entry<StreamEntryID, List<StreamEntry>> claimed = transport.connection().client().xautoclaim(stream, Keys.GROUP, consumer,
                    idle, new StreamEntryID(0, 0), XAutoClaimParams.xAutoClaimParams().count(free));
            if (claimed == null) {
                continue;
            }
            for (StreamEntry entry : claimed.getValue()) {
                if (entry != null && entry.getFields() != null) {
                    Map<byte[], byte[]> fields = new LinkedHashMap<>();
                    entry.getFields().forEach((k, v) -> fields.put(Script.bytes(k), Script.bytes(v)));
                    hold(stream, new StreamEntryBinary(entry.getID(), fields), true);
                    free--;
                }
            }
            if (free <= 0) {
                return;
            }
        }
    }

    @Override
    public void close() {
        if (!open) {
            return;
        }
        open = false;
        synchronized (slots) {
            slots.notifyAll();
        }
        blocking.close(); // ends a blocking read at once
        RedisTransport.join(thread);
        // Replies handed over before close are still committed; the committer then stops.
        committing = false;
        RedisTransport.join(committer);
        transport.forget(this);
        releaseBuffered();
        deleteConsumerIfIdle();
        log.debug("Consumer {} stopped", consumer);
    }

    /**
     * Entries read but never handed over stay in this consumer's pending list: mark them idle for
     * claimIdle already, so the next consumer reclaims them at once instead of after a wait.
     */
    private void releaseBuffered() {
        try {
            // One call per stream: on its own streams an agent may hold several times its slots.
            Map<String, List<StreamEntryID>> byStream = new LinkedHashMap<>();
            for (Held h : buffer) {
                byStream.computeIfAbsent(h.stream, k -> new ArrayList<>()).add(h.entry.getID());
            }
            for (Map.Entry<String, List<StreamEntryID>> e : byStream.entrySet()) {
                transport.connection().client().xclaimJustId(e.getKey(), Keys.GROUP, consumer, 0,
                        XClaimParams.xClaimParams().idle(transport.settings().claimIdle().toMillis()),
                        e.getValue().toArray(new StreamEntryID[0]));
            }
        } catch (JedisException | TransportException e) {
            log.debug("Could not release the entries consumer {} read ahead", consumer, e);
        }
        buffer.clear();
        buffered.clear();
        java.util.Arrays.fill(bufferedAt, 0);
    }

    /** Removes this consumer from the group when it holds nothing, so groups do not collect dead consumers. */
    private void deleteConsumerIfIdle() {
        try {
            for (String stream : streams) {
                List<StreamPendingEntry> mine = transport.connection().client().xpending(stream, Keys.GROUP,
                        XPendingParams.xPendingParams("-", "+", 1).consumer(consumer));
                if (mine == null || mine.isEmpty()) {
                    transport.connection().client().xgroupDelConsumer(stream, Keys.GROUP, consumer);
                }
            }
        } catch (JedisException | TransportException e) {
            log.debug("Could not remove consumer {}", consumer, e);
        }
    }

    /**
     * Identifies an entry among this consumer's streams: its level and id. Numbers, so the maps of
     * held entries hash three fields rather than a string of stream name and id built per entry.
     */
    private record EntryKey(int priority, long time, long sequence) {
    }

    /** One entry this consumer holds. */
    private static final class Held {
        final EntryKey key;
        final String stream;
        final StreamEntryBinary entry;
        final int priority;
        final long sequence;
        final boolean redelivered;
        volatile TaskEnvelope task;

        Held(EntryKey key, String stream, StreamEntryBinary entry, int priority, long sequence, boolean redelivered) {
            this.key = key;
            this.stream = stream;
            this.entry = entry;
            this.priority = priority;
            this.sequence = sequence;
            this.redelivered = redelivered;
        }
    }
}
