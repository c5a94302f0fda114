package io.agentorchestrator.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskEnvelope;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamEntry;

/** The batched reply commit and the scripts run by digest, against a real Redis. */
class RedisCommitIT {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String PREFIX = TestRedis.uniquePrefix("commit");
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final RedisClient redis = TestRedis.client();
    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable r : resources) {
            r.close();
        }
        redis.close();
    }

    @AfterAll
    static void deleteKeys() {
        TestRedis.deleteKeys(PREFIX);
    }

    /** Adds {@code n} entries to a fresh task stream and reads them as consumer "c"; returns their ids. */
    private List<StreamEntryID> taken(String stream, int n) {
        redis.xgroupCreate(stream, Keys.GROUP, new StreamEntryID(0, 0), true);
        for (int i = 0; i < n; i++) {
            redis.xadd(stream, StreamEntryID.NEW_ENTRY, Map.of("task", "{}"));
        }
        List<StreamEntryID> ids = new ArrayList<>();
        for (StreamEntry e : redis.xreadGroup(Keys.GROUP, "c", XReadGroupParams.xReadGroupParams().count(n),
                Map.of(stream, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY)).get(0).getValue()) {
            ids.add(e.getID());
        }
        return ids;
    }

    private Object commit(List<String> replyStreams, String stream, List<StreamEntryID> ids, List<String> doneKeys) {
        List<String> keys = new ArrayList<>();
        List<String> args = new ArrayList<>(List.of(Keys.GROUP, "60000"));
        for (int i = 0; i < ids.size(); i++) {
            keys.add(replyStreams.get(i));
            keys.add(stream);
            keys.add(doneKeys.get(i));
            args.add(ids.get(i).toString());
            args.add("{\"reply\":" + i + "}");
            args.add(String.valueOf(60_000 + i * 1_000));
        }
        return Scripts.COMMIT_BATCH.run(redis, Script.bytes(keys), Script.bytes(args));
    }

    @Test
    void aBatchWritesEachReplyOnceAndAcknowledgesEveryEntry() {
        String stream = PREFIX + ":agent:a-" + run + ":p5";
        String replies = PREFIX + ":replies:" + run;
        redis.xadd(replies, StreamEntryID.NEW_ENTRY, Map.of("open", "1"));
        List<StreamEntryID> ids = taken(stream, 2);
        List<String> done = List.of(PREFIX + ":done:t1-" + run + ":1", PREFIX + ":done:t2-" + run + ":1");

        assertThat(commit(List.of(replies, replies), stream, ids, done)).isEqualTo(List.of(1L, 1L));
        // The same replies again (a redelivered copy answered twice): acknowledged, not written again.
        assertThat(commit(List.of(replies, replies), stream, ids, done)).isEqualTo(List.of(0L, 0L));

        assertThat(redis.xlen(replies)).isEqualTo(3); // the opening entry and one per reply
        assertThat(redis.xpending(stream, Keys.GROUP).getTotal()).isZero();
        // Each reply's mark lives as long as its own TTL says.
        assertThat(redis.pttl(done.get(0))).isBetween(50_000L, 60_000L);
        assertThat(redis.pttl(done.get(1))).isBetween(51_000L, 61_000L);
    }

    @Test
    void aReplyStreamThatIsGoneIsCreatedWithAnExpiry() {
        String stream = PREFIX + ":agent:b-" + run + ":p5";
        String replies = PREFIX + ":replies:gone-" + run;
        List<StreamEntryID> ids = taken(stream, 2);

        Object outcome = commit(List.of(replies, replies), stream, ids,
                List.of(PREFIX + ":done:g1-" + run + ":1", PREFIX + ":done:g2-" + run + ":1"));

        assertThat(outcome).isEqualTo(List.of(2L, 1L));
        assertThat(redis.xlen(replies)).isEqualTo(2);
        assertThat(redis.pttl(replies)).isPositive();
    }

    @Test
    void aReplyRedisRefusesStaysPendingWithItsDoneMarkFreeAndTheOthersGoThrough() {
        String stream = PREFIX + ":agent:c-" + run + ":p5";
        String replies = PREFIX + ":replies:" + run + "-ok";
        String broken = PREFIX + ":replies:" + run + "-broken";
        redis.set(broken, "not a stream");
        List<StreamEntryID> ids = taken(stream, 2);
        List<String> done = List.of(PREFIX + ":done:r1-" + run + ":1", PREFIX + ":done:r2-" + run + ":1");

        Object outcome = commit(List.of(broken, replies), stream, ids, done);

        assertThat(outcome).isEqualTo(List.of(-1L, 2L));
        // Not marked answered, so its redelivery runs the handler again instead of dropping the reply.
        assertThat(redis.exists(done.get(0))).isFalse();
        assertThat(redis.exists(done.get(1))).isTrue();
        assertThat(redis.xpending(stream, Keys.GROUP).getTotal()).isEqualTo(1);
        assertThat(redis.xlen(replies)).isEqualTo(1);
    }

    @Test
    void scriptsRunAgainAfterTheServerForgetsThem() {
        String stream = PREFIX + ":agent:d-" + run + ":p5";
        String replies = PREFIX + ":replies:flush-" + run;
        List<StreamEntryID> ids = taken(stream, 1);
        redis.sendCommand(Protocol.Command.SCRIPT, "FLUSH");

        assertThat(commit(List.of(replies), stream, ids, List.of(PREFIX + ":done:f-" + run + ":1"))).isEqualTo(List.of(2L));
        assertThat(redis.xpending(stream, Keys.GROUP).getTotal()).isZero();
    }

    @Test
    void aHandlerThatAnswersInlineHasEveryReplyCommittedAndAcknowledged() throws Exception {
        RedisTransport orchestratorSide = transport();
        RedisTransport agentSide = transport();
        AgentDescriptor agent = AgentDescriptor.builder("inline-" + run).capability("echo").endpoint("redis:inline-" + run)
                .maxConcurrency(4).build();
        AtomicInteger runs = new AtomicInteger();
        track(agentSide.listen(agent, (task, reply) -> {
            runs.incrementAndGet();
            reply.reply(ResultEnvelope.success(task.taskId(), agent.id(), task.payload()));
        }));
        List<java.util.concurrent.CompletableFuture<ResultEnvelope>> replies = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            Task task = Task.builder("echo").payload("n" + i).priority(i % 3 * 4).build();
            replies.add(orchestratorSide.send(agent, TaskEnvelope.of(task, System.currentTimeMillis() + PATIENCE.toMillis(), 1, null)));
        }
        for (int i = 0; i < replies.size(); i++) {
            assertThat(replies.get(i).get(PATIENCE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).payload().asUtf8())
                    .isEqualTo("n" + i);
        }
        assertThat(runs.get()).isEqualTo(50);
        await().atMost(PATIENCE).untilAsserted(() -> {
            long pending = 0;
            for (String stream : new Keys(PREFIX).target(agent).streamsHighestFirst()) {
                pending += redis.xpending(stream, Keys.GROUP).getTotal();
            }
            assertThat(pending).isZero();
        });
    }

    @Test
    void anAnsweredAttemptIsRememberedUntilAMinutePastItsDeadlineAndATaskWithoutOneForDedupeTtl() throws Exception {
        java.time.Clock clock = java.time.Clock.fixed(java.time.Instant.parse("2026-11-25T12:00:00Z"), java.time.ZoneOffset.UTC);
        RedisTransport orchestratorSide = transport();
        RedisTransport agentSide = track(new RedisTransport(RedisSettings.parse(TestRedis.uri("prefix=" + PREFIX + "&dedupeTtl=1h")),
                io.agentorchestrator.api.Ticker.system(), clock));
        AgentDescriptor agent = AgentDescriptor.builder("ttl-" + run).capability("echo").endpoint("redis:ttl-" + run).build();
        track(agentSide.listen(agent, (task, reply) -> reply.reply(ResultEnvelope.success(task.taskId(), agent.id(), task.payload()))));
        Keys keys = new Keys(PREFIX);

        Task soon = Task.of("echo", "deadline in 10 s");
        orchestratorSide.send(agent, TaskEnvelope.of(soon, clock.millis() + 10_000, 1, null)).get(PATIENCE.toSeconds(),
                java.util.concurrent.TimeUnit.SECONDS);
        Task open = Task.of("echo", "no deadline");
        orchestratorSide.send(agent, TaskEnvelope.of(open, 0, 1, null)).get(PATIENCE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);

        // 10 s to the deadline (by the agent's clock) plus the minute of grace; not the hour of dedupeTtl.
        assertThat(redis.pttl(keys.done(soon.id(), 1))).isBetween(60_000L, 70_000L);
        assertThat(redis.pttl(keys.done(open.id(), 1))).isBetween(3_500_000L, 3_600_000L);
    }

    @Test
    void aReplyStreamLostAfterTheAgentFirstWroteToItIsCreatedAgainWithAnExpiry() throws Exception {
        RedisTransport orchestratorSide = transport();
        RedisTransport agentSide = transport();
        AgentDescriptor agent = AgentDescriptor.builder("lost-" + run).capability("echo").endpoint("redis:lost-" + run).build();
        track(agentSide.listen(agent, (task, reply) -> reply.reply(ResultEnvelope.success(task.taskId(), agent.id(), task.payload()))));
        // The first reply is written by the script, which learns the key is a stream; later ones go as plain commands.
        orchestratorSide.send(agent, TaskEnvelope.of(Task.of("echo", "first"), 0, 1, null)).get(PATIENCE.toSeconds(),
                java.util.concurrent.TimeUnit.SECONDS);
        redis.del(orchestratorSide.replyStream());

        Task second = Task.of("echo", "second");
        ResultEnvelope answer = orchestratorSide.send(agent, TaskEnvelope.of(second, 0, 1, null)).get(PATIENCE.toSeconds(),
                java.util.concurrent.TimeUnit.SECONDS);

        assertThat(answer.payload().asUtf8()).isEqualTo("second");
        // Created again by the agent's reply, with the reply stream's expiry, so it cannot outlive its reader for ever.
        assertThat(redis.pttl(orchestratorSide.replyStream())).isBetween(1L, 600_000L);
        assertThat(redis.exists(new Keys(PREFIX).done(second.id(), 1))).isTrue();
        assertThat(redis.xpending(PREFIX + ":agent:" + agent.id() + ":p" + second.priority(), Keys.GROUP).getTotal()).isZero();
    }

    @Test
    void aReplyStreamMadeAgainInTheMillisecondOfTheLastReplyReadIsReadFromItsStart() throws Exception {
        RedisTransport orchestratorSide = transport();
        RedisTransport agentSide = transport();
        AgentDescriptor agent = AgentDescriptor.builder("remade-" + run).capability("echo").endpoint("redis:remade-" + run).build();
        List<TaskEnvelope> unanswered = new java.util.concurrent.CopyOnWriteArrayList<>();
        track(agentSide.listen(agent, (task, reply) -> {
            if (task.payload().asUtf8().equals("first")) {
                reply.reply(ResultEnvelope.success(task.taskId(), agent.id(), task.payload()));
            } else {
                unanswered.add(task);
            }
        }));
        orchestratorSide.send(agent, TaskEnvelope.of(Task.of("echo", "first"), 0, 1, null)).get(PATIENCE.toSeconds(),
                java.util.concurrent.TimeUnit.SECONDS);
        String lastRead = redis.xrevrange(orchestratorSide.replyStream(), (StreamEntryID) null, null, 1).get(0).getID().toString();
        var second = orchestratorSide.send(agent, TaskEnvelope.of(Task.of("echo", "second"), 0, 1, null));
        await().atMost(PATIENCE).until(() -> unanswered.size() == 1);

        // What Redis does when the stream is deleted and an agent's reply makes it again within one
        // millisecond: the new stream's first entry repeats the id of the last reply read (here at once,
        // in one script, so that nothing writes to the stream in between).
        TaskEnvelope task = unanswered.get(0);
        byte[] answer = io.agentorchestrator.core.wire.EnvelopeCodec.encodeResult(
                ResultEnvelope.success(task.taskId(), agent.id(), io.agentorchestrator.api.Payload.ofUtf8("answered")).withAttempt(1));
        redis.eval("redis.call('DEL', KEYS[1]) return redis.call('XADD', KEYS[1], ARGV[1], ARGV[2], ARGV[3])",
                List.of(orchestratorSide.replyStream()), List.of(lastRead, WireCodec.REPLY_FIELD,
                        new String(answer, java.nio.charset.StandardCharsets.UTF_8)));

        assertThat(second.get(PATIENCE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).payload().asUtf8()).isEqualTo("answered");
    }

    /** A transport on the test's prefix, closed after the test. */
    private RedisTransport transport() {
        return track(new RedisTransport(RedisSettings.parse(TestRedis.uri("prefix=" + PREFIX)), io.agentorchestrator.api.Ticker.system(),
                null));
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.add(0, resource);
        return resource;
    }
}
