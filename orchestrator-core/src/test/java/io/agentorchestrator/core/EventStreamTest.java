package io.agentorchestrator.core;

import static io.agentorchestrator.core.ScriptedTransport.agent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentorchestrator.api.OrchestratorEvent;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskResult;
import io.agentorchestrator.core.kit.TestSecurity;
import io.agentorchestrator.core.metrics.OrchestratorMetricNames;
import io.agentorchestrator.core.metrics.OrchestratorMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The live event stream: demand, bounded buffers, drops and completion. */
class EventStreamTest {

    private final ScriptedTransport transport = new ScriptedTransport();
    private final Orchestrator orchestrator = Orchestrator.builder().security(TestSecurity.OFF).transport(transport).shutdownTimeout(Duration.ZERO)
            .retryBackoff(Duration.ZERO, Duration.ZERO).build();

    @AfterEach
    void close() {
        orchestrator.close();
    }

    /** Records what it gets and whether it ever got more than it asked for. */
    static final class Recorder implements Flow.Subscriber<OrchestratorEvent> {
        final List<OrchestratorEvent> events = new CopyOnWriteArrayList<>();
        final AtomicLong requested = new AtomicLong();
        final AtomicBoolean overDelivered = new AtomicBoolean();
        final CountDownLatch subscribed = new CountDownLatch(1);
        final CountDownLatch completed = new CountDownLatch(1);
        volatile Flow.Subscription subscription;
        private final long initial;

        Recorder(long initial) {
            this.initial = initial;
        }

        void request(long n) {
            requested.addAndGet(n);
            subscription.request(n);
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (initial > 0) {
                request(initial);
            }
            subscribed.countDown();
        }

        @Override
        public void onNext(OrchestratorEvent item) {
            events.add(item);
            if (events.size() > requested.get()) {
                overDelivered.set(true);
            }
        }

        @Override
        public void onError(Throwable throwable) {
        }

        @Override
        public void onComplete() {
            completed.countDown();
        }

        List<String> registeredIds() {
            return events.stream().filter(e -> e instanceof OrchestratorEvent.AgentRegistered)
                    .map(e -> ((OrchestratorEvent.AgentRegistered) e).agent().id()).toList();
        }
    }

    private Recorder subscribe(long initial) throws InterruptedException {
        Recorder r = new Recorder(initial);
        orchestrator.events().subscribe(r);
        assertThat(r.subscribed.await(10, TimeUnit.SECONDS)).isTrue();
        return r;
    }

    @Test
    void deliversNoMoreThanRequestedAndTheRestInOrderOnDemand() throws Exception {
        Recorder r = subscribe(2);
        for (int i = 0; i < 5; i++) {
            orchestrator.register(agent("a" + i, "cap", 1));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> r.events.size() == 2);
        r.request(3);
        await().atMost(Duration.ofSeconds(10)).until(() -> r.events.size() == 5);
        assertThat(r.overDelivered).as("never more onNext than requested").isFalse();
        assertThat(r.registeredIds()).containsExactly("a0", "a1", "a2", "a3", "a4");
        assertThat(orchestrator.events().dropped()).isZero();
    }

    @Test
    void aTaskOfOneAttemptIsTwoEventsAndAFailedAttemptIsReportedBeforeTheRetryThatCompletesTheTask() throws Exception {
        orchestrator.register(agent("a", "cap", 1));
        orchestrator.register(agent("b", "cap", 1));
        Recorder r = subscribe(Long.MAX_VALUE);

        CompletableFuture<TaskResult> once = orchestrator.dispatch(Task.of("cap", "1"));
        transport.next().succeed("one");
        once.get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> r.events.size() == 2);
        assertThat(r.events.get(0)).isInstanceOf(OrchestratorEvent.TaskDispatched.class);
        OrchestratorEvent.TaskCompleted done = (OrchestratorEvent.TaskCompleted) r.events.get(1);
        assertThat(done.attempts()).isEqualTo(1);
        assertThat(done.attemptLatency()).as("a first attempt sent at once is timed as its task").isEqualTo(done.latency());

