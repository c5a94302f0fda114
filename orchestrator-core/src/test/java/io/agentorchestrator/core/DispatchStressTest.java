package io.agentorchestrator.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.OrchestratorException;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * 8 threads dispatch 100,000 tasks while agents are registered and deregistered at random: every
 * future completes, and no task of a capability that always keeps one agent up is lost.
 */
class DispatchStressTest {

    private static final int THREADS = 8;
    private static final int TASKS_PER_THREAD = 12_500;
    /** One task in this many goes to a capability whose agents all come and go. */
    private static final int FLEETING_EVERY = 5;

    @Test
    void everyFutureCompletesAndTasksWithAnAgentUpAllSucceed() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<AgentRuntime> runtimes = new ArrayList<>();
        List<AgentDescriptor> churning = new ArrayList<>();
        try (Orchestrator orchestrator = Orchestrator.builder().balancer("least-connections").defaultTimeout(Duration.ofSeconds(60))
                .maxQueuedTasks(200_000).watchAgentDirectory(false).build()) {
            AgentDescriptor anchor = AgentDescriptor.builder("anchor-" + run).capability("stable").endpoint("inproc:anchor-" + run)
                    .maxConcurrency(32).build();
            runtimes.add(start(anchor));
            orchestrator.register(anchor);
            for (int i = 0; i < 6; i++) {
                String id = "churn-" + i + "-" + run;
                AgentDescriptor d = AgentDescriptor.builder(id).capabilities("stable", "fleeting").endpoint("inproc:" + id)
                        .maxConcurrency(1 + i * 4).weight(1 + i).build();
                runtimes.add(start(d));
                churning.add(d);
            }

            AtomicBoolean dispatching = new AtomicBoolean(true);
            AtomicInteger churnOps = new AtomicInteger();
            Thread churn = new Thread(() -> {
                ThreadLocalRandom r = ThreadLocalRandom.current();
                while (dispatching.get()) {
                    AgentDescriptor d = churning.get(r.nextInt(churning.size()));
                    if (r.nextBoolean()) {
                        orchestrator.register(d);
                    } else {
                        orchestrator.deregister(d.id());
                    }
                    churnOps.incrementAndGet();
                    Thread.onSpinWait();
                }
            }, "churn");
            churn.start();

            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            List<Future<List<CompletableFuture<TaskResult>>>> perThread = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                perThread.add(pool.submit(() -> {
                    List<CompletableFuture<TaskResult>> futures = new ArrayList<>(TASKS_PER_THREAD);
                    for (int i = 0; i < TASKS_PER_THREAD; i++) {
                        String capability = i % FLEETING_EVERY == 0 ? "fleeting" : "stable";
                        futures.add(orchestrator.dispatch(Task.of(capability, Payload.empty())));
                    }
                    return futures;
                }));
            }
            List<CompletableFuture<TaskResult>> all = new ArrayList<>();
            for (Future<List<CompletableFuture<TaskResult>>> f : perThread) {
                all.addAll(f.get(120, TimeUnit.SECONDS));
            }
            pool.shutdown();

            int stableOk = 0;
            int fleetingOk = 0;
            int fleetingTyped = 0;
            for (int i = 0; i < all.size(); i++) {
                boolean fleeting = (i % TASKS_PER_THREAD) % FLEETING_EVERY == 0;
                try {
                    all.get(i).get(60, TimeUnit.SECONDS);
                    if (fleeting) {
                        fleetingOk++;
                    } else {
                        stableOk++;
                    }
                } catch (ExecutionException e) {
                    assertThat(fleeting).as("a stable task failed: %s", e.getCause()).isTrue();
                    assertThat(e.getCause()).isInstanceOf(OrchestratorException.class);
                    fleetingTyped++;
                }
            }
            dispatching.set(false);
            churn.join();

            int total = THREADS * TASKS_PER_THREAD;
            int fleetingTotal = total / FLEETING_EVERY;
            assertThat(all).hasSize(total);
            assertThat(stableOk).isEqualTo(total - fleetingTotal);
            assertThat(fleetingOk + fleetingTyped).isEqualTo(fleetingTotal);
            assertThat(churnOps.get()).isGreaterThan(100);
            for (var agent : orchestrator.agents()) {
                assertThat(agent.inFlight()).as("in flight on %s after the run", agent.id()).isZero();
            }
        } finally {
            for (AgentRuntime runtime : runtimes) {
                runtime.close(Duration.ZERO);
            }
        }
    }

    private static AgentRuntime start(AgentDescriptor d) {
        return AgentRuntime.builder(d).transport("inproc:").announce(false).handler(task -> Payload.ofUtf8(d.id())).start();
    }
}
