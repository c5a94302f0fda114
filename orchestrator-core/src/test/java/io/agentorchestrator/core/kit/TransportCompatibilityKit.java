package io.agentorchestrator.core.kit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.OrchestratorClosedException;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.TaskFailedException;
import io.agentorchestrator.api.TaskResult;
import io.agentorchestrator.api.TaskTimeoutException;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.AgentHandler;
import io.agentorchestrator.core.AgentRuntime;
import io.agentorchestrator.core.Balancers;
import io.agentorchestrator.core.Orchestrator;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Transport} must show, whatever carries the tasks. A transport's test
 * extends this class and says how to make a transport and an agent endpoint:
 *
 * <pre>{@code
 * class RedisTransportIT extends TransportCompatibilityKit {
 *     protected Transport newTransport() { return new RedisTransportProvider().create(URI.create("redis://127.0.0.1:6379")); }
 *     protected String endpoint(String agentId) { return "redis:" + agentId; }
 * }
 * }</pre>
 *
 * <p>Each test builds its own orchestrator and agents on fresh transport instances (orchestrator
 * and agent sides get separate instances, as if in separate processes) with unique agent ids, and
 * closes them all afterwards. Wire-level checks that only a broker has (malformed messages,
 * dead-lettering) belong in the transport's own tests.
 */
public abstract class TransportCompatibilityKit {

    /** Upper bound for waiting on anything that should happen promptly. */
    protected static final Duration PATIENCE = Duration.ofSeconds(30);

    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private final String run = UUID.randomUUID().toString().substring(0, 8);

    /** A new transport instance for one side (orchestrator or agent); the kit closes it. */
    protected abstract Transport newTransport();

    /** The endpoint URI string of an agent with this id on this transport, e.g. {@code "redis:planner-1"}. */
    protected abstract String endpoint(String agentId);

    /**
     * Whether the transport shares agents through an {@link io.agentorchestrator.api.AgentDirectory};
     * true for every broker transport. A transport without a broker (plain HTTP) says false, and
     * the kit checks that it reports none and that announcing agents still start.
     */
    protected boolean sharesAgentDirectory() {
        return true;
    }

    /**
     * Whether the transport offers an {@link io.agentorchestrator.api.EventChannel}; true for every
     * broker transport. One without a broker says false, and the kit checks that it reports none.
     */
    protected boolean offersEventChannel() {
        return true;
    }

    /** A transport for the agent side; by default another {@link #newTransport()}. */
    protected Transport newAgentTransport() {
        return newTransport();
    }

    @AfterEach
    void closeEverything() throws Exception {
        while (!resources.isEmpty()) {
            resources.pop().close();
        }
    }

    // ------------------------------------------------------------------ helpers for subclasses

    /** A unique agent id for this test run. */
    protected String agentId(String name) {
        return name + "-" + run;
    }

    /** A descriptor for an agent of {@code capability} on this transport. */
    protected AgentDescriptor agent(String name, String capability, int maxConcurrency) {
        String id = agentId(name);
        return AgentDescriptor.builder(id).capability(capability).endpoint(endpoint(id)).maxConcurrency(maxConcurrency).build();
    }

    /**
     * Starts an agent-side runtime for {@code agent} on a fresh agent transport, without
     * announcing it (tests register agents by hand); closed after the test.
     */
    protected AgentRuntime startAgent(AgentDescriptor agent, AgentHandler handler) {
        return startAgent(agent, handler, false);
    }

    /** Starts an agent-side runtime, announcing it through the directory with 1 s heartbeats when asked. */
    protected AgentRuntime startAgent(AgentDescriptor agent, AgentHandler handler, boolean announce) {
        Transport transport = track(newAgentTransport());
        AgentRuntime runtime = AgentRuntime.builder(agent).security(TestSecurity.OFF).transport(transport).handler(handler).drainTimeout(Duration.ofSeconds(5))
                .announce(announce).heartbeatInterval(Duration.ofSeconds(1)).start();
        resources.push(() -> runtime.close(Duration.ZERO));
        return runtime;
    }

