package io.agentorchestrator.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentorchestrator.api.Agent;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Balancer;
import io.agentorchestrator.api.OrchestratorEvent;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskResult;
import io.agentorchestrator.core.AgentRuntime;
import io.agentorchestrator.core.CircuitBreakerConfig;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.RateLimitConfig;
import io.agentorchestrator.core.config.Reconfiguration;
import io.agentorchestrator.core.internal.resilience.CircuitBreaker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A reconfiguration's per-agent changes (weights, breakers, agent rate limits) reach a pick
 * together with the rest of it: a balancer is offered the agents of one snapshot, all old or all new.
 */
class AtomicReconfigurationTest {

    private static final int AGENTS = 8;
    private static final int OLD_WEIGHT = 1;
    private static final int NEW_WEIGHT = 7;

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final List<AgentRuntime> runtimes = new ArrayList<>();
    private final List<OrchestratorEvent> events = new CopyOnWriteArrayList<>();

    @AfterEach
    void stopAgents() {
        for (AgentRuntime runtime : runtimes) {
            runtime.close(Duration.ZERO);
        }
    }

    /** Registers {@link #AGENTS} in-process agents with room for every task the test sends. */
    private List<AgentDescriptor> register(Orchestrator orchestrator) {
        List<AgentDescriptor> agents = new ArrayList<>();
        for (int i = 0; i < AGENTS; i++) {
            String id = "atomic-" + i + "-" + run;
            AgentDescriptor d = AgentDescriptor.builder(id).capability("work").endpoint("inproc:" + id).maxConcurrency(100_000)
                    .weight(OLD_WEIGHT).build();
            runtimes.add(AgentRuntime.builder(d).transport("inproc:").announce(false).handler(task -> Payload.ofUtf8(d.id())).start());
            orchestrator.register(d);
            agents.add(d);
        }
        return agents;
    }

    private static Reconfiguration allWeights(List<AgentDescriptor> agents, int weight) {
        Reconfiguration.Builder change = Reconfiguration.builder().reason("all to " + weight);
        for (AgentDescriptor d : agents) {
            change.weight(d.id(), weight);
        }
        return change.build();
    }

    /** A balancer that hands each pick to a function and takes the first candidate. */
    private static Balancer balancer(BiFunction<List<? extends Agent>, Task, Agent> pick) {
        return new Balancer() {
            @Override
            public Agent pick(List<? extends Agent> candidates, Task task) {
                return pick.apply(candidates, task);
            }

            @Override
            public String toString() {
                return "recording";
            }
        };
    }

    private static Set<Integer> weights(List<? extends Agent> candidates, int from) {
        Set<Integer> weights = new TreeSet<>();
        for (int i = from; i < candidates.size(); i++) {
            weights.add(candidates.get(i).weight());
        }
        return weights;
    }

    @Test
    void aPickThatStartedBeforeAReconfigurationReadsOnlyTheOldWeightsAndTheNextOnlyTheNew() throws Exception {
        AtomicBoolean reconfigureMidPick = new AtomicBoolean();
        List<Set<Integer>> seen = new CopyOnWriteArrayList<>();
        List<AgentDescriptor> agents = new ArrayList<>();
        Orchestrator[] self = new Orchestrator[1];
        Balancer recording = balancer((candidates, task) -> {
            Set<Integer> weights = new TreeSet<>(weights(candidates.subList(0, 1), 0));
            if (reconfigureMidPick.compareAndSet(true, false)) {
                // Half-way through this pick, every weight changes: the rest of the pick must not notice.
                self[0].reconfigure(allWeights(agents, NEW_WEIGHT));
            }
            weights.addAll(weights(candidates, 1));
            seen.add(weights);
            return candidates.get(0);
        });
        try (Orchestrator orchestrator = Orchestrator.builder().balancer(recording).listener(events::add).watchAgentDirectory(false)
                .build()) {
            self[0] = orchestrator;
            agents.addAll(register(orchestrator));
            reconfigureMidPick.set(true);
            assertThat(orchestrator.dispatch(Task.of("work", "during")).get(10, TimeUnit.SECONDS).agentId()).startsWith("atomic-");
            assertThat(orchestrator.dispatch(Task.of("work", "after")).get(10, TimeUnit.SECONDS).agentId()).startsWith("atomic-");

            assertThat(seen).containsExactly(Set.of(OLD_WEIGHT), Set.of(NEW_WEIGHT));
            for (AgentDescriptor d : agents) {
                assertThat(orchestrator.agent(d.id()).orElseThrow().weight()).isEqualTo(NEW_WEIGHT);
            }
            assertThat(events).filteredOn(e -> e instanceof OrchestratorEvent.AgentUpdated).hasSize(AGENTS);
            List<OrchestratorEvent.ConfigurationChanged> changes = events.stream()
                    .filter(e -> e instanceof OrchestratorEvent.ConfigurationChanged).map(e -> (OrchestratorEvent.ConfigurationChanged) e)
                    .toList();
            assertThat(changes).hasSize(1);
            assertThat(changes.get(0).changes()).hasSize(AGENTS).allMatch(line -> line.endsWith(": " + OLD_WEIGHT + " -> " + NEW_WEIGHT));
            assertThat(orchestrator.agents()).allMatch(a -> a.inFlight() == 0);
        }
    }

