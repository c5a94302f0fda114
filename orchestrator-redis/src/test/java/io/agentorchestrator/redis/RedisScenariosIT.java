package io.agentorchestrator.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.OrchestratorException;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.TaskResult;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.core.AgentRuntime;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.kit.TestSecurity;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamEntry;

/** What the Redis transport does beyond the kit: sharing, crashes, restarts, bad input, priorities, dedupe. */
class RedisScenariosIT {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String PREFIX = TestRedis.uniquePrefix("scenarios");

    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @AfterEach
    void closeEverything() throws Exception {
        while (!resources.isEmpty()) {
            resources.pop().close();
        }
    }

    @AfterAll
    static void deleteKeys() {
        TestRedis.deleteKeys(PREFIX);
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.push(resource);
        return resource;
    }

    private RedisTransport transport() {
        return transport(TestRedis.uri("prefix=" + PREFIX + "&claimIdle=1s&leaseCheck=100ms"));
    }

    private RedisTransport transport(URI uri) {
        return track((RedisTransport) new RedisTransportProvider().create(uri));
    }

    private AgentDescriptor agent(String name, String capability, String endpoint, int concurrency) {
        return AgentDescriptor.builder(name + "-" + run).capability(capability).endpoint(endpoint).maxConcurrency(concurrency).build();
    }

    private AgentRuntime start(AgentDescriptor agent, Transport transport, io.agentorchestrator.core.AgentHandler handler, boolean announce) {
        AgentRuntime runtime = AgentRuntime.builder(agent).security(TestSecurity.OFF).transport(transport).handler(handler).announce(announce)
                .heartbeatInterval(Duration.ofMillis(200)).drainTimeout(Duration.ofSeconds(2)).start();
        resources.push(() -> runtime.close(Duration.ZERO));
        return runtime;
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    }

    // ---------------------------------------------------------------- sharing

    @Test
    void twoOrchestratorsShareTheAgentsAnnouncedInRedis() throws Exception {
        Orchestrator first = track(Orchestrator.builder().security(TestSecurity.OFF).transport(transport()).defaultTimeout(PATIENCE).build());
        Orchestrator second = track(Orchestrator.builder().security(TestSecurity.OFF).transport(transport()).defaultTimeout(PATIENCE).build());
        String capability = "shared-" + run;
        Map<String, AtomicInteger> served = new ConcurrentHashMap<>();
        List<AgentRuntime> runtimes = new ArrayList<>();
        for (String name : List.of("s1", "s2")) {
            AgentDescriptor d = agent(name, capability, "redis:" + name + "-" + run, 8);
            runtimes.add(start(d, transport(), task -> {
                served.computeIfAbsent(d.id(), k -> new AtomicInteger()).incrementAndGet();
                return Payload.ofUtf8("done:" + task.payload().asUtf8());
            }, true));
        }
        await().atMost(PATIENCE).until(() -> first.agents(capability).size() == 2 && second.agents(capability).size() == 2);

        List<CompletableFuture<TaskResult>> fromFirst = new ArrayList<>();
        List<CompletableFuture<TaskResult>> fromSecond = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            fromFirst.add(first.dispatch(Task.of(capability, "first-" + i)));
            fromSecond.add(second.dispatch(Task.of(capability, "second-" + i)));
        }
        for (int i = 0; i < 100; i++) {
            // Each reply reaches the instance that asked, and no other.
            assertThat(get(fromFirst.get(i)).payload().asUtf8()).isEqualTo("done:first-" + i);
            assertThat(get(fromSecond.get(i)).payload().asUtf8()).isEqualTo("done:second-" + i);
        }
        assertThat(served).hasSize(2);
        assertThat(served.values().stream().mapToInt(AtomicInteger::get).sum()).isEqualTo(200);

        // An orderly stop disappears everywhere.
        runtimes.get(0).close();
        await().atMost(PATIENCE).until(() -> first.agents(capability).size() == 1 && second.agents(capability).size() == 1);

