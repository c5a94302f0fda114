package io.agentorchestrator.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentDirectory;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.TaskResult;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.core.AgentRuntime;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.kit.TestSecurity;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What only a broker has: consumer groups (an agent killed with uncommitted tasks, rebalances under
 * load), per-key order on a capability topic, dead-lettering, the compacted-topic directory.
 * Runs against the module's shared embedded KRaft broker.
 */
class KafkaBrokerIT {

    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private final String prefix = EmbeddedKafka.uniquePrefix("broker");
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();

    @AfterEach
    void closeEverything() throws Exception {
        while (!resources.isEmpty()) {
            resources.pop().close();
        }
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.push(resource);
        return resource;
    }

    private KafkaTransport transport() {
        return track((KafkaTransport) new KafkaTransportProvider().create(URI.create(EmbeddedKafka.shared().uri(prefix, ""))));
    }

    private Orchestrator orchestrator(KafkaTransport transport) {
        return track(Orchestrator.builder().security(TestSecurity.OFF).transport(transport).defaultTimeout(PATIENCE).watchAgentDirectory(false).build());
    }

    /** The descriptor an orchestrator registers for "the broker balances among the capability's agents". */
    private static AgentDescriptor pool(String capability) {
        return AgentDescriptor.builder("pool-" + capability).capability(capability).endpoint("kafka:capability/" + capability)
                .maxConcurrency(10_000).build();
    }

    private static AgentDescriptor member(String id, String capability, int maxConcurrency) {
        return AgentDescriptor.builder(id).capability(capability).endpoint("kafka:capability/" + capability).maxConcurrency(maxConcurrency)
                .build();
    }

    private static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Test
    void agentKilledWithUncommittedTasksHasThemFinishedByAnotherAgentOfTheGroup() throws Exception {
        String capability = "kill";
        KafkaTransport orchestratorSide = transport();
        Orchestrator orchestrator = orchestrator(orchestratorSide);
        orchestrator.register(pool(capability));

        // The victim takes tasks and never answers them, then dies without committing or leaving.
        List<Runnable> lateAnswers = new CopyOnWriteArrayList<>();
        TaskConsumer victim = (TaskConsumer) transport().listen(member("victim", capability, 4), (task, reply) ->
                lateAnswers.add(() -> reply.reply(ResultEnvelope.success(task.taskId(), "victim", Payload.ofUtf8("zombie")))));
        TaskConsumer rescuer = (TaskConsumer) transport().listen(member("rescuer", capability, 16), (task, reply) ->
                reply.reply(ResultEnvelope.success(task.taskId(), "rescuer", Payload.ofUtf8("rescued:" + task.payload().asUtf8()))));
        Awaitility.await().atMost(PATIENCE).until(() -> victim.ownedPartitions() > 0 && rescuer.ownedPartitions() > 0
                && victim.ownedPartitions() + rescuer.ownedPartitions() == 4);

        int n = 60;
        List<CompletableFuture<TaskResult>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(orchestrator.dispatch(Task.builder(capability).payload("t" + i).key("shipment-" + i).build()));
        }
        Awaitility.await().atMost(PATIENCE).until(() -> lateAnswers.size() == 4);
        victim.crash();

