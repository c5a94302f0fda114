package io.agentorchestrator.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.Agent;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentRegistrationException;
import io.agentorchestrator.api.AgentStatus;
import io.agentorchestrator.api.Balancer;
import io.agentorchestrator.api.CircuitState;
import io.agentorchestrator.api.HealthCheckResult;
import io.agentorchestrator.api.HealthProbe;
import io.agentorchestrator.api.OrchestratorEvent;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.RateLimitExceededException;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskResult;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.AgentRuntime;
import io.agentorchestrator.core.CircuitBreakerConfig;
import io.agentorchestrator.core.HealthCheckConfig;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.RateLimitConfig;
import io.agentorchestrator.core.internal.DefaultOrchestrator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Live reconfiguration: atomic, all-or-nothing, reported, and losing no task while tasks flow. */
class ReconfigurationTest {

    private static final String[] BALANCERS = {"round-robin", "least-connections", "weighted-round-robin", "random", "p2c"};

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final List<AgentRuntime> runtimes = new ArrayList<>();
    private final List<OrchestratorEvent> events = new CopyOnWriteArrayList<>();

    @AfterEach
    void stopAgents() {
        for (AgentRuntime runtime : runtimes) {
            runtime.close(Duration.ZERO);
        }
    }

    private AgentDescriptor agent(String name, int maxConcurrency) {
        String id = name + "-" + run;
        AgentDescriptor d = AgentDescriptor.builder(id).capability("work").endpoint("inproc:" + id).maxConcurrency(maxConcurrency).build();
        runtimes.add(AgentRuntime.builder(d).transport("inproc:").announce(false).handler(task -> Payload.ofUtf8(d.id())).start());
        return d;
    }