    /** An orchestrator builder on a fresh transport; whatever it builds must be passed to {@link #track}. */
    protected Orchestrator.Builder orchestratorBuilder() {
        return Orchestrator.builder().security(TestSecurity.OFF).transport(track(newTransport())).defaultTimeout(PATIENCE);
    }

    /** Closes {@code resource} after the test (in reverse order of tracking). */
    protected <T extends AutoCloseable> T track(T resource) {
        resources.push(resource);
        return resource;
    }

    private Orchestrator orchestrator() {
        return track(orchestratorBuilder().build());
    }

    private static <T> T await(CompletableFuture<T> future) throws Exception {
        try {
            return future.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception) {
                throw (Exception) e.getCause();
            }
            throw e;
        }
    }

    private static void awaitLatch(CountDownLatch latch) throws InterruptedException {
        assertThat(latch.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).as("waited %s", PATIENCE).isTrue();
    }

    // ------------------------------------------------------------------ the kit

    @Test
    void requestReplyCarriesPayloadHeadersAndKey() throws Exception {
        Orchestrator orchestrator = orchestrator();
        Map<String, TaskEnvelope> seen = new ConcurrentHashMap<>();
        AgentDescriptor echo = agent("echo", "echo", 4);
        startAgent(echo, task -> {
            seen.put(task.taskId(), task);
            return Payload.ofUtf8("echo:" + task.payload().asUtf8());
        });
        orchestrator.register(echo);

        byte[] binary = {0, 1, 2, (byte) 0xff, (byte) 0xfe, 10, 13};
        Task task = Task.builder("echo").payload(Payload.of(binary)).key("shipment-42").priority(7)
                .header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").build();
        TaskResult result = await(orchestrator.dispatch(task));

        assertThat(result.taskId()).isEqualTo(task.id());
        assertThat(result.agentId()).isEqualTo(echo.id());
        assertThat(result.attempts()).isEqualTo(1);
        TaskEnvelope received = seen.get(task.id());
        assertThat(received.payload().toByteArray()).isEqualTo(binary);
        assertThat(received.key()).isEqualTo("shipment-42");
        assertThat(received.priority()).isEqualTo(7);
        assertThat(received.headers()).containsEntry("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        assertThat(received.attempt()).isEqualTo(1);
        assertThat(received.deadlineEpochMillis()).isGreaterThan(System.currentTimeMillis());

        TaskResult text = await(orchestrator.dispatch(Task.of("echo", "héllo wörld ☃")));
        assertThat(text.payload().asUtf8()).isEqualTo("echo:héllo wörld ☃");
    }

    @Test
    void manyConcurrentTasksAreAllAnsweredAcrossAgents() throws Exception {
        Orchestrator orchestrator = orchestrator();
        Map<String, AtomicInteger> perAgent = new ConcurrentHashMap<>();
        for (String name : List.of("a", "b", "c")) {
            AgentDescriptor d = agent(name, "work", 8);
            startAgent(d, task -> {
                perAgent.computeIfAbsent(d.id(), k -> new AtomicInteger()).incrementAndGet();
                return Payload.ofUtf8(task.payload().asUtf8().toUpperCase());
            });
            orchestrator.register(d);
        }
        int n = 600;
        List<CompletableFuture<TaskResult>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(orchestrator.dispatch(Task.of("work", "task-" + i)));
        }
        for (int i = 0; i < n; i++) {
            assertThat(await(futures.get(i)).payload().asUtf8()).isEqualTo("TASK-" + i);
        }
        assertThat(perAgent).hasSize(3);
        assertThat(perAgent.values().stream().mapToInt(AtomicInteger::get).sum()).isEqualTo(n);
    }

    @Test
    void slowAgentMakesTheTaskTimeOutAndItsLateReplyIsDropped() throws Exception {
        Orchestrator orchestrator = orchestrator();
        CountDownLatch release = new CountDownLatch(1);
        AgentDescriptor slow = agent("slow", "slow", 2);
        startAgent(slow, task -> {
            if (!task.payload().asUtf8().equals("warm-up")) {
                release.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            }
            return Payload.ofUtf8(task.payload().asUtf8());
        });
        orchestrator.register(slow);
        // A first round trip, so that a broker's consumer is surely running before the clock matters.
        assertThat(await(orchestrator.dispatch(Task.of("slow", "warm-up"))).payload().asUtf8()).isEqualTo("warm-up");

        CompletableFuture<TaskResult> future = orchestrator.dispatch(Task.builder("slow").payload("held").timeout(Duration.ofMillis(1000)).build());
        assertThatThrownBy(() -> await(future)).isInstanceOf(TaskTimeoutException.class)
                .hasMessageContaining("timed out after 1000 ms").hasMessageContaining(slow.id());
        // Whether the agent started it before its deadline or refused it after: its answer, if
        // any, is dropped, the slot the task held comes back, and the agent keeps serving.
        release.countDown();
        TaskResult next = await(orchestrator.dispatch(Task.builder("slow").payload("next").timeout(PATIENCE).build()));
        assertThat(next.payload().asUtf8()).isEqualTo("next");
        assertThat(future.isCompletedExceptionally()).isTrue();
    }

    @Test
    void agentCrashMidTaskStillCompletesTheTask() throws Exception {
        Orchestrator orchestrator = track(orchestratorBuilder().balancer(Balancers.roundRobin()).build());
        CountDownLatch started = new CountDownLatch(1);
        AgentDescriptor fragile = agent("fragile", "crashy", 2);
        AgentRuntime doomed = startAgent(fragile, task -> {
            started.countDown();
            new CountDownLatch(1).await(); // hangs until the crash interrupts it
            return Payload.ofUtf8("never");
        });
        orchestrator.register(fragile);

        CompletableFuture<TaskResult> future = orchestrator.dispatch(Task.of("crashy", "survive me"));
        awaitLatch(started);
        // Register the survivor only now so that the first attempt surely went to the fragile agent.
        AgentDescriptor survivor = agent("survivor", "crashy", 2);
        startAgent(survivor, task -> Payload.ofUtf8("survivor"));
        orchestrator.register(survivor);
        doomed.close(Duration.ZERO);
        // A broker redelivers to the restarted agent; in-process fails over to the survivor.
        startAgent(fragile, task -> Payload.ofUtf8("restarted"));

        TaskResult result = await(future);
        assertThat(result.payload().asUtf8()).isIn("survivor", "restarted");
    }

    @Test
    void retryableFailureFailsOverToAnAgentNotYetTried() throws Exception {
        Orchestrator orchestrator = track(orchestratorBuilder().balancer(Balancers.roundRobin()).maxAttempts(3).build());
        Set<String> tried = Collections.newSetFromMap(new ConcurrentHashMap<>());
        for (String name : List.of("flaky-1", "flaky-2")) {
            AgentDescriptor d = agent(name, "flaky", 2);
            startAgent(d, task -> {
                tried.add(d.id());
                throw new TaskFailedException("model-overloaded", "try elsewhere", true);
            });
            orchestrator.register(d);
        }
        AgentDescriptor steady = agent("steady", "flaky", 2);
        startAgent(steady, task -> Payload.ofUtf8("steady"));

        CompletableFuture<TaskResult> doomed = orchestrator.dispatch(Task.of("flaky", "x"));
        assertThatThrownBy(() -> await(doomed)).isInstanceOf(TaskFailedException.class)
                .satisfies(e -> assertThat(((TaskFailedException) e).errorCode()).isEqualTo("model-overloaded"));
        assertThat(tried).hasSize(2);

        orchestrator.register(steady);
        TaskResult result = await(orchestrator.dispatch(Task.of("flaky", "y")));
        assertThat(result.payload().asUtf8()).isEqualTo("steady");
        assertThat(result.attempts()).isBetween(1, 3);
    }

    @Test
    void nonRetryableHandlerFailureIsReportedWithItsCodeAndNotRetried() throws Exception {
        Orchestrator orchestrator = orchestrator();
        AtomicInteger calls = new AtomicInteger();
        for (String name : List.of("strict-1", "strict-2")) {
            AgentDescriptor d = agent(name, "strict", 2);
            startAgent(d, task -> {
                calls.incrementAndGet();
                throw new IllegalStateException("certificate HC-7 expired");
            });
            orchestrator.register(d);
        }
        assertThatThrownBy(() -> await(orchestrator.dispatch(Task.of("strict", "x"))))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("certificate HC-7 expired")
                .satisfies(e -> assertThat(((TaskFailedException) e).errorCode()).isEqualTo(TaskFailedException.HANDLER_ERROR));
        assertThat(calls.get()).isEqualTo(1);
    }

    @Test
    void waitingTasksAreServedHighestPriorityFirst() throws Exception {
        Orchestrator orchestrator = orchestrator();
        CountDownLatch gate = new CountDownLatch(1);
        CountDownLatch blocking = new CountDownLatch(1);
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        AgentDescriptor single = agent("single", "ordered", 1);
        startAgent(single, task -> {
            if (task.payload().asUtf8().equals("blocker")) {
                blocking.countDown();
                gate.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            } else {
                order.add(task.payload().asUtf8());
            }
            return Payload.empty();
        });
        orchestrator.register(single);

        CompletableFuture<TaskResult> blocker = orchestrator.dispatch(Task.of("ordered", "blocker"));
        awaitLatch(blocking);
        List<CompletableFuture<TaskResult>> rest = new ArrayList<>();
        rest.add(orchestrator.dispatch(Task.builder("ordered").payload("low").priority(1).build()));
        rest.add(orchestrator.dispatch(Task.builder("ordered").payload("normal").build()));
        rest.add(orchestrator.dispatch(Task.builder("ordered").payload("urgent").priority(Task.MAX_PRIORITY).build()));
        rest.add(orchestrator.dispatch(Task.builder("ordered").payload("normal-2").build()));
        gate.countDown();
        await(blocker);
        for (CompletableFuture<TaskResult> f : rest) {
            await(f);
        }
        assertThat(order).containsExactly("urgent", "normal", "normal-2", "low");
    }

    @Test
    void closeWhileBusyLetsQuickTasksFinishAndFailsTheRest() throws Exception {
        Orchestrator orchestrator = track(orchestratorBuilder().shutdownTimeout(Duration.ofMillis(1500)).build());
        CountDownLatch bothStarted = new CountDownLatch(2);
        CountDownLatch forever = new CountDownLatch(1);
        AgentDescriptor busy = agent("busy", "busy", 4);
        startAgent(busy, task -> {
            bothStarted.countDown();
            if (task.payload().asUtf8().equals("quick")) {
                bothStarted.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
                return Payload.ofUtf8("done");
            }
            forever.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            return Payload.ofUtf8("too late");
        });
        orchestrator.register(busy);

        CompletableFuture<TaskResult> quick = orchestrator.dispatch(Task.of("busy", "quick"));
        CompletableFuture<TaskResult> stuck = orchestrator.dispatch(Task.of("busy", "stuck"));
        awaitLatch(bothStarted);
        orchestrator.close();
        forever.countDown();

        assertThat(quick).isCompleted();
        assertThat(await(quick).payload().asUtf8()).isEqualTo("done");
        assertThatThrownBy(() -> await(stuck)).isInstanceOf(OrchestratorClosedException.class).hasMessageContaining("shutdownTimeout");
        assertThatThrownBy(() -> await(orchestrator.dispatch(Task.of("busy", "after")))).isInstanceOf(OrchestratorClosedException.class);
    }

    @Test
    void agentsAnnouncedThroughTheDirectoryReachEveryOrchestrator() throws Exception {
        String capability = "announced-" + run;
        AgentDescriptor d = agent("announced", capability, 2);
        if (!sharesAgentDirectory()) {
            assertThat(track(newTransport()).directory()).as("a transport that says it shares no directory").isEmpty();
            Orchestrator orchestrator = orchestrator();
            startAgent(d, task -> Payload.ofUtf8("hello from " + d.id()), true);
            orchestrator.register(d);
            assertThat(await(orchestrator.dispatch(Task.of(capability, "1"))).payload().asUtf8()).isEqualTo("hello from " + d.id());
            return;
        }
        assertThat(track(newTransport()).directory()).as("the transport's shared AgentDirectory").isPresent();
        Orchestrator first = orchestrator();
        AgentRuntime runtime = startAgent(d, task -> Payload.ofUtf8("hello from " + d.id()), true);
        // Started after the agent announced itself: learns of it from the directory all the same.
        Orchestrator second = orchestrator();

        Awaitility.await().atMost(PATIENCE).until(() -> first.agent(d.id()).isPresent() && second.agent(d.id()).isPresent());
        assertThat(await(first.dispatch(Task.of(capability, "1"))).payload().asUtf8()).isEqualTo("hello from " + d.id());
        assertThat(await(second.dispatch(Task.of(capability, "2"))).payload().asUtf8()).isEqualTo("hello from " + d.id());

        runtime.close();
        Awaitility.await().atMost(PATIENCE).until(() -> first.agent(d.id()).isEmpty() && second.agent(d.id()).isEmpty());
    }

    @Test
    void oversizedPayloadIsRejectedBeforeAnythingIsSent() throws Exception {
        Orchestrator orchestrator = track(orchestratorBuilder().maxPayloadBytes(1024).build());
        AtomicInteger calls = new AtomicInteger();
        AgentDescriptor d = agent("sized", "sized", 2);
        startAgent(d, task -> {
            calls.incrementAndGet();
            return Payload.empty();
        });
        orchestrator.register(d);

        assertThatThrownBy(() -> orchestrator.dispatch(Task.of("sized", new byte[1025])))
                .isInstanceOf(ValidationException.class)
                .hasMessage("payload must be at most 1024 bytes (maxPayloadBytes), but was 1025");
        assertThat(await(orchestrator.dispatch(Task.of("sized", new byte[1024]))).agentId()).isEqualTo(d.id());
        assertThat(calls.get()).isEqualTo(1);
    }
    @Test
    void carriesTheTraceContextSoTheAgentSpanIsAChildOfTheDispatch() throws Exception {
        TracingFixture tracing = track(new TracingFixture());
        AgentDescriptor d = agent("traced", "traced", 1);
        java.util.concurrent.atomic.AtomicReference<Map<String, String>> received = new java.util.concurrent.atomic.AtomicReference<>();
        Transport agentTransport = track(newAgentTransport());
        AgentRuntime runtime = AgentRuntime.builder(d).security(TestSecurity.OFF).transport(agentTransport).announce(false).observationRegistry(tracing.registry())
                .handler(task -> {
                    received.set(task.headers());
                    return Payload.ofUtf8("traced");
                }).start();
        resources.push(() -> runtime.close(Duration.ZERO));
        Orchestrator orchestrator = track(orchestratorBuilder().observationRegistry(tracing.registry()).build());
        orchestrator.register(d);

        await(orchestrator.dispatch(Task.builder("traced").payload(Payload.ofUtf8("x")).header("tenant", "t-1").build()));

        var task = tracing.awaitSpan("task traced");
        var dispatch = tracing.awaitSpan("dispatch traced");
        var handled = tracing.awaitSpan("handle traced");
        assertThat(received.get()).as("headers the agent received").containsEntry("tenant", "t-1");
        assertThat(received.get().get("traceparent")).as("traceparent the agent received")
                .startsWith(TracingFixture.traceparentPrefixOf(dispatch));
        assertThat(dispatch.getParentSpanId()).isEqualTo(task.getSpanId());
        assertThat(handled.getParentSpanId()).as("the agent's span is a child of the dispatch span").isEqualTo(dispatch.getSpanId());
        assertThat(handled.getTraceId()).isEqualTo(task.getTraceId()).isEqualTo(dispatch.getTraceId());
        assertThat(dispatch.getKind()).isEqualTo(io.opentelemetry.api.trace.SpanKind.CLIENT);
        assertThat(handled.getKind()).isEqualTo(io.opentelemetry.api.trace.SpanKind.SERVER);
    }

    @Test
    void anEventChannelCarriesMessagesInOrderToWatchersOfThatChannelOnly() {
        Transport publishing = track(newTransport());
        if (!offersEventChannel()) {
            assertThat(publishing.eventChannel()).as("a transport without a broker has no event channel").isEmpty();
            return;
        }
        String channel = "kit-" + run;
        Transport watching = track(newTransport());
        java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.List<String> elsewhere = new java.util.concurrent.CopyOnWriteArrayList<>();
        track(watching.eventChannel().orElseThrow().watch(channel, m -> seen.add(new String(m, java.nio.charset.StandardCharsets.UTF_8))));
        track(watching.eventChannel().orElseThrow()
                .watch(channel + "-other", m -> elsewhere.add(new String(m, java.nio.charset.StandardCharsets.UTF_8))));
        io.agentorchestrator.api.EventChannel events = publishing.eventChannel().orElseThrow();
        // Delivery is live: publish until the watch is in place, then a numbered run.
        Awaitility.await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).until(() -> {
            events.publish(channel, "ping".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return seen.contains("ping");
        });
        for (int i = 0; i < 200; i++) {
            events.publish(channel, ("m" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        Awaitility.await().atMost(PATIENCE).until(() -> seen.contains("m199"));
        java.util.List<String> numbered = seen.subList(seen.indexOf("m0"), seen.size());
        assertThat(numbered).hasSize(200);
        for (int i = 0; i < 200; i++) {
            assertThat(numbered.get(i)).isEqualTo("m" + i);
        }
        assertThat(elsewhere).as("a watcher of another channel").isEmpty();
        assertThatThrownBy(() -> events.publish("not a name", new byte[0])).isInstanceOf(ValidationException.class)
                .hasMessageContaining("channel");
    }

    @Test
    void anOrchestratorMirrorsItsEventsToAWatcherOnAnotherTransportInstance() throws Exception {
        if (!offersEventChannel()) {
            return;
        }
        String channel = "kit-mirror-" + run;
        java.util.List<io.agentorchestrator.core.mirror.MirroredEvent> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        track(io.agentorchestrator.core.mirror.EventMirror.watch(track(newTransport()), channel, seen::add));
        Transport own = track(newTransport());
        Orchestrator orchestrator = track(Orchestrator.builder().security(TestSecurity.OFF).transport(own).defaultTimeout(PATIENCE)
                .watchAgentDirectory(false).mirrorEvents(own.scheme(), channel, "kit-node").build());
        AtomicInteger registered = new AtomicInteger();
        // Registrations until the watch is in place: each one is mirrored as an AgentRegistered event.
        Awaitility.await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).until(() -> {
            orchestrator.register(agent("mirrored-" + registered.incrementAndGet(), "mirrored", 1));
            return !seen.isEmpty();
        });
        AgentDescriptor d = agent("mirror-worker", "mirror-work", 1);
        startAgent(d, task -> Payload.ofUtf8("done"));
        orchestrator.register(d);
        String taskId = await(orchestrator.dispatch(Task.of("mirror-work", Payload.ofUtf8("x")))).taskId();
        Awaitility.await().atMost(PATIENCE).until(() -> seen.stream().anyMatch(e -> e.type().equals("TaskCompleted")));
        assertThat(seen).allSatisfy(e -> assertThat(e.origin()).isEqualTo("kit-node"));
        assertThat(seen.get(0).type()).isEqualTo("AgentRegistered");
        var completed = seen.stream().filter(e -> e.type().equals("TaskCompleted")).findFirst().orElseThrow();
        assertThat(completed.string("taskId")).isEqualTo(taskId);
        assertThat(completed.string("agentId")).isEqualTo(d.id());
        assertThat(seen).extracting(io.agentorchestrator.core.mirror.MirroredEvent::type).containsSubsequence("TaskDispatched", "TaskCompleted");
    }
}