        for (int i = 0; i < n; i++) {
            assertThat(await(futures.get(i)).payload().asUtf8()).isEqualTo("rescued:t" + i);
        }
        // The dead agent's answers, had it any left, must not reach the orchestrator a second time.
        lateAnswers.forEach(Runnable::run);
        Awaitility.await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> orchestratorSide.lateReplies() == 0);
    }

    @Test
    void consumerGroupRebalanceUnderLoadLosesAndRepeatsNothing() throws Exception {
        String capability = "rebalance";
        KafkaTransport orchestratorSide = transport();
        Orchestrator orchestrator = orchestrator(orchestratorSide);
        orchestrator.register(pool(capability));
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        List<AgentRuntime> workers = new ArrayList<>();
        for (String id : List.of("w1", "w2")) {
            workers.add(worker(id, capability, runs));
        }

        int waves = 4;
        int perWave = 150;
        List<CompletableFuture<TaskResult>> futures = new ArrayList<>();
        for (int wave = 0; wave < waves; wave++) {
            for (int i = 0; i < perWave; i++) {
                futures.add(orchestrator.dispatch(Task.builder(capability).payload(wave + "-" + i).key("k" + i % 17).build()));
            }
            if (wave == 1) {
                workers.add(worker("w3", capability, runs)); // joins: partitions move to it
            } else if (wave == 2) {
                workers.get(0).close(Duration.ofSeconds(10)); // leaves in an orderly way: its partitions move away
            }
        }
        int ok = 0;
        for (CompletableFuture<TaskResult> f : futures) {
            assertThat(await(f).payload().asUtf8()).startsWith("done:");
            ok++;
        }
        assertThat(ok).isEqualTo(waves * perWave);
        assertThat(runs).hasSize(waves * perWave);
        assertThat(runs.values()).allSatisfy(count -> assertThat(count.get()).as("runs of one task").isEqualTo(1));
        assertThat(orchestratorSide.lateReplies()).isZero();
    }

    private AgentRuntime worker(String id, String capability, Map<String, AtomicInteger> runs) {
        AgentRuntime runtime = AgentRuntime.builder(member(id, capability, 8)).security(TestSecurity.OFF).transport(transport()).announce(false)
                .drainTimeout(Duration.ofSeconds(10)).handler(task -> {
                    runs.computeIfAbsent(task.payload().asUtf8(), k -> new AtomicInteger()).incrementAndGet();
                    return Payload.ofUtf8("done:" + task.payload().asUtf8());
                }).start();
        resources.push(() -> runtime.close(Duration.ZERO));
        return runtime;
    }

    @Test
    void agentTakesDirectAndSharedTasksWithinOneConcurrencyLimit() throws Exception {
        Orchestrator orchestrator = orchestrator(transport());
        KafkaTransport agentSide = track((KafkaTransport) new KafkaTransportProvider().create(
                URI.create(EmbeddedKafka.shared().uri(prefix, "joinCapabilityTopics=true"))));
        AgentDescriptor both = AgentDescriptor.builder("both-ways").capabilities("direct-x", "shared-y").endpoint("kafka:both-ways")
                .maxConcurrency(2).build();
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        AgentRuntime runtime = AgentRuntime.builder(both).security(TestSecurity.OFF).transport(agentSide).announce(false).handler(task -> {
            maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                return Payload.ofUtf8(task.capability());
            } finally {
                running.decrementAndGet();
            }
        }).start();
        resources.push(() -> runtime.close(Duration.ZERO));
        // The orchestrator addresses the agent directly for one capability and the group for the other.
        orchestrator.register(both.toBuilder().name("direct").build());
        orchestrator.register(pool("shared-y"));

        List<CompletableFuture<TaskResult>> futures = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            futures.add(orchestrator.dispatch(Task.builder(i % 2 == 0 ? "direct-x" : "shared-y").payload("t" + i).timeout(Duration.ofSeconds(15)).build()));
        }
        for (int i = 0; i < futures.size(); i++) {
            TaskResult r = await(futures.get(i));
            assertThat(r.payload().asUtf8()).isEqualTo(i % 2 == 0 ? "direct-x" : "shared-y");
        }
        assertThat(maxRunning.get()).isLessThanOrEqualTo(2);
    }

    @Test
    void tasksOfOneKeyRunInTheOrderTheyWereSent() throws Exception {
        String capability = "ordered";
        Orchestrator orchestrator = orchestrator(transport());
        orchestrator.register(pool(capability));
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        AgentRuntime runtime = AgentRuntime.builder(member("sequencer", capability, 8)).security(TestSecurity.OFF).transport(transport()).announce(false)
                .handler(task -> {
                    order.add(task.payload().asUtf8());
                    return Payload.empty();
                }).start();
        resources.push(() -> runtime.close(Duration.ZERO));

        List<CompletableFuture<TaskResult>> futures = new ArrayList<>();
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            sent.add("step-" + i);
            futures.add(orchestrator.dispatch(Task.builder(capability).payload("step-" + i).key("session-7").build()));
        }
        for (CompletableFuture<TaskResult> f : futures) {
            await(f);
        }
        assertThat(order).containsExactlyElementsOf(sent);
    }

    @Test
    void malformedRecordsAreDeadLetteredWithTheirReasonAndTheConsumerGoesOn() throws Exception {
        KafkaTransport agentSide = transport();
        String id = "reader-" + UUID.randomUUID().toString().substring(0, 6);
        AgentDescriptor echo = AgentDescriptor.builder(id).capability("dlt").endpoint("kafka:" + id).build();
        AgentRuntime runtime = AgentRuntime.builder(echo).security(TestSecurity.OFF).transport(agentSide).announce(false)
                .handler(task -> Payload.ofUtf8("ok:" + task.payload().asUtf8())).start();
        resources.push(() -> runtime.close(Duration.ZERO));
        String inbox = agentSide.config().inboxTopic(echo.id());

        try (KafkaProducer<byte[], byte[]> producer = rawProducer()) {
            producer.send(new ProducerRecord<>(inbox, "not json at all".getBytes(StandardCharsets.UTF_8))).get();
            producer.send(new ProducerRecord<>(inbox, "{\"version\":1,\"capability\":\"dlt\"}".getBytes(StandardCharsets.UTF_8))).get();
            producer.send(new ProducerRecord<>(inbox, "{\"version\":99,\"taskId\":\"x\",\"capability\":\"dlt\"}"
                    .getBytes(StandardCharsets.UTF_8))).get();
        }
        Orchestrator orchestrator = orchestrator(transport());
        orchestrator.register(echo);
        assertThat(await(orchestrator.dispatch(Task.of("dlt", "after the garbage"))).payload().asUtf8()).isEqualTo("ok:after the garbage");
        Awaitility.await().atMost(PATIENCE).until(() -> agentSide.deadLettered() == 3);
        assertThat(agentSide.counters().orElseThrow().deadLetters()).as("dead letters for metrics").isEqualTo(3);

        List<ConsumerRecord<byte[], byte[]>> dead = readAll(agentSide.config().deadLetterTopic(), 3);
        assertThat(dead).extracting(r -> header(r, KafkaTransport.HEADER_DLT_REASON)).satisfiesExactly(
                reason -> assertThat(reason).startsWith("invalid task: task must be valid JSON"),
                reason -> assertThat(reason).contains("taskId"),
                reason -> assertThat(reason).contains("version must be at most 1").contains("but was 99"));
        assertThat(dead).allSatisfy(r -> assertThat(header(r, KafkaTransport.HEADER_DLT_TOPIC)).isEqualTo(inbox));
        assertThat(new String(dead.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("not json at all");
        // The garbage is committed past: a restart would not read it again.
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", EmbeddedKafka.shared().bootstrapServers()))) {
            Awaitility.await().atMost(PATIENCE).until(() -> {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(agentSide.config().inboxGroup(echo.id()))
                        .partitionsToOffsetAndMetadata().get();
                OffsetAndMetadata offset = committed.get(new TopicPartition(inbox, 0));
                return offset != null && offset.offset() == 4;
            });
        }
    }

    @Test
    void redeliveredTaskIsRunOnceAndAnsweredOnce() throws Exception {
        KafkaTransport agentSide = transport();
        String id = "deduper-" + UUID.randomUUID().toString().substring(0, 6);
        AgentDescriptor agent = AgentDescriptor.builder(id).capability("dedupe").endpoint("kafka:" + id).build();
        AtomicInteger calls = new AtomicInteger();
        List<Transport.ReplySink> sinks = new CopyOnWriteArrayList<>();
        agentSide.listen(agent, (task, reply) -> {
            calls.incrementAndGet();
            sinks.add(reply);
        });
        String inbox = agentSide.config().inboxTopic(id);
        String replies = prefix + "dedupe-replies";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", EmbeddedKafka.shared().bootstrapServers()))) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(replies, 1, (short) 1))).all().get();
        }
        TaskEnvelope task = new TaskEnvelope(1, "task-42", "dedupe", Payload.ofUtf8("once"), 5, System.currentTimeMillis() + 60_000,
                null, Map.of(), 1, replies);
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(inbox, 0, (byte[]) null, WireFormat.encodeTask(task),
                List.<Header>of(new RecordHeader(KafkaTransport.HEADER_REPLY_PARTITION, "0".getBytes(StandardCharsets.UTF_8))));
        try (KafkaProducer<byte[], byte[]> producer = rawProducer()) {
            producer.send(record).get();
            producer.send(record).get(); // redelivered while the first copy runs
            Awaitility.await().atMost(PATIENCE).until(() -> agentSide.duplicatesSkipped() == 1);
            sinks.get(0).reply(ResultEnvelope.success("task-42", id, Payload.ofUtf8("done")));
            sinks.get(0).reply(ResultEnvelope.success("task-42", id, Payload.ofUtf8("again"))); // ignored
            producer.send(record).get(); // redelivered after it was answered
            Awaitility.await().atMost(PATIENCE).until(() -> agentSide.duplicatesSkipped() == 2);
            assertThat(agentSide.counters().orElseThrow().redeliveries()).as("redeliveries for metrics").isEqualTo(2);
        }
        assertThat(calls.get()).isEqualTo(1);
        List<ConsumerRecord<byte[], byte[]>> answers = readAll(replies, 1);
        assertThat(answers).hasSize(1);
        assertThat(WireFormat.decodeResult(answers.get(0).value()).result().payload().asUtf8()).isEqualTo("done");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", EmbeddedKafka.shared().bootstrapServers()))) {
            Awaitility.await().atMost(PATIENCE).until(() -> {
                OffsetAndMetadata offset = admin.listConsumerGroupOffsets(agentSide.config().inboxGroup(id))
                        .partitionsToOffsetAndMetadata().get().get(new TopicPartition(inbox, 0));
                return offset != null && offset.offset() == 3;
            });
        }
    }

    private static KafkaProducer<byte[], byte[]> rawProducer() {
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", EmbeddedKafka.shared().bootstrapServers());
        p.put("key.serializer", ByteArraySerializer.class);
        p.put("value.serializer", ByteArraySerializer.class);
        return new KafkaProducer<>(p);
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int expected) {
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", EmbeddedKafka.shared().bootstrapServers());
        c.put("key.deserializer", ByteArrayDeserializer.class);
        c.put("value.deserializer", ByteArrayDeserializer.class);
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            Awaitility.await().atMost(PATIENCE).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(out::add);
                return out.size() >= expected;
            });
        }
        return out;
    }

    @Test
    void directoryReplaysAnnouncedAgentsReportsWithdrawalsAndExpiresLapsedLeases() throws Exception {
        MutableClock clock = new MutableClock(System.currentTimeMillis());
        KafkaTransportConfig config = KafkaTransportConfig.builder(EmbeddedKafka.shared().bootstrapServers()).topicPrefix(prefix)
                .clock(clock).build();
        AgentDirectory agents = track(KafkaTransport.create(config)).directory().orElseThrow();
        AgentDescriptor a = AgentDescriptor.builder("dir-a").capability("c").endpoint("kafka:dir-a").build();
        AgentDescriptor b = AgentDescriptor.builder("dir-b").capability("c").endpoint("kafka:capability/c").metadata("zone", "eu-1").build();

        agents.announce(a, Duration.ofSeconds(30));
        Recorder first = new Recorder();
        track(track(KafkaTransport.create(config)).directory().orElseThrow().watch(first));
        Awaitility.await().atMost(PATIENCE).until(() -> first.events.contains("+dir-a"));
        agents.announce(b, Duration.ofSeconds(10));
        Awaitility.await().atMost(PATIENCE).until(() -> first.events.contains("+dir-b"));
        assertThat(first.agents.get("dir-b")).isEqualTo(b);

        // A watcher that starts later finds both from the compacted topic.
        Recorder second = new Recorder();
        track(track(KafkaTransport.create(config)).directory().orElseThrow().watch(second));
        Awaitility.await().atMost(PATIENCE).until(() -> second.events.containsAll(List.of("+dir-a", "+dir-b")));

        agents.withdraw(a.id());
        Awaitility.await().atMost(PATIENCE).until(() -> first.events.contains("-dir-a") && second.events.contains("-dir-a"));

        // b stops heartbeating: its 10 s lease lapses on the watchers' clock, no withdrawal needed.
        assertThat(first.events).doesNotContain("-dir-b");
        clock.advance(Duration.ofMinutes(1));
        Awaitility.await().atMost(PATIENCE).until(() -> first.events.contains("-dir-b") && second.events.contains("-dir-b"));
    }

    /** Records what a directory watcher is told. */
    private static final class Recorder implements AgentDirectory.Watcher {
        final List<String> events = new CopyOnWriteArrayList<>();
        final Map<String, AgentDescriptor> agents = new ConcurrentHashMap<>();

        @Override
        public void announced(AgentDescriptor agent, Duration ttl) {
            agents.put(agent.id(), agent);
            events.add("+" + agent.id());
        }

        @Override
        public void withdrawn(String agentId) {
            events.add("-" + agentId);
        }
    }

    /** A wall clock the test moves by hand. */
    static final class MutableClock extends Clock {
        private final AtomicLong millis;

        MutableClock(long millis) {
            this.millis = new AtomicLong(millis);
        }

        void advance(Duration d) {
            millis.addAndGet(d.toMillis());
        }

        @Override
        public long millis() {
            return millis.get();
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