    @Test
    void aStormOfBalancerSwapsAndWeightChangesLosesNoTaskOf100000() throws Exception {
        int threads = 4;
        int perThread = 25_000;
        int reconfigurations = 1_000;
        try (Orchestrator orchestrator = Orchestrator.builder().balancer("round-robin").defaultTimeout(Duration.ofSeconds(60))
                .maxQueuedTasks(200_000).watchAgentDirectory(false).listener(e -> {
                    if (e instanceof OrchestratorEvent.ConfigurationChanged) {
                        events.add(e);
                    }
                }).build()) {
            List<AgentDescriptor> agents = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                AgentDescriptor d = agent("storm-" + i, 16);
                agents.add(d);
                orchestrator.register(d);
            }
            AtomicLong dispatched = new AtomicLong();
            AtomicLong dispatchedAtLastSwap = new AtomicLong();
            AtomicLong swaps = new AtomicLong();
            ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
            Future<Integer> storm = pool.submit(() -> {
                ThreadLocalRandom r = ThreadLocalRandom.current();
                for (int i = 0; i < reconfigurations; i++) {
                    // Paced by the dispatchers, so the swaps are spread over the whole run rather than done before it.
                    while (dispatched.get() < (long) i * threads * perThread / reconfigurations) {
                        Thread.yield();
                    }
                    if (i == reconfigurations - 2) {
                        dispatchedAtLastSwap.set(dispatched.get());
                    }
                    Reconfiguration.Builder change = Reconfiguration.builder().balancer(BALANCERS[i % BALANCERS.length]);
                    for (AgentDescriptor d : agents) {
                        change.weight(d.id(), 1 + r.nextInt(10));
                    }
                    orchestrator.reconfigure(change.reason("storm " + i).build());
                    swaps.incrementAndGet();
                }
                return reconfigurations;
            });
            List<Future<List<CompletableFuture<TaskResult>>>> dispatchers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                dispatchers.add(pool.submit(() -> {
                    List<CompletableFuture<TaskResult>> futures = new ArrayList<>(perThread);
                    for (int i = 0; i < perThread; i++) {
                        // ...and the dispatchers never run more than one pace ahead of the swaps.
                        while (dispatched.get() > (swaps.get() + 1L) * threads * perThread / reconfigurations) {
                            Thread.yield();
                        }
                        futures.add(orchestrator.dispatch(Task.of("work", Payload.empty())));
                        dispatched.incrementAndGet();
                    }
                    return futures;
                }));
            }
            List<CompletableFuture<TaskResult>> all = new ArrayList<>();
            for (Future<List<CompletableFuture<TaskResult>>> f : dispatchers) {
                all.addAll(f.get(120, TimeUnit.SECONDS));
            }
            assertThat(storm.get(120, TimeUnit.SECONDS)).isEqualTo(reconfigurations);
            pool.shutdown();
            int ok = 0;
            for (CompletableFuture<TaskResult> f : all) {
                f.get(60, TimeUnit.SECONDS);
                ok++;
            }
            assertThat(ok).isEqualTo(threads * perThread);
            assertThat(dispatchedAtLastSwap.get()).as("the last swaps came while tasks were still being dispatched")
                    .isGreaterThanOrEqualTo((long) threads * perThread * 99 / 100).isLessThan((long) threads * perThread);
            assertThat(events).as("one event per effective change").hasSize(reconfigurations);
            for (Agent a : orchestrator.agents()) {
                assertThat(a.inFlight()).as("in flight on %s", a.id()).isZero();
            }
            assertThat(orchestrator.tasksInFlight()).isZero();
        }
    }

    @Test
    void theBalancerIsSwappedForTheNextPickAndTheChangeIsReported() throws Exception {
        List<String> picks = new CopyOnWriteArrayList<>();
        Balancer first = named("first", picks);
        Balancer second = named("second", picks);
        try (Orchestrator orchestrator = Orchestrator.builder().balancer(first).listener(events::add).watchAgentDirectory(false).build()) {
            orchestrator.register(agent("swap", 4));
            orchestrator.dispatch(Task.of("work", "a")).get(10, TimeUnit.SECONDS);
            orchestrator.reconfigure(Reconfiguration.builder().balancer(second).reason("ticket 17").build());
            orchestrator.dispatch(Task.of("work", "b")).get(10, TimeUnit.SECONDS);

            assertThat(picks).containsExactly("first", "second");
            OrchestratorEvent.ConfigurationChanged changed = changes().get(0);
            assertThat(changed.changes()).containsExactly("balancer: first -> second");
            assertThat(changed.reason()).isEqualTo("ticket 17");
        }
    }

    @Test
    void aChangeThatCannotBeAppliedWholeChangesNothing() throws Exception {
        try (Orchestrator orchestrator = Orchestrator.builder().balancer("round-robin").listener(events::add).watchAgentDirectory(false)
                .build()) {
            AgentDescriptor d = agent("whole", 4);
            orchestrator.register(d);
            assertThatThrownBy(() -> orchestrator.reconfigure(Reconfiguration.builder().balancer("random").weight(d.id(), 7)
                    .weight("nobody-" + run, 2).build()))
                    .isInstanceOf(AgentRegistrationException.class).hasMessageContaining("nobody-" + run);
            assertThatThrownBy(() -> orchestrator.reconfigure(Reconfiguration.builder().balancer("random").healthThresholds(1, 1).build()))
                    .isInstanceOf(ValidationException.class).hasMessageContaining("healthCheck can only be changed while health checks run");
            assertThat(((DefaultOrchestrator) orchestrator).balancer().toString()).isEqualTo("round-robin");
            assertThat(orchestrator.agent(d.id()).orElseThrow().weight()).isEqualTo(1);
            assertThat(changes()).isEmpty();
            assertThatThrownBy(() -> Reconfiguration.builder().weight(d.id(), 0)).hasMessage("weight must be between 1 and 1000, but was 0");
        }
    }

    @Test
    void weightsChangeInPlaceWithAnUpdateEventPerAgent() {
        try (Orchestrator orchestrator = Orchestrator.builder().listener(events::add).watchAgentDirectory(false).build()) {
            AgentDescriptor d = agent("weighed", 4);
            orchestrator.register(d);
            orchestrator.reconfigure(Reconfiguration.builder().weight(d.id(), 9).build());
            assertThat(orchestrator.agent(d.id()).orElseThrow().weight()).isEqualTo(9);
            assertThat(events).filteredOn(e -> e instanceof OrchestratorEvent.AgentUpdated).hasSize(1);
            assertThat(changes().get(0).changes()).containsExactly("weight[" + d.id() + "]: 1 -> 9");
            // The same weight again changes nothing and reports nothing.
            orchestrator.reconfigure(Reconfiguration.builder().weight(d.id(), 9).build());
            assertThat(changes()).hasSize(1);
        }
    }

    @Test
    void capabilityRateLimitsCanBeSetAndLiftedLive() throws Exception {
        AtomicLong nanos = new AtomicLong(1_000_000_000L);
        try (Orchestrator orchestrator = Orchestrator.builder().ticker(nanos::get).watchAgentDirectory(false).build()) {
            orchestrator.register(agent("limited", 4));
            orchestrator.reconfigure(Reconfiguration.builder().capabilityRateLimit("work", RateLimitConfig.of(1, 1)).build());
            orchestrator.dispatch(Task.of("work", "1")).get(10, TimeUnit.SECONDS);
            assertThat(failure(orchestrator.dispatch(Task.of("work", "2")))).isInstanceOf(RateLimitExceededException.class);
            orchestrator.reconfigure(Reconfiguration.builder().capabilityRateLimitOff("work").build());
            orchestrator.dispatch(Task.of("work", "3")).get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void circuitBreakersAndAgentLimitsAreReplacedOnEveryAgent() {
        try (Orchestrator orchestrator = Orchestrator.builder().listener(events::add).watchAgentDirectory(false).build()) {
            AgentDescriptor d = agent("guarded", 4);
            orchestrator.register(d);
            CircuitBreakerConfig breaker = CircuitBreakerConfig.builder().slidingWindow(4, 2).build();
            orchestrator.reconfigure(Reconfiguration.builder().circuitBreaker(breaker).agentRateLimit(RateLimitConfig.perSecond(100)).build());
            assertThat(changes().get(0).changes()).containsExactly("circuitBreaker: off -> " + breaker,
                    "agentRateLimit: off -> " + RateLimitConfig.perSecond(100));
            assertThat(orchestrator.agent(d.id()).orElseThrow().circuitState()).isEqualTo(CircuitState.CLOSED);
            orchestrator.reconfigure(Reconfiguration.builder().circuitBreakerOff().agentRateLimitOff().build());
            assertThat(changes().get(1).changes()).containsExactly("circuitBreaker: " + breaker + " -> off",
                    "agentRateLimit: " + RateLimitConfig.perSecond(100) + " -> off");
        }
    }

    @Test
    void newHealthThresholdsTakeEffectOnTheNextCheck() {
        AtomicLong nanos = new AtomicLong(1_000_000_000L);
        HealthProbe failing = new HealthProbe() {
            @Override
            public CompletionStage<HealthCheckResult> check(Agent agent, Duration timeout) {
                return CompletableFuture.completedFuture(HealthCheckResult.unhealthy("down"));
            }
        };
        var healthScheduler = Executors.newSingleThreadScheduledExecutor();
        try (Orchestrator orchestrator = Orchestrator.builder().ticker(nanos::get).listener(events::add).watchAgentDirectory(false)
                .healthScheduler(healthScheduler)
                .healthCheck(HealthCheckConfig.builder().probe(failing).interval(Duration.ofSeconds(1)).jitter(Duration.ZERO)
                        .unhealthyThreshold(100).build())
                .build()) {
            DefaultOrchestrator engine = (DefaultOrchestrator) orchestrator;
            AgentDescriptor d = agent("probed", 4);
            orchestrator.register(d);
            for (int i = 0; i < 3; i++) {
                engine.healthTick();
                nanos.addAndGet(Duration.ofSeconds(2).toNanos());
            }
            assertThat(orchestrator.agent(d.id()).orElseThrow().status()).isEqualTo(AgentStatus.HEALTHY);
            orchestrator.reconfigure(Reconfiguration.builder().healthThresholds(2, 3).build());
            engine.healthTick();
            assertThat(orchestrator.agent(d.id()).orElseThrow().status()).isEqualTo(AgentStatus.UNHEALTHY);
            assertThat(changes().get(0).changes().get(0)).startsWith("healthCheck: ").contains("unhealthy after 100 -> ")
                    .endsWith("unhealthy after 3");
        } finally {
            healthScheduler.shutdownNow();
        }
    }

    private List<OrchestratorEvent.ConfigurationChanged> changes() {
        List<OrchestratorEvent.ConfigurationChanged> changes = new ArrayList<>();
        for (OrchestratorEvent e : events) {
            if (e instanceof OrchestratorEvent.ConfigurationChanged c) {
                changes.add(c);
            }
        }
        return changes;
    }

    private static Throwable failure(CompletableFuture<?> future) throws Exception {
        try {
            future.get(10, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure");
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    private static Balancer named(String name, List<String> picks) {
        return new Balancer() {
            @Override
            public Agent pick(List<? extends Agent> candidates, Task task) {
                picks.add(name);
                return candidates.get(0);
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }
}
