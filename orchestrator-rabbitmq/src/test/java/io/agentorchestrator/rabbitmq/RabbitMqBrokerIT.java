package io.agentorchestrator.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.OrchestratorException;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.TaskResult;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.TransportException;
import io.agentorchestrator.core.AgentHandler;
import io.agentorchestrator.core.AgentRuntime;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.kit.TestSecurity;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What only a RabbitMQ broker shows: queue priorities, dead letters, redelivery to another agent, recovery. */
class RabbitMqBrokerIT {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String PREFIX = RabbitMqTestBroker.uniquePrefix("broker");

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private Connection admin;
    private Channel adminChannel;

    @BeforeAll
    static void broker() {
        RabbitMqTestBroker.ensureRunning();
    }

    @AfterAll
    static void cleanUp() {
        RabbitMqTestBroker.deleteTopology(PREFIX);
    }

    @AfterEach
    void closeEverything() throws Exception {
        while (!resources.isEmpty()) {
            resources.pop().close();
        }
        if (admin != null) {
            admin.close();
        }
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.push(resource);
        return resource;
    }

    private RabbitMqTransport transport(String options) {
        return track(RabbitMqTestBroker.transport(PREFIX, options));
    }

    private AgentDescriptor agent(String name, String capability, int maxConcurrency) {
        return agentAt(name, capability, maxConcurrency, "amqp:" + name + "-" + run);
    }

    private AgentDescriptor agentAt(String name, String capability, int maxConcurrency, String endpoint) {
        return AgentDescriptor.builder(name + "-" + run).capability(capability).endpoint(endpoint).maxConcurrency(maxConcurrency).build();
    }

    private AgentRuntime startAgent(RabbitMqTransport transport, AgentDescriptor agent, AgentHandler handler) {
        AgentRuntime runtime = AgentRuntime.builder(agent).security(TestSecurity.OFF).transport(transport).handler(handler).drainTimeout(Duration.ofSeconds(5)).start();
        resources.push(() -> runtime.close(Duration.ZERO));
        return runtime;
    }

    private Channel admin() throws Exception {
        if (adminChannel == null) {
            admin = RabbitMqTestBroker.factory().newConnection("it-admin-" + run);
            adminChannel = admin.createChannel();
        }
        return adminChannel;
    }

    private long messagesIn(String queue) throws Exception {
        return admin().queueDeclarePassive(queue).getMessageCount();
    }