        r.events.clear();
        CompletableFuture<TaskResult> retried = orchestrator.dispatch(Task.of("cap", "2"));
        ScriptedTransport.Sent first = transport.next();
        first.reply().complete(ResultEnvelope.failure(first.envelope().taskId(), first.agent().id(), "flaky", "again", true));
        ScriptedTransport.Sent second = transport.next();
        second.succeed("two");
        retried.get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> r.events.stream().anyMatch(e -> e instanceof OrchestratorEvent.TaskCompleted));
        assertThat(r.events).extracting(e -> e.getClass().getSimpleName())
                .containsExactly("TaskDispatched", "AttemptCompleted", "TaskRetried", "TaskDispatched", "TaskCompleted");
        OrchestratorEvent.AttemptCompleted failed = (OrchestratorEvent.AttemptCompleted) r.events.get(1);
        assertThat(failed.agentId()).isEqualTo(first.agent().id());
        assertThat(failed.outcome()).isEqualTo("TaskFailedException");
        OrchestratorEvent.TaskCompleted completed = (OrchestratorEvent.TaskCompleted) r.events.get(4);
        assertThat(completed.agentId()).isEqualTo(second.agent().id());
        assertThat(completed.attempts()).isEqualTo(2);
        assertThat(completed.attemptLatency()).as("the second attempt alone").isLessThanOrEqualTo(completed.latency());
    }

    @Test
    void aSubscriberThatDoesNotKeepUpLosesEventsWhichAreCountedAndDispatchIsNotHeldUp() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new OrchestratorMetrics(orchestrator).bindTo(registry);
        Recorder slow = subscribe(0);
        Recorder fast = subscribe(Long.MAX_VALUE);
        int events = EventStream.DEFAULT_BUFFER_SIZE * 3;
        // Runs on this thread without waiting for the subscriber that requests nothing.
        for (int i = 0; i < events; i++) {
            orchestrator.register(agent("a" + i, "cap", 1));
        }
        long dropped = orchestrator.events().dropped();
        assertThat(dropped).as("the subscriber that requested nothing overflowed its buffer").isPositive();
        slow.request(Long.MAX_VALUE);
        // Nothing happens any more, so every event was either delivered or dropped, per subscriber.
        await().atMost(Duration.ofSeconds(10)).until(() -> slow.events.size() + fast.events.size() + dropped == 2L * events);
        assertThat(slow.events).hasSizeLessThan(events).isNotEmpty();
        assertThat(slow.registeredIds()).as("it kept the oldest events").startsWith("a0", "a1");
        assertThat(orchestrator.events().dropped()).isEqualTo(dropped);
        assertThat(registry.get(OrchestratorMetricNames.EVENTS_DROPPED).functionCounter().count())
                .isEqualTo(orchestrator.events().dropped());
    }

    @Test
    void subscribersCompleteWhenTheOrchestratorCloses() throws Exception {
        Recorder r = subscribe(Long.MAX_VALUE);
        orchestrator.register(agent("a", "cap", 1));
        orchestrator.close();
        assertThat(r.completed.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(r.registeredIds()).containsExactly("a");
        Recorder late = new Recorder(1);
        orchestrator.events().subscribe(late);
        assertThat(late.completed.await(10, TimeUnit.SECONDS)).as("a subscriber after close completes at once").isTrue();
    }

    @Test
    void aSubscriberOfAnOrchestratorClosedBeforeAnySubscriptionCompletes() throws Exception {
        orchestrator.close();
        Recorder r = new Recorder(1);
        orchestrator.events().subscribe(r);
        assertThat(r.completed.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(r.events).isEmpty();
    }

    @Test
    void aSubscriberThatCancelsGetsNothingMore() throws Exception {
        Recorder r = subscribe(Long.MAX_VALUE);
        orchestrator.register(agent("a", "cap", 1));
        await().atMost(Duration.ofSeconds(10)).until(() -> r.events.size() == 1);
        r.subscription.cancel();
        await().atMost(Duration.ofSeconds(10)).until(() -> orchestrator.events().subscribers() == 0);
        orchestrator.register(agent("b", "cap", 1));
        assertThat(r.registeredIds()).containsExactly("a");
    }
}