    @Test
    void newBreakersAndAgentLimitsReachAPickTogetherWithTheNewWeights() throws Exception {
        AtomicBoolean reconfigureMidPick = new AtomicBoolean();
        List<AgentDescriptor> agents = new ArrayList<>();
        List<List<CircuitBreaker>> breakersBefore = new CopyOnWriteArrayList<>();
        List<List<CircuitBreaker>> breakersAfter = new CopyOnWriteArrayList<>();
        Orchestrator[] self = new Orchestrator[1];
        Balancer recording = balancer((candidates, task) -> {
            if (reconfigureMidPick.compareAndSet(true, false)) {
                breakersBefore.add(candidates.stream().map(a -> ((AgentState) a).breaker()).toList());
                self[0].reconfigure(Reconfiguration.builder().circuitBreaker(CircuitBreakerConfig.builder().slidingWindow(8, 4).build())
                        .agentRateLimit(RateLimitConfig.perSecond(1_000)).weight(agents.get(0).id(), NEW_WEIGHT).build());
                breakersAfter.add(candidates.stream().map(a -> ((AgentState) a).breaker()).toList());
                assertThat(candidates).allMatch(a -> ((AgentState) a).limiter() == null).allMatch(a -> a.weight() == OLD_WEIGHT);
            }
            return candidates.get(0);
        });
        try (Orchestrator orchestrator = Orchestrator.builder().balancer(recording)
                .circuitBreaker(CircuitBreakerConfig.builder().slidingWindow(4, 2).build()).watchAgentDirectory(false).build()) {
            self[0] = orchestrator;
            agents.addAll(register(orchestrator));
            reconfigureMidPick.set(true);
            assertThat(orchestrator.dispatch(Task.of("work", "during")).get(10, TimeUnit.SECONDS).agentId()).startsWith("atomic-");

            assertThat(breakersAfter).as("the pick's candidates keep the breakers they were published with").isEqualTo(breakersBefore);
            Set<CircuitBreaker> old = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            old.addAll(breakersBefore.get(0));
            assertThat(old).hasSize(AGENTS).doesNotContainNull();
            for (Agent a : orchestrator.agents()) {
                AgentState state = (AgentState) a;
                assertThat(state.breaker()).isNotNull().matches(b -> !old.contains(b), "a new breaker");
                assertThat(state.limiter()).isNotNull();
            }
            assertThat(orchestrator.agent(agents.get(0).id()).orElseThrow().weight()).isEqualTo(NEW_WEIGHT);
            assertThat(orchestrator.dispatch(Task.of("work", "after")).get(10, TimeUnit.SECONDS).agentId()).startsWith("atomic-");
        }
    }

    @Test
    void picksFromManyThreadsNeverSeeAMixOfTwoWeightSetsFlippedAThousandTimes() throws Exception {
        int threads = 4;
        int flips = 1_000;
        AtomicLong picks = new AtomicLong();
        AtomicLong mixed = new AtomicLong();
        AtomicLong allOld = new AtomicLong();
        AtomicLong allNew = new AtomicLong();
        Balancer recording = balancer((candidates, task) -> {
            Set<Integer> weights = weights(candidates, 0);
            if (weights.size() > 1) {
                mixed.incrementAndGet();
            } else if (weights.contains(OLD_WEIGHT)) {
                allOld.incrementAndGet();
            } else {
                allNew.incrementAndGet();
            }
            picks.incrementAndGet();
            return candidates.get((int) (picks.get() % candidates.size()));
        });
        try (Orchestrator orchestrator = Orchestrator.builder().balancer(recording).defaultTimeout(Duration.ofSeconds(60))
                .watchAgentDirectory(false).build()) {
            List<AgentDescriptor> agents = register(orchestrator);
            Reconfiguration toNew = allWeights(agents, NEW_WEIGHT);
            Reconfiguration toOld = allWeights(agents, OLD_WEIGHT);
            AtomicBoolean flipping = new AtomicBoolean(true);
            ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
            try {
                Future<?> flipper = pool.submit(() -> {
                    for (int i = 0; i < flips; i++) {
                        // Paced by the picks, so the flips are spread among them rather than done before they start.
                        while (picks.get() < (long) i * 10) {
                            Thread.yield();
                        }
                        orchestrator.reconfigure(i % 2 == 0 ? toNew : toOld);
                    }
                    flipping.set(false);
                });
                List<Future<List<CompletableFuture<TaskResult>>>> dispatchers = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    dispatchers.add(pool.submit(() -> {
                        List<CompletableFuture<TaskResult>> futures = new ArrayList<>();
                        while (flipping.get()) {
                            futures.add(orchestrator.dispatch(Task.of("work", Payload.empty())));
                        }
                        return futures;
                    }));
                }
                flipper.get(60, TimeUnit.SECONDS);
                int ok = 0;
                for (Future<List<CompletableFuture<TaskResult>>> f : dispatchers) {
                    for (CompletableFuture<TaskResult> task : f.get(60, TimeUnit.SECONDS)) {
                        assertThat(task.get(60, TimeUnit.SECONDS).agentId()).startsWith("atomic-");
                        ok++;
                    }
                }
                assertThat(ok).as("every task completed").isPositive();
            } finally {
                pool.shutdownNow();
            }
            assertThat(mixed.get()).as("picks offered a mix of old and new weights, of %d", picks.get()).isZero();
            assertThat(allOld.get()).as("picks that saw the old set").isPositive();
            assertThat(allNew.get()).as("picks that saw the new set").isPositive();
            assertThat(picks.get()).isGreaterThanOrEqualTo((long) (flips - 1) * 10);
        }
    }
}