        // An agent that stops heartbeating (a crash sends no withdrawal) disappears everywhere when its lease lapses.
        AgentDescriptor ghost = agent("ghost", capability, "redis:ghost-" + run, 1);
        transport().directory().orElseThrow().announce(ghost, Duration.ofMillis(1500));
        await().atMost(PATIENCE).until(() -> first.agent(ghost.id()).isPresent() && second.agent(ghost.id()).isPresent());
        await().atMost(PATIENCE).until(() -> first.agent(ghost.id()).isEmpty() && second.agent(ghost.id()).isEmpty());
    }

    // ---------------------------------------------------------------- crash of an agent process

    @Test
    void tasksPendingOnAKilledAgentProcessAreFinishedByAnotherAgent() throws Exception {
        String capability = "crunch-" + run;
        String endpoint = "redis:capability/" + capability;
        URI uri = TestRedis.uri("prefix=" + PREFIX + "&claimIdle=1s");
        Orchestrator orchestrator = track(Orchestrator.builder().security(TestSecurity.OFF).transport(transport(uri)).watchAgentDirectory(false)
                .defaultTimeout(PATIENCE).build());
        // One descriptor for the whole capability: the consumer group balances among whoever reads it.
        orchestrator.register(agent("pool", capability, endpoint, 64));

        Process victim = new ProcessBuilder(javaBinary(), "-cp", System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", AgentProcess.class.getName(), uri.toString(), "victim-" + run, endpoint,
                capability, "4").redirectErrorStream(true).start();
        resources.push(victim::destroyForcibly);
        BufferedReader out = new BufferedReader(new InputStreamReader(victim.getInputStream(), StandardCharsets.UTF_8));
        assertThat(readUntil(out, "READY")).isTrue();

        int n = 20;
        List<CompletableFuture<TaskResult>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(orchestrator.dispatch(Task.of(capability, "job-" + i)));
        }
        Set<String> taken = Collections.synchronizedSet(new java.util.HashSet<>());
        for (int i = 0; i < 4; i++) {
            String line = readLine(out, "TOOK ");
            taken.add(line.substring("TOOK ".length()));
        }
        victim.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
        assertThat(victim.isAlive()).isFalse();

        RedisTransport survivorTransport = transport(uri);
        Set<String> doneBySurvivor = Collections.synchronizedSet(new java.util.HashSet<>());
        start(agent("survivor", capability, endpoint, 8), survivorTransport, task -> {
            doneBySurvivor.add(task.payload().asUtf8());
            return Payload.ofUtf8("ok:" + task.payload().asUtf8());
        }, false);

        int results = 0;
        int errors = 0;
        for (int i = 0; i < n; i++) {
            try {
                assertThat(get(futures.get(i)).payload().asUtf8()).isEqualTo("ok:job-" + i);
                results++;
            } catch (ExecutionException e) {
                errors++;
            }
        }
        assertThat(results + errors).isEqualTo(n);
        assertThat(results).isEqualTo(n);
        assertThat(doneBySurvivor).containsAll(taken);
        assertThat(survivorTransport.reclaimed.sum()).isGreaterThanOrEqualTo(4);
        assertThat(survivorTransport.counters().orElseThrow().redeliveries()).as("redeliveries for metrics")
                .isEqualTo(survivorTransport.reclaimed.sum());
    }

    @Test
    void tasksOnAKilledAgentsOwnStreamFailOverWhenItsLeaseLapses() throws Exception {
        String capability = "own-" + run;
        URI uri = TestRedis.uri("prefix=" + PREFIX + "&claimIdle=1s&leaseCheck=100ms");
        // Watches the directory (the default): it learns of both agents, and of the victim's lease lapsing.
        Orchestrator orchestrator = track(Orchestrator.builder().security(TestSecurity.OFF).transport(transport(uri)).balancer("round-robin")
                .defaultTimeout(PATIENCE).build());
        String victimId = "victim-" + run;
        Process victim = new ProcessBuilder(javaBinary(), "-cp", System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", AgentProcess.class.getName(), uri.toString(), victimId,
                "redis:" + victimId, capability, "4", "announce").redirectErrorStream(true).start();
        resources.push(victim::destroyForcibly);
        BufferedReader out = new BufferedReader(new InputStreamReader(victim.getInputStream(), StandardCharsets.UTF_8));
        assertThat(readUntil(out, "READY")).isTrue();
        await().atMost(PATIENCE).until(() -> orchestrator.agent(victimId).isPresent());

        int n = 3;
        List<CompletableFuture<TaskResult>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(orchestrator.dispatch(Task.of(capability, "own-" + i)));
        }
        for (int i = 0; i < n; i++) {
            readLine(out, "TOOK ");
        }
        // Only now a second agent, so that every task surely went to the victim first.
        AgentDescriptor survivor = agent("heir", capability, "redis:heir-" + run, 4);
        start(survivor, transport(uri), task -> Payload.ofUtf8("ok:" + task.payload().asUtf8()), true);
        await().atMost(PATIENCE).until(() -> orchestrator.agent(survivor.id()).isPresent());
        victim.destroyForcibly().waitFor(20, TimeUnit.SECONDS);

        for (int i = 0; i < n; i++) {
            TaskResult r = get(futures.get(i));
            assertThat(r.payload().asUtf8()).isEqualTo("ok:own-" + i);
            assertThat(r.agentId()).isEqualTo(survivor.id());
            assertThat(r.attempts()).isEqualTo(2);
        }
        await().atMost(PATIENCE).until(() -> orchestrator.agent(victimId).isEmpty());
        // Failed-over entries are deleted, so a restarted victim does not run them a second time.
        try (RedisClient redis = TestRedis.client()) {
            assertThat(redis.xlen(PREFIX + ":agent:" + victimId + ":p5")).isZero();
        }
    }

    private static String javaBinary() {
        return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    }

    private static boolean readUntil(BufferedReader out, String marker) throws Exception {
        return readLine(out, marker) != null;
    }

    /** The next line of the child's output starting with {@code marker}; fails after PATIENCE. */
    private static String readLine(BufferedReader out, String marker) throws Exception {
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                String l;
                while ((l = out.readLine()) != null) {
                    if (l.startsWith(marker)) {
                        return l;
                    }
                }
                return null;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String l = line.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(l).as("agent process printed a line starting with '%s'", marker).isNotNull();
        return l;
    }

    // ---------------------------------------------------------------- Redis restart

    @Test
    void redisRestartDuringLoadLosesNoTaskAndTheTransportReconnects() throws Exception {
        PrivateRedis redis = track(PrivateRedis.start());
        URI uri = URI.create(redis.uri() + "?prefix=" + PREFIX + "&claimIdle=1s&timeout=500ms&block=200ms");
        Orchestrator orchestrator = track(Orchestrator.builder().security(TestSecurity.OFF).transport(transport(uri)).watchAgentDirectory(false)
                .defaultTimeout(Duration.ofSeconds(10)).build());
        String capability = "restart-" + run;
        for (String name : List.of("r1", "r2")) {
            AgentDescriptor d = agent(name, capability, "redis:" + name + "-" + run, 8);
            start(d, transport(uri), task -> Payload.ofUtf8("ok:" + task.payload().asUtf8()), false);
            orchestrator.register(d);
        }

        int n = 600;
        List<CompletableFuture<TaskResult>> futures = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger completed = new AtomicInteger();
        CountDownLatch allDispatched = new CountDownLatch(1);
        ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor();
        resources.push(load::shutdownNow);
        AtomicInteger next = new AtomicInteger();
        load.scheduleAtFixedRate(() -> {
            int i = next.getAndIncrement();
            if (i >= n) {
                allDispatched.countDown();
                throw new IllegalStateException("done"); // ends the schedule
            }
            CompletableFuture<TaskResult> f = orchestrator.dispatch(Task.of(capability, "load-" + i));
            f.whenComplete((r, e) -> completed.incrementAndGet());
            futures.add(f);
        }, 0, 3, TimeUnit.MILLISECONDS);

        await().atMost(PATIENCE).until(() -> completed.get() >= 100);
        int dispatchedBeforeRestart = next.get();
        redis.restart();
        assertThat(allDispatched.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

        int results = 0;
        int errors = 0;
        for (CompletableFuture<TaskResult> f : futures) {
            try {
                f.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
                results++;
            } catch (ExecutionException e) {
                // Typed: the caller learns why (transport down, timeout), never a bare exception or a hang.
                assertThat(e.getCause()).isInstanceOf(OrchestratorException.class);
                errors++;
            }
        }
        assertThat(futures).hasSize(n);
        assertThat(dispatchedBeforeRestart).as("the restart happened under load").isLessThan(n);
        assertThat(results + errors).isEqualTo(n);
        assertThat(results).isGreaterThanOrEqualTo(100);

        // Reconnected by itself: everything sent now is answered.
        List<CompletableFuture<TaskResult>> after = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            after.add(orchestrator.dispatch(Task.of(capability, "after-" + i)));
        }
        for (int i = 0; i < 50; i++) {
            assertThat(get(after.get(i)).payload().asUtf8()).isEqualTo("ok:after-" + i);
        }
    }

    @Test
    @SuppressWarnings("deprecation") // sendCommand: the plain way to send ACL SETUSER
    void aReplyReaderThatMayNotMakeItsGroupKeepsTryingAndReadsOnceItMay() throws Exception {
        PrivateRedis redis = track(PrivateRedis.start());
        try (RedisClient admin = RedisClient.create(redis.uri())) {
            admin.sendCommand(Protocol.Command.ACL, "SETUSER", "reader", "on", ">pw", "~*", "&*", "+@all", "-xgroup");
            String base = "redis://127.0.0.1:" + redis.port() + "?prefix=" + PREFIX;
            AgentDescriptor echo = agent("nogroup", "echo", "redis:nogroup-" + run, 2);
            track(transport(URI.create(base)).listen(echo,
                    (task, reply) -> reply.reply(ResultEnvelope.success(task.taskId(), echo.id(), task.payload()))));
            RedisTransport orchestratorSide = transport(URI.create("redis://reader:pw@127.0.0.1:" + redis.port() + "?prefix=" + PREFIX));

            var answer = orchestratorSide.send(echo, envelope("waited", 5));
            // The reply is written, but the reader has no group to read it with and may not make one.
            await().atMost(PATIENCE).until(() -> admin.xlen(orchestratorSide.replyStream()) == 1);
            assertThat(answer).isNotDone();

            admin.sendCommand(Protocol.Command.ACL, "SETUSER", "reader", "+xgroup");
            assertThat(get(answer).payload().asUtf8()).isEqualTo("waited");
        }
    }

    // ---------------------------------------------------------------- connection settings

    @Test
    @SuppressWarnings("deprecation") // sendCommand: the plain way to send ACL SETUSER
    void aclUserPasswordAndDatabaseComeFromTheUri() throws Exception {
        PrivateRedis redis = track(PrivateRedis.start());
        try (RedisClient admin = RedisClient.create(redis.uri())) {
            admin.sendCommand(Protocol.Command.ACL, "SETUSER", "orchestrator", "on", ">s3cret:x", "~*", "&*", "+@all");
            admin.sendCommand(Protocol.Command.ACL, "SETUSER", "default", "off");
        }
        String base = "redis://orchestrator:s3cret%3Ax@127.0.0.1:" + redis.port() + "/5?prefix=" + PREFIX;
        RedisTransport orchestratorSide = transport(URI.create(base));
        AgentDescriptor echo = agent("acl", "echo", "redis:acl-" + run, 2);
        track(transport(URI.create(base)).listen(echo,
                (task, reply) -> reply.reply(ResultEnvelope.success(task.taskId(), echo.id(), task.payload()))));
        assertThat(get(orchestratorSide.send(echo, envelope("authenticated", 5))).payload().asUtf8()).isEqualTo("authenticated");
        try (RedisClient check = RedisClient.builder().hostAndPort("127.0.0.1", redis.port())
                .clientConfig(DefaultJedisClientConfig.builder().user("orchestrator").password("s3cret:x")
                        .database(5).build()).build()) {
            assertThat(check.exists(PREFIX + ":agent:" + echo.id() + ":p5")).isTrue();
        }

        RedisTransport wrong = transport(URI.create("redis://orchestrator:nope@127.0.0.1:" + redis.port() + "?prefix=" + PREFIX));
        assertThat(wrong.send(echo, envelope("x", 5))).failsWithin(PATIENCE).withThrowableOfType(ExecutionException.class)
                .havingCause().isInstanceOf(io.agentorchestrator.api.TransportException.class).withMessageNotContaining("nope");
    }

    @Test
    void redissSpeaksTlsAndVerifiesTheServer() throws Exception {
        PrivateRedis redis = track(PrivateRedis.startTls());
        URI uri = URI.create("rediss://127.0.0.1:" + redis.port() + "?prefix=" + PREFIX + "&truststore=" + redis.truststore()
                + "&truststorePassword=" + PrivateRedis.TRUSTSTORE_PASSWORD);
        RedisTransport orchestratorSide = transport(uri);
        AgentDescriptor echo = agent("tls", "echo", "redis:tls-" + run, 2);
        track(transport(uri).listen(echo, (task, reply) -> reply.reply(ResultEnvelope.success(task.taskId(), echo.id(), task.payload()))));
        assertThat(get(orchestratorSide.send(echo, envelope("over tls", 5))).payload().asUtf8()).isEqualTo("over tls");

        // Without trusting the server's certificate the handshake fails, and says so as a transport failure.
        RedisTransport untrusting = transport(URI.create("rediss://127.0.0.1:" + redis.port() + "?prefix=" + PREFIX + "&timeout=500ms"));
        assertThat(untrusting.send(echo, envelope("x", 5))).failsWithin(PATIENCE).withThrowableOfType(ExecutionException.class)
                .havingCause().isInstanceOf(io.agentorchestrator.api.TransportException.class);
    }

    // ---------------------------------------------------------------- malformed input

    @Test
    void malformedEntriesAreDeadLetteredCountedAndConsumingGoesOn() throws Exception {
        RedisTransport orchestratorSide = transport();
        RedisTransport agentSide = transport();
        AgentDescriptor echo = agent("echo", "echo", "redis:echo-" + run, 4);
        AtomicInteger handled = new AtomicInteger();
        track(agentSide.listen(echo, (task, reply) -> {
            handled.incrementAndGet();
            reply.reply(ResultEnvelope.success(task.taskId(), echo.id(), task.payload()));
        }));
        // The orchestrator side must exist (its reply stream) before a bad task can name it.
        assertThat(get(orchestratorSide.send(echo, envelope("warm", 1))).payload().asUtf8()).isEqualTo("warm");

        String stream = PREFIX + ":agent:" + echo.id() + ":p5";
        try (RedisClient redis = TestRedis.client()) {
            redis.xadd(stream, XAddParams.xAddParams(), Map.of("task", "this is not json"));
            redis.xadd(stream, XAddParams.xAddParams(), Map.of("body", "no task field"));
            // Wrong type, but with an address: its caller is told at once rather than left to time out.
            redis.xadd(stream, XAddParams.xAddParams(), Map.of("task", "{\"version\":1,\"taskId\":\"bad-" + run + "\",\"capability\":\"echo\","
                    + "\"payload\":\"\",\"priority\":\"high\",\"deadlineEpochMillis\":0,\"attempt\":1,\"replyTo\":\""
                    + orchestratorSide.replyStream() + "\"}"));
            // A malformed reply on the orchestrator's own stream.
            redis.xadd(orchestratorSide.replyStream(), XAddParams.xAddParams(), Map.of("reply", "{\"version\":1}"));
        }
        assertThat(get(orchestratorSide.send(echo, envelope("after", 1))).payload().asUtf8()).isEqualTo("after");

        await().atMost(PATIENCE).until(() -> agentSide.deadLettered.sum() == 3 && orchestratorSide.deadLettered.sum() == 1);
        await().atMost(PATIENCE).until(() -> orchestratorSide.lateReplies.sum() == 1); // the failure reply to "bad-…"
        assertThat(agentSide.counters().orElseThrow().deadLetters()).as("dead letters for metrics").isEqualTo(3);
        assertThat(orchestratorSide.counters().orElseThrow().lateReplies()).as("late replies for metrics").isEqualTo(1);
        assertThat(handled.get()).isEqualTo(2);
        try (RedisClient redis = TestRedis.client()) {
            List<StreamEntry> dead = redis.xrange(PREFIX + ":dead-letter", "-", "+");
            assertThat(dead).extracting(e -> e.getFields().get("source")).contains(stream, orchestratorSide.replyStream());
            assertThat(dead).extracting(e -> e.getFields().get("reason")).contains("entry must have a field 'task', but was '[body]'");
            // Nothing is left pending: bad entries are acknowledged once moved.
            assertThat(redis.xpending(stream, Keys.GROUP).getTotal()).isZero();
        }
    }

    @Test
    void taskStreamsAreCappedByApproximateMaxLen() {
        RedisTransport orchestratorSide = transport(TestRedis.uri("prefix=" + PREFIX + "&maxLen=100"));
        AgentDescriptor nobody = agent("nobody", "echo", "redis:nobody-" + run, 1);
        for (int i = 0; i < 1000; i++) {
            orchestratorSide.send(nobody, envelope("t" + i, 5));
        }
        String stream = PREFIX + ":agent:" + nobody.id() + ":p5";
        try (RedisClient redis = TestRedis.client()) {
            await().atMost(PATIENCE).until(() -> redis.xrevrange(stream, "+", "-", 1).stream()
                    .anyMatch(e -> e.getFields().get("task").contains(base64("t999"))));
            // "~" trims whole nodes (100 entries each by default): the length stays near the cap, far below 1000.
            assertThat(redis.xlen(stream)).isBetween(100L, 300L);
        }
    }

    private static String base64(String s) {
        return java.util.Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private TaskEnvelope envelope(String payload, int priority) {
        Task task = Task.builder("echo").payload(payload).priority(priority).build();
        return TaskEnvelope.of(task, System.currentTimeMillis() + PATIENCE.toMillis(), 1, null);
    }

    // ---------------------------------------------------------------- priorities

    @Test
    void higherPriorityStreamsAreReadFirst() throws Exception {
        RedisTransport orchestratorSide = transport();
        AgentDescriptor single = agent("single", "echo", "redis:single-" + run, 1);
        List<CompletableFuture<ResultEnvelope>> replies = new ArrayList<>();
        // Queued in Redis before the agent starts, lowest first.
        for (int priority : new int[] {1, 1, 5, 9, 5, 9, 0}) {
            replies.add(orchestratorSide.send(single, envelope("p" + priority, priority)));
        }
        await().atMost(PATIENCE).until(() -> streamLength(PREFIX + ":agent:" + single.id(), List.of(0, 1, 5, 9)) == 7);
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        track(transport().listen(single, (task, reply) -> {
            order.add(task.payload().asUtf8());
            reply.reply(ResultEnvelope.success(task.taskId(), single.id(), Payload.empty()));
        }));
        for (CompletableFuture<ResultEnvelope> r : replies) {
            get(r);
        }
        assertThat(order).containsExactly("p9", "p9", "p5", "p5", "p1", "p1", "p0");
    }

    @Test
    void aHigherPriorityTaskThatArrivesLaterOvertakesTheLowerOnesTheAgentAlreadyHolds() throws Exception {
        RedisTransport orchestratorSide = transport();
        AgentDescriptor pair = agent("pair", "echo", "redis:pair-" + run, 2);
        List<CompletableFuture<ResultEnvelope>> replies = new ArrayList<>();
        // A backlog on two levels before the agent starts: its first read takes some of both.
        for (int i = 0; i < 3; i++) {
            replies.add(orchestratorSide.send(pair, envelope("p5", 5)));
            replies.add(orchestratorSide.send(pair, envelope("p1", 1)));
        }
        await().atMost(PATIENCE).until(() -> streamLength(PREFIX + ":agent:" + pair.id(), List.of(1, 5)) == 6);
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch firstTwo = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        java.util.concurrent.ExecutorService workers = Executors.newFixedThreadPool(2);
        resources.push(workers::shutdownNow);
        // The order the listener hands tasks over in, recorded as it does (not when a worker thread gets to run).
        track(transport().listen(pair, (task, reply) -> {
            order.add(task.payload().asUtf8());
            firstTwo.countDown();
            workers.execute(() -> {
                try {
                    release.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                reply.reply(ResultEnvelope.success(task.taskId(), pair.id(), Payload.empty()));
            });
        }));
        assertThat(firstTwo.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        // Both slots busy and lower tasks read ahead: urgent ones arrive now and must go first.
        replies.add(orchestratorSide.send(pair, envelope("p9", 9)));
        replies.add(orchestratorSide.send(pair, envelope("p9", 9)));
        await().atMost(PATIENCE).until(() -> streamLength(PREFIX + ":agent:" + pair.id(), List.of(9)) == 2);
        release.countDown();
        for (CompletableFuture<ResultEnvelope> r : replies) {
            get(r);
        }
        assertThat(order).containsExactly("p5", "p5", "p9", "p9", "p5", "p1", "p1", "p1");
    }

    private static long streamLength(String base, List<Integer> levels) {
        try (RedisClient redis = TestRedis.client()) {
            long n = 0;
            for (int p : levels) {
                n += redis.xlen(base + ":p" + p);
            }
            return n;
        }
    }

    // ---------------------------------------------------------------- redelivery and dedupe

    @Test
    void aRedeliveredTaskRunsOnlyIfItWasNotAnsweredYet() throws Exception {
        RedisTransport orchestratorSide = transport();
        AgentDescriptor worker = agent("worker", "echo", "redis:worker-" + run, 4);
        String stream = PREFIX + ":agent:" + worker.id() + ":p5";
        CompletableFuture<ResultEnvelope> answered = orchestratorSide.send(worker, envelope("answered", 5));
        CompletableFuture<ResultEnvelope> unanswered = orchestratorSide.send(worker, envelope("unanswered", 5));
        await().atMost(PATIENCE).until(() -> streamLength(PREFIX + ":agent:" + worker.id(), List.of(5)) == 2);
        try (RedisClient redis = TestRedis.client()) {
            // A consumer that took both and crashed; it had answered the first (the mark is set) but not the second.
            redis.xgroupCreate(stream, Keys.GROUP, new StreamEntryID(0, 0), true);
            List<Map.Entry<String, List<StreamEntry>>> taken = redis.xreadGroup(Keys.GROUP, "crashed", XReadGroupParams.xReadGroupParams()
                    .count(10), Map.of(stream, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY));
            assertThat(taken.get(0).getValue()).hasSize(2);
            TaskEnvelope first = WireCodec.decodeTask(taken.get(0).getValue().get(0).getFields());
            redis.set(PREFIX + ":done:" + first.taskId() + ":1", "1");
        }
        answered.cancel(false); // its reply went out with the crashed consumer

        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        RedisTransport agentSide = transport();
        track(agentSide.listen(worker, (task, reply) -> {
            runs.computeIfAbsent(task.payload().asUtf8(), k -> new AtomicInteger()).incrementAndGet();
            reply.reply(ResultEnvelope.success(task.taskId(), worker.id(), task.payload()));
        }));
        assertThat(get(unanswered).payload().asUtf8()).isEqualTo("unanswered");
        await().atMost(PATIENCE).until(() -> agentSide.duplicatesSkipped.sum() == 1);
        assertThat(runs).containsOnlyKeys("unanswered");
        try (RedisClient redis = TestRedis.client()) {
            assertThat(redis.xpending(stream, Keys.GROUP).getTotal()).isZero();
        }
    }

    @Test
    void aLateReplyIsDroppedAndCountedNeverHandedToAnotherAttempt() throws Exception {
        RedisTransport orchestratorSide = transport();
        CountDownLatch releaseSlow = new CountDownLatch(1);
        CountDownLatch releaseFast = new CountDownLatch(1);
        AgentDescriptor slow = agent("slow", "echo", "redis:slow-" + run, 2);
        AgentDescriptor fast = agent("fast", "echo", "redis:fast-" + run, 2);
        CountDownLatch slowReceived = new CountDownLatch(1);
        java.util.concurrent.ExecutorService workers = Executors.newFixedThreadPool(2);
        resources.push(workers::shutdownNow);
        for (var pair : List.of(Map.entry(slow, releaseSlow), Map.entry(fast, releaseFast))) {
            AgentDescriptor d = pair.getKey();
            track(transport().listen(d, (task, reply) -> workers.execute(() -> {
                if (d == slow) {
                    slowReceived.countDown();
                }
                try {
                    pair.getValue().await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                reply.reply(ResultEnvelope.success(task.taskId(), d.id(), Payload.ofUtf8("from " + d.id())));
            })));
        }
        Task task = Task.of("echo", "x");
        long deadline = System.currentTimeMillis() + PATIENCE.toMillis();
        CompletableFuture<ResultEnvelope> attempt1 = orchestratorSide.send(slow, TaskEnvelope.of(task, deadline, 1, null));
        assertThat(slowReceived.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        attempt1.cancel(false); // what the engine does when the attempt times out
        CompletableFuture<ResultEnvelope> attempt2 = orchestratorSide.send(fast, TaskEnvelope.of(task, deadline, 2, null));

        releaseSlow.countDown();
        await().atMost(PATIENCE).until(() -> orchestratorSide.lateReplies.sum() == 1);
        assertThat(attempt2).isNotDone();
        releaseFast.countDown();
        assertThat(get(attempt2).payload().asUtf8()).isEqualTo("from " + fast.id());
    }
}