    /** Takes the dead letter of this test out of the shared dead-letter queue, by a marker in the body. */
    private GetResponse awaitDeadLetter(String marker) {
        List<GetResponse> found = new ArrayList<>();
        await().atMost(PATIENCE).until(() -> {
            GetResponse r;
            while ((r = admin().basicGet(PREFIX + ".dead-letter", true)) != null) {
                if (new String(r.getBody(), StandardCharsets.UTF_8).contains(marker)) {
                    found.add(r);
                    return true;
                }
            }
            return false;
        });
        return found.get(0);
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static TaskEnvelope envelope(String taskId, String capability, String payload, int priority) {
        return new TaskEnvelope(TaskEnvelope.WIRE_VERSION, taskId, capability, Payload.ofUtf8(payload), priority,
                System.currentTimeMillis() + PATIENCE.toMillis(), null, Map.of(), 1, null);
    }

    // ------------------------------------------------------------------ priorities

    /** Name and priority of the tasks piled up, in the order they are sent. */
    private static final String[][] MIXED = {{"low", "1"}, {"normal", "4"}, {"urgent", "9"}, {"normal-2", "4"}, {"lowest", "0"}};
    private static final String[][] BANDED = {{"seven", "7"}, {"six", "6"}, {"nine", "9"}, {"four", "4"}, {"three", "3"}, {"zero", "0"},
        {"five", "5"}};

    @Test
    void tasksPilingUpInAnAgentQueueComeOutHighestPriorityFirst() throws Exception {
        assertThat(runPiledUpTasks("", "ordered", MIXED)).containsExactly("urgent", "normal", "normal-2", "low", "lowest");
    }

    @Test
    void byDefaultTasksComeOutByPriorityBandAndInArrivalOrderWithinABand() throws Exception {
        // Bands 0-3, 4-6 and 7-9 (x-max-priority 2): a 9 sent after a 7 waits behind it.
        assertThat(runPiledUpTasks("", "banded", BANDED)).containsExactly("seven", "nine", "six", "four", "five", "three", "zero");
    }

    @Test
    void withMaxPriorityNineTasksComeOutInTheOrderOfAllTenPriorities() throws Exception {
        assertThat(runPiledUpTasks("maxPriority=9", "exact", BANDED)).containsExactly("nine", "seven", "six", "five", "four", "three", "zero");
    }

    @Test
    void withMaxPriorityZeroTheQueueIsPlainAndTasksComeOutInArrivalOrder() throws Exception {
        assertThat(runPiledUpTasks("maxPriority=0", "arrival", MIXED)).containsExactly("low", "normal", "urgent", "normal-2", "lowest");
    }

    /** Piles five tasks of mixed priority up behind a blocking one and returns the order the agent ran them in. */
    private List<String> runPiledUpTasks(String options, String name, String[][] tasks) throws Exception {
        RabbitMqTransport orchestratorSide = transport(options);
        CountDownLatch blocking = new CountDownLatch(1);
        CountDownLatch gate = new CountDownLatch(1);
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        AgentDescriptor single = agent("single-" + name, "ordered", 1);
        startAgent(transport(options), single, task -> {
            if (task.payload().asUtf8().equals("blocker")) {
                blocking.countDown();
                gate.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            } else {
                order.add(task.payload().asUtf8());
            }
            return Payload.empty();
        });

        // Straight to the transport, past the orchestrator's own waiting queue: the broker queue orders them.
        CompletableFuture<ResultEnvelope> blocker = orchestratorSide.send(single, envelope("blocker-" + run, "ordered", "blocker", 4));
        assertThat(blocking.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        List<CompletableFuture<ResultEnvelope>> rest = new ArrayList<>();
        for (String[] t : tasks) {
            rest.add(orchestratorSide.send(single, envelope(t[0] + "-" + run, "ordered", t[0], Integer.parseInt(t[1]))));
        }
        String queue = orchestratorSide.route(single.endpoint()).queue;
        await().atMost(PATIENCE).until(() -> messagesIn(queue) == tasks.length);
        gate.countDown();
        assertThat(get(blocker).success()).isTrue();
        for (CompletableFuture<ResultEnvelope> f : rest) {
            assertThat(get(f).success()).isTrue();
        }
        return order;
    }

    // ------------------------------------------------------------------ dead letters

    @Test
    void malformedMessagesAreDeadLetteredWithTheReasonAndTheAgentKeepsServing() throws Exception {
        RabbitMqTransport agentSide = transport("");
        AgentDescriptor echo = agent("echo", "echo", 2);
        startAgent(agentSide, echo, task -> Payload.ofUtf8("ok:" + task.payload().asUtf8()));
        String routingKey = "agent." + echo.id();

        String notJson = "not json at all " + run;
        admin().basicPublish(PREFIX + ".tasks", routingKey, true, new AMQP.BasicProperties.Builder().build(),
                notJson.getBytes(StandardCharsets.UTF_8));
        String noTaskId = "{\"version\":1,\"capability\":\"echo\",\"payload\":\"\",\"attempt\":1,\"marker\":\"no-id-" + run + "\"}";
        admin().basicPublish(PREFIX + ".tasks", routingKey, true, new AMQP.BasicProperties.Builder().build(),
                noTaskId.getBytes(StandardCharsets.UTF_8));

        GetResponse first = awaitDeadLetter(notJson);
        assertThat(first.getProps().getHeaders().get(RabbitMqTransport.DEAD_LETTER_REASON_HEADER)).hasToString("malformed");
        assertThat(first.getProps().getHeaders().get(RabbitMqTransport.DEAD_LETTER_DETAIL_HEADER).toString()).contains("must be valid JSON");
        assertThat(first.getProps().getHeaders().get(RabbitMqTransport.DEAD_LETTER_QUEUE_HEADER)).hasToString(PREFIX + ".agent." + echo.id());
        GetResponse second = awaitDeadLetter("no-id-" + run);
        assertThat(second.getProps().getHeaders().get(RabbitMqTransport.DEAD_LETTER_DETAIL_HEADER).toString())
                .isEqualTo("taskId must be present, but was null");
        assertThat(agentSide.malformedMessages()).isEqualTo(2);
        assertThat(agentSide.counters().orElseThrow().deadLetters()).as("dead letters for metrics").isEqualTo(2);

        Orchestrator orchestrator = track(Orchestrator.builder().security(TestSecurity.OFF).transport(transport("")).defaultTimeout(PATIENCE).build());
        orchestrator.register(echo);
        assertThat(get(orchestrator.dispatch(Task.of("echo", "still here"))).payload().asUtf8()).isEqualTo("ok:still here");
    }

    @Test
    void taskDeliveredMoreOftenThanTheLimitIsDeadLettered() throws Exception {
        String options = "deliveryLimit=2";
        AgentDescriptor doomed = agent("poison", "poison", 1);
        CountDownLatch started = new CountDownLatch(1);
        RabbitMqTransport first = transport(options);
        AgentRuntime crashing = startAgent(first, doomed, task -> {
            started.countDown();
            new CountDownLatch(1).await();
            return Payload.empty();
        });
        // A task that has already been delivered twice (the count travels in a header).
        String taskId = "poison-" + run;
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().deliveryMode(2).replyTo("nowhere-" + run)
                .headers(Map.of(RabbitMqTransport.DELIVERY_COUNT_HEADER, 2)).build();
        admin().basicPublish(PREFIX + ".tasks", "agent." + doomed.id(), true, props,
                WireFormat.encodeTask(envelope(taskId, "poison", "poison", 4)));
        assertThat(started.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        crashing.close(Duration.ZERO);

        AtomicInteger ran = new AtomicInteger();
        RabbitMqTransport second = transport(options);
        startAgent(second, doomed, task -> {
            ran.incrementAndGet();
            return Payload.empty();
        });
        GetResponse dead = awaitDeadLetter(taskId);
        assertThat(dead.getProps().getHeaders().get(RabbitMqTransport.DEAD_LETTER_REASON_HEADER)).hasToString("delivery-limit");
        assertThat(dead.getProps().getHeaders().get(RabbitMqTransport.DEAD_LETTER_DETAIL_HEADER).toString())
                .contains("delivered 3 times, more than deliveryLimit 2");
        assertThat(second.deliveryLimitExceeded()).isEqualTo(1);
        assertThat(ran.get()).isZero();
    }

    // ------------------------------------------------------------------ replies and attempts

    @Test
    void aReplyToAnotherAttemptOfTheTaskIsDroppedAsLate() throws Exception {
        RabbitMqTransport orchestratorSide = transport("");
        AgentDescriptor agent = agent("attempts", "attempts", 1);
        String taskId = "retried-" + run;
        TaskEnvelope second = new TaskEnvelope(TaskEnvelope.WIRE_VERSION, taskId, "attempts", Payload.ofUtf8("x"), 4,
                System.currentTimeMillis() + PATIENCE.toMillis(), null, Map.of(), 2, null);
        CompletableFuture<ResultEnvelope> reply = orchestratorSide.send(agent, second);

        // Play the agent by hand: answer attempt 1 (late: the engine gave up on it), then attempt 2.
        GetResponse task = await().atMost(PATIENCE).until(() -> admin().basicGet(PREFIX + ".agent." + agent.id(), true), r -> r != null);
        String replyTo = task.getProps().getReplyTo();
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().correlationId(taskId).contentType("application/json").build();
        admin().basicPublish("", replyTo, props, WireFormat.encodeResult(
                ResultEnvelope.success(taskId, agent.id(), Payload.ofUtf8("from attempt 1")).withAttempt(1)));
        admin().basicPublish("", replyTo, props, WireFormat.encodeResult(
                ResultEnvelope.success(taskId, agent.id(), Payload.ofUtf8("from attempt 2")).withAttempt(2)));

        assertThat(get(reply).payload().asUtf8()).isEqualTo("from attempt 2");
        assertThat(orchestratorSide.lateReplies()).isEqualTo(1);
    }

    @Test
    void repliesAreAcknowledgedInBatchesAndAllOfThemSoon() throws Exception {
        RabbitMqTransport orchestratorSide = transport("");
        AgentDescriptor agent = agent("batched", "batched", 1);
        int n = 200;
        List<CompletableFuture<ResultEnvelope>> replies = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            replies.add(orchestratorSide.send(agent, envelope("batched-" + i + "-" + run, "batched", "x", 4)));
        }
        // Play the agent by hand: all the replies at once.
        GetResponse task = await().atMost(PATIENCE).until(() -> admin().basicGet(PREFIX + ".agent." + agent.id(), true), r -> r != null);
        String replyTo = task.getProps().getReplyTo();
        for (int i = 0; i < n; i++) {
            String taskId = "batched-" + i + "-" + run;
            admin().basicPublish("", replyTo, new AMQP.BasicProperties.Builder().correlationId(taskId).build(),
                    WireFormat.encodeResult(ResultEnvelope.success(taskId, agent.id(), Payload.ofUtf8("r" + i))));
        }
        for (int i = 0; i < n; i++) {
            assertThat(get(replies.get(i)).payload().asUtf8()).isEqualTo("r" + i);
        }
        // The last few are acked after a short delay, without another reply to push them out.
        await().atMost(PATIENCE).until(() -> orchestratorSide.repliesAcked.sum() == n);
        assertThat(orchestratorSide.replyAcks.sum()).as("acks for %d replies", n).isLessThanOrEqualTo(n / 4);
        assertThat(messagesIn(replyTo)).isZero();
        assertThat(orchestratorSide.lateReplies()).isZero();
    }

    // ------------------------------------------------------------------ redelivery to another agent

    @Test
    void tasksUnackedByAKilledAgentAreFinishedByAnotherOnTheSharedQueue() throws Exception {
        String capability = "shared-" + run;
        String endpoint = "amqp:capability/" + capability;
        int n = 40;
        CountDownLatch fullyLoaded = new CountDownLatch(4);
        RabbitMqTransport victimTransport = transport("");
        startAgent(victimTransport, agentAt("victim", capability, 4, endpoint), task -> {
            fullyLoaded.countDown();
            new CountDownLatch(1).await(); // holds its tasks unacked until it dies
            return Payload.ofUtf8("victim");
        });
        Orchestrator orchestrator = track(Orchestrator.builder().security(TestSecurity.OFF).transport(transport("")).defaultTimeout(PATIENCE).build());
        // One descriptor stands for the shared queue: the broker balances among the capability's agents.
        orchestrator.register(agentAt("pool", capability, 16, endpoint));
        List<CompletableFuture<TaskResult>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(orchestrator.dispatch(Task.of(capability, "t" + i)));
        }
        assertThat(fullyLoaded.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

        victimTransport.close(); // the connection goes away with 4 tasks unacked: the broker requeues them
        Map<String, Integer> byWorker = new ConcurrentHashMap<>();
        startAgent(transport(""), agentAt("rescuer", capability, 4, endpoint), task -> {
            byWorker.merge("rescuer", 1, Integer::sum);
            return Payload.ofUtf8("rescuer");
        });

        int results = 0;
        int typedErrors = 0;
        for (CompletableFuture<TaskResult> f : futures) {
            try {
                assertThat(get(f).payload().asUtf8()).isEqualTo("rescuer");
                results++;
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(OrchestratorException.class);
                typedErrors++;
            }
        }
        assertThat(results + typedErrors).isEqualTo(n);
        assertThat(results).isEqualTo(n);
        assertThat(byWorker.get("rescuer")).isEqualTo(n);
    }

    @Test
    void aTaskStillRunningIsNotAckedTogetherWithTheTasksAroundItThatWereAnswered() throws Exception {
        String capability = "merged-acks-" + run;
        String endpoint = "amqp:capability/" + capability;
        RabbitMqTransport orchestratorSide = transport("");
        AgentDescriptor pool = agentAt("pool", capability, 16, endpoint);
        String held = "held-" + run;
        int others = 25;
        CountDownLatch allArrived = new CountDownLatch(others + 1);
        List<Runnable> replies = Collections.synchronizedList(new ArrayList<>());
        Transport.Listener busy = transport("").listen(agentAt("busy", capability, 32, endpoint), (task, reply) -> {
            if (!task.taskId().equals(held)) { // the held one is never answered here
                replies.add(() -> reply.reply(ResultEnvelope.success(task.taskId(), "busy", task.payload())));
            }
            allArrived.countDown();
        });
        // Sent in order from one thread, so delivered in order: the held task between the others.
        List<CompletableFuture<ResultEnvelope>> answered = new ArrayList<>();
        CompletableFuture<ResultEnvelope> heldReply = null;
        for (int i = 0; i < others; i++) {
            if (i == others / 2) {
                heldReply = orchestratorSide.send(pool, envelope(held, capability, "held", 4));
            }
            answered.add(orchestratorSide.send(pool, envelope("answered-" + i + "-" + run, capability, "a" + i, 4)));
        }
        assertThat(allArrived.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        // Answered in one burst, so that the broker confirms the replies in batches and the agent
        // merges their acks where it may.
        replies.forEach(Runnable::run);
        for (CompletableFuture<ResultEnvelope> f : answered) {
            assertThat(get(f).agentId()).isEqualTo("busy");
        }

        busy.close(); // the held task was never acked: the broker puts it back
        resources.push(transport("").listen(agentAt("rescuer", capability, 4, endpoint),
                (task, reply) -> reply.reply(ResultEnvelope.success(task.taskId(), "rescuer", task.payload()))));

        assertThat(get(heldReply).agentId()).isEqualTo("rescuer");
        String queue = orchestratorSide.route(pool.endpoint()).queue;
        await().atMost(PATIENCE).until(() -> messagesIn(queue) == 0);
    }

    @Test
    void aStoppingWorkerGivesSharedTasksBackForAnotherWorker() throws Exception {
        String capability = "handover-" + run;
        String endpoint = "amqp:capability/" + capability;
        RabbitMqTransport orchestratorSide = transport("");
        AtomicInteger refused = new AtomicInteger();
        RabbitMqTransport stoppingSide = transport("");
        resources.push(stoppingSide.listen(agentAt("stopping", capability, 4, endpoint), (task, reply) -> {
            refused.incrementAndGet();
            reply.reply(ResultEnvelope.failure(task.taskId(), "stopping", ResultEnvelope.AGENT_STOPPING, "shutting down", true));
        }));
        AgentDescriptor pool = agentAt("pool", capability, 20, endpoint);
        List<CompletableFuture<ResultEnvelope>> replies = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            replies.add(orchestratorSide.send(pool, envelope("handover-" + i + "-" + run, capability, "t" + i, 4)));
        }
        await().atMost(PATIENCE).until(() -> refused.get() > 0);
        // Having said it is stopping, the worker cancels its consumer: the queue keeps every task for others.
        String queue = orchestratorSide.route(pool.endpoint()).queue;
        await().atMost(PATIENCE).until(() -> admin().queueDeclarePassive(queue).getConsumerCount() == 0 && messagesIn(queue) == 20);
        int refusedBeforeTakeover = refused.get();
        RabbitMqTransport takingSide = transport("");
        resources.push(takingSide.listen(agentAt("taking", capability, 4, endpoint),
                (task, reply) -> reply.reply(ResultEnvelope.success(task.taskId(), "taking", task.payload()))));

        for (CompletableFuture<ResultEnvelope> f : replies) {
            ResultEnvelope r = get(f);
            assertThat(r.success()).isTrue();
            assertThat(r.agentId()).isEqualTo("taking");
        }
        // Handed back unchanged, not requeued: no delivery counted against the tasks.
        assertThat(takingSide.deliveryLimitExceeded()).isZero();
        assertThat(refused.get()).isEqualTo(refusedBeforeTakeover);
    }

    @Test
    void closeStopsEveryThreadTheTransportStarted() throws Exception {
        RabbitMqTransport transport = RabbitMqTestBroker.transport(PREFIX, "");
        AgentDescriptor echo = agent("threads", "threads", 2);
        Transport.Listener listener = transport.listen(echo, (task, reply) -> reply.reply(ResultEnvelope.success(task.taskId(), "x", Payload.empty())));
        assertThat(get(transport.send(echo, envelope("threads-" + run, "threads", "x", 4))).success()).isTrue();
        transport.directory().orElseThrow().watch(new io.agentorchestrator.api.AgentDirectory.Watcher() {
            @Override
            public void announced(AgentDescriptor agent, Duration ttl) {
            }

            @Override
            public void withdrawn(String agentId) {
            }
        });
        String prefix = "rabbitmq-" + transport.instance() + "-";
        assertThat(Thread.getAllStackTraces().keySet()).anyMatch(t -> t.getName().startsWith(prefix));
        listener.close();
        transport.close();
        await().atMost(PATIENCE).until(() -> Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().startsWith(prefix) && t.isAlive()));
    }

    @Test
    void brokerUnreachableLongerThanTheRecoveryTimeoutFailsTasksWithATransportException() throws Exception {
        RabbitMqSettings direct = RabbitMqSettings.parse(java.net.URI.create(RabbitMqTestBroker.URL));
        CuttableProxy proxy = track(new CuttableProxy(direct.host(), direct.port()));
        String viaProxy = RabbitMqTestBroker.transportUri(PREFIX, "recoveryTimeout=1s")
                .replaceFirst("@[^/]+/", "@127.0.0.1:" + proxy.port() + "/");
        RabbitMqTransport orchestratorSide = track((RabbitMqTransport) new RabbitMqTransportProvider().create(java.net.URI.create(viaProxy)));
        Orchestrator orchestrator = track(Orchestrator.builder().security(TestSecurity.OFF).transport(orchestratorSide).defaultTimeout(PATIENCE).build());
        CountDownLatch allStarted = new CountDownLatch(6);
        CountDownLatch release = new CountDownLatch(1);
        AgentDescriptor agent = agent("partitioned", "partitioned", 6);
        startAgent(transport(""), agent, task -> {
            allStarted.countDown();
            release.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            return Payload.ofUtf8("late");
        });
        orchestrator.register(agent);
        List<CompletableFuture<TaskResult>> inFlight = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            inFlight.add(orchestrator.dispatch(Task.of("partitioned", "t" + i)));
        }
        assertThat(allStarted.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

        proxy.cut(); // the orchestrator loses the broker and cannot get it back
        for (CompletableFuture<TaskResult> f : inFlight) {
            // A task whose confirm was still on its way when the link broke fails as unconfirmed;
            // the others when recovery gives up. Both are typed transport failures, none hangs.
            assertThatThrownBy(() -> get(f)).isInstanceOf(ExecutionException.class).cause()
                    .isInstanceOf(TransportException.class)
                    .satisfies(e -> assertThat(e.getMessage()).containsAnyOf("recoveryTimeout", "before the broker confirmed"));
        }
        // While the broker is away, a send fails at once rather than hang.
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(orchestratorSide.send(agent, envelope("during-" + run, "partitioned", "x", 4)))
                .failsWithin(PATIENCE).withThrowableOfType(ExecutionException.class).havingCause().isInstanceOf(TransportException.class));

        proxy.restore();
        release.countDown();
        // Back: new tasks go through; the replies to the failed ones arrive late and are dropped.
        await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() -> assertThat(get(orchestrator.dispatch(Task.of("partitioned", "after"))).payload().asUtf8())
                .isEqualTo("late"));
        await().atMost(PATIENCE).until(() -> orchestratorSide.lateReplies() == 6);
        assertThat(orchestratorSide.counters().orElseThrow().lateReplies()).as("late replies for metrics").isEqualTo(6);
    }

    @Test
    void theMemoryOfAnsweredTasksStaysWithinItsByteBoundAndStillSuppressesDuplicates() throws Exception {
        RabbitMqTransport orchestratorSide = transport("");
        RabbitMqTransport agentSide = transport("");
        AgentDescriptor agent = agent("remember", "remember", 8);
        // Answers of 512 KiB: 100 of them are 50 MiB, past the 32 MiB the agent may keep.
        byte[] big = new byte[512 * 1024];
        AtomicInteger runs = new AtomicInteger();
        AgentQueueListener listener = (AgentQueueListener) track(agentSide.listen(agent, (task, reply) -> {
            runs.incrementAndGet();
            reply.reply(ResultEnvelope.success(task.taskId(), agent.id(), Payload.wrap(big)));
        }));
        for (int i = 0; i < 100; i++) {
            assertThat(get(orchestratorSide.send(agent, envelope("big-" + i + "-" + run, "remember", "x", 4))).success()).isTrue();
        }
        long remembered = listener.rememberedWeight();
        // Payloads count (well past the entries' own cost), and the total stays under the bound.
        assertThat(remembered).as("bytes remembered").isGreaterThan(8L * 1024 * 1024)
                .isLessThanOrEqualTo(AgentQueueListener.REMEMBERED_BYTES);
        assertThat(runs.get()).isEqualTo(100);

        // An answered attempt sent again (another caller's copy of it) is answered from memory, not run again.
        AgentDescriptor echo = agent("remember-small", "remember", 2);
        AtomicInteger smallRuns = new AtomicInteger();
        track(agentSide.listen(echo, (task, reply) -> {
            smallRuns.incrementAndGet();
            reply.reply(ResultEnvelope.success(task.taskId(), echo.id(), Payload.ofUtf8("once")));
        }));
        TaskEnvelope small = envelope("small-" + run, "remember", "y", 4);
        assertThat(get(orchestratorSide.send(echo, small)).payload().asUtf8()).isEqualTo("once");
        assertThat(get(transport("").send(echo, small)).payload().asUtf8()).isEqualTo("once");
        assertThat(smallRuns.get()).isEqualTo(1);
        assertThat(agentSide.duplicatesSuppressed()).isEqualTo(1);
    }

    @Test
    void tasksRedeliveredWhileStillRunningOnTheAgentAreNotRunTwice() throws Exception {
        RabbitMqSettings direct = RabbitMqSettings.parse(java.net.URI.create(RabbitMqTestBroker.URL));
        CuttableProxy proxy = track(new CuttableProxy(direct.host(), direct.port()));
        String viaProxy = RabbitMqTestBroker.transportUri(PREFIX, "").replaceFirst("@[^/]+/", "@127.0.0.1:" + proxy.port() + "/");
        RabbitMqTransport agentSide = track((RabbitMqTransport) new RabbitMqTransportProvider().create(java.net.URI.create(viaProxy)));
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch allStarted = new CountDownLatch(3);
        CountDownLatch release = new CountDownLatch(1);
        AgentDescriptor agent = agent("dedupe", "dedupe", 3);
        startAgent(agentSide, agent, task -> {
            runs.incrementAndGet();
            allStarted.countDown();
            release.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            return Payload.ofUtf8("once:" + task.payload().asUtf8());
        });
        Orchestrator orchestrator = track(Orchestrator.builder().security(TestSecurity.OFF).transport(transport("")).defaultTimeout(PATIENCE).build());
        orchestrator.register(agent);
        List<CompletableFuture<TaskResult>> futures = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            futures.add(orchestrator.dispatch(Task.of("dedupe", "t" + i)));
        }
        assertThat(allStarted.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

        proxy.cut(); // the agent's connection drops: the broker puts its 3 unacked tasks back
        proxy.restore();
        // After recovery the broker delivers them again, to the agent still running them.
        await().atMost(PATIENCE).until(() -> agentSide.duplicatesSuppressed() == 3);
        release.countDown();

        for (int i = 0; i < 3; i++) {
            assertThat(get(futures.get(i)).payload().asUtf8()).isEqualTo("once:t" + i);
        }
        assertThat(runs.get()).isEqualTo(3);
        // Both deliveries of each were acked: when the agent goes, nothing unacked goes back to the queue.
        String queue = agentSide.route(agent.endpoint()).queue;
        agentSide.close();
        assertThat(messagesIn(queue)).isZero();
    }

    @Test
    void aPublishTheBrokerDoesNotConfirmInTimeFailsTheSend() throws Exception {
        RabbitMqSettings direct = RabbitMqSettings.parse(java.net.URI.create(RabbitMqTestBroker.URL));
        CuttableProxy proxy = track(new CuttableProxy(direct.host(), direct.port()));
        String viaProxy = RabbitMqTestBroker.transportUri(PREFIX, "confirmTimeout=300ms&publishRetries=0")
                .replaceFirst("@[^/]+/", "@127.0.0.1:" + proxy.port() + "/");
        RabbitMqTransport orchestratorSide = track((RabbitMqTransport) new RabbitMqTransportProvider().create(java.net.URI.create(viaProxy)));
        AgentDescriptor silent = agent("unconfirmed", "unconfirmed", 1);
        String queue = orchestratorSide.route(silent.endpoint()).queue;
        orchestratorSide.send(silent, envelope("confirmed-" + run, "unconfirmed", "1", 4)); // connects and declares
        await().atMost(PATIENCE).until(() -> messagesIn(queue) == 1);

        proxy.stall(); // the broker takes the next publish, but its confirm never gets through
        CompletableFuture<ResultEnvelope> unconfirmed = orchestratorSide.send(silent, envelope("unconfirmed-" + run, "unconfirmed", "2", 4));

        assertThat(unconfirmed).failsWithin(PATIENCE).withThrowableOfType(ExecutionException.class).havingCause()
                .isInstanceOf(TransportException.class).withMessageContaining("No confirm from the broker within 300 ms (confirmTimeout)");
        proxy.restore();
    }

    @Test
    void brokerRefusingAPublishFailsTheSendAfterItsRetries() throws Exception {
        // A queue that takes one message and nacks the rest: the broker's own way to refuse a publish.
        AgentDescriptor full = agent("full", "full", 1);
        String queue = PREFIX + ".agent." + full.id();
        admin().queueDeclare(queue, true, false, false,
                Map.of("x-max-length", 1, "x-overflow", "reject-publish", "x-expires", 60_000));
        RabbitMqTransport orchestratorSide = transport("publishRetries=1");
        CompletableFuture<ResultEnvelope> first = orchestratorSide.send(full, envelope("full-1-" + run, "full", "1", 4));
        await().atMost(PATIENCE).until(() -> messagesIn(queue) == 1);
        CompletableFuture<ResultEnvelope> second = orchestratorSide.send(full, envelope("full-2-" + run, "full", "2", 4));
        assertThat(second).failsWithin(PATIENCE).withThrowableOfType(ExecutionException.class).havingCause()
                .isInstanceOf(TransportException.class).withMessageContaining("refused (nacked)").withMessageContaining("2 time(s)");
        assertThat(first).isNotDone();
    }

    @Test
    void queueDeletedBehindTheTransportsBackIsDeclaredAgainAfterOneFailedSend() throws Exception {
        AgentDescriptor gone = agent("gone", "gone", 1);
        RabbitMqTransport orchestratorSide = transport("");
        String queue = orchestratorSide.route(gone.endpoint()).queue;
        orchestratorSide.send(gone, envelope("gone-1-" + run, "gone", "1", 4));
        await().atMost(PATIENCE).until(() -> messagesIn(queue) == 1);
        admin().queueDelete(queue);

        assertThat(orchestratorSide.send(gone, envelope("gone-2-" + run, "gone", "2", 4))).failsWithin(PATIENCE)
                .withThrowableOfType(ExecutionException.class).havingCause().isInstanceOf(TransportException.class)
                .withMessageContaining("could not route");
        orchestratorSide.send(gone, envelope("gone-3-" + run, "gone", "3", 4));
        await().atMost(PATIENCE).until(() -> messagesIn(queue) == 1);
    }

    @Test
    void aSecondAgentWithTheSameIdIsRefused() {
        AgentDescriptor solo = agent("solo", "solo", 1);
        startAgent(transport(""), solo, task -> Payload.empty());
        assertThatThrownBy(() -> startAgent(transport(""), solo, task -> Payload.empty()))
                .isInstanceOf(TransportException.class).hasMessageContaining("already listening at amqp:" + solo.id());
    }

    // ------------------------------------------------------------------ recovery

    @Test
    void connectionsClosedByTheBrokerUnderLoadRecoverAndEveryTaskEnds() throws Exception {
        String orchestratorConnection = "it-orchestrator-" + run;
        String agentConnection = "it-agent-" + run;
        Orchestrator orchestrator = track(Orchestrator.builder().security(TestSecurity.OFF)
                .transport(transport("connectionName=" + orchestratorConnection)).defaultTimeout(PATIENCE).maxAttempts(3).build());
        AgentDescriptor a = agent("steady-a", "load", 8);
        AgentDescriptor b = agent("steady-b", "load", 8);
        CountDownLatch allBusy = new CountDownLatch(16);
        CountDownLatch cut = new CountDownLatch(1);
        startAgent(transport("connectionName=" + agentConnection), a, task -> {
            allBusy.countDown();
            cut.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            return Payload.ofUtf8("a:" + task.payload().asUtf8());
        });
        startAgent(transport(""), b, task -> {
            allBusy.countDown();
            cut.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            return Payload.ofUtf8("b:" + task.payload().asUtf8());
        });
        orchestrator.register(a);
        orchestrator.register(b);

        int n = 400;
        List<CompletableFuture<TaskResult>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(orchestrator.dispatch(Task.of("load", "t" + i)));
        }
        // 16 tasks running (unacked on the agents, awaited by the orchestrator), the rest waiting: cut both connections.
        assertThat(allBusy.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        RabbitMqTestBroker.closeConnectionsByName(List.of(orchestratorConnection, agentConnection), "it: closed on purpose");
        cut.countDown();

        int results = 0;
        int typedErrors = 0;
        for (CompletableFuture<TaskResult> f : futures) {
            try {
                TaskResult r = get(f);
                assertThat(r.payload().asUtf8()).matches("[ab]:t\\d+");
                results++;
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(OrchestratorException.class);
                typedErrors++;
            }
        }
        assertThat(results + typedErrors).as("results %d + typed errors %d", results, typedErrors).isEqualTo(n);
        assertThat(results).isGreaterThanOrEqualTo(16);

        // Both sides are back: new tasks go through to the agent whose connection was cut, too.
        await().atMost(PATIENCE).untilAsserted(() -> {
            List<CompletableFuture<TaskResult>> after = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                after.add(orchestrator.dispatch(Task.of("load", "after" + i)));
            }
            List<String> by = new ArrayList<>();
            for (CompletableFuture<TaskResult> f : after) {
                by.add(get(f).payload().asUtf8().substring(0, 1));
            }
            assertThat(by).contains("a", "b");
        });
    }
}
