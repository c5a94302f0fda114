package io.agentorchestrator.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskFailedException;
import io.agentorchestrator.api.TaskResult;
import io.agentorchestrator.core.metrics.OrchestratorMetricNames;
import io.agentorchestrator.core.metrics.OrchestratorMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The result cache: hits, misses, TTL and size on a fake ticker, failures never cached, and request coalescing. */
class ResultCacheTest {

    private final String id = "cached-" + UUID.randomUUID().toString().substring(0, 8);
    private final AtomicInteger runs = new AtomicInteger();
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private volatile CountDownLatch gate = new CountDownLatch(0);
    private volatile boolean failNext;
    private AgentRuntime runtime;
    private Orchestrator orchestrator;

    private Orchestrator start(ResultCacheConfig cache) {
        AgentDescriptor d = AgentDescriptor.builder(id).capability("price").endpoint("inproc:" + id).maxConcurrency(200).build();
        runtime = AgentRuntime.builder(d).transport("inproc:").announce(false).handler(task -> {
            runs.incrementAndGet();
            if (!gate.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("gate never opened");
            }
            if (failNext) {
                failNext = false;
                throw new IllegalArgumentException("no price today");
            }
            return Payload.ofUtf8("price of " + task.payload().asUtf8());
        }).start();
        orchestrator = Orchestrator.builder().ticker(nanos::get).resultCache(cache).watchAgentDirectory(false).maxAttempts(1).build();
        orchestrator.register(d);
        return orchestrator;
    }

    @AfterEach
    void stop() {
        if (orchestrator != null) {
            orchestrator.close();
        }
        if (runtime != null) {
            runtime.close(Duration.ZERO);
        }
    }

    private TaskResult get(Task task) throws Exception {
        return orchestrator.dispatch(task).get(10, TimeUnit.SECONDS);
    }

    @Test
    void aRepeatedCacheableTaskIsDispatchedOnceAndCountedAsHits() throws Exception {
        start(ResultCacheConfig.defaults());
        for (int i = 0; i < 10; i++) {
            Task task = Task.builder("price").payload("dates").cacheable().build();
            TaskResult r = get(task);
            assertThat(r.payload().asUtf8()).isEqualTo("price of dates");
            assertThat(r.taskId()).isEqualTo(task.id());
        }
        get(Task.builder("price").payload("figs").cacheable().build());
        get(Task.of("price", "dates"));
        get(Task.of("price", "dates"));

        assertThat(runs.get()).as("dates once, figs once, two uncached").isEqualTo(4);
        ResultCacheStats stats = orchestrator.resultCacheStats();
        assertThat(stats.hits()).isEqualTo(9);
        assertThat(stats.misses()).isEqualTo(2);
        assertThat(stats.hitRatio()).isEqualTo(9 / 11.0);
        assertThat(stats.size()).isEqualTo(2);
    }

    @Test
    void anExplicitCacheKeyReplacesThePayloadHash() throws Exception {
        start(ResultCacheConfig.defaults());
        TaskResult first = get(Task.builder("price").payload("dates at 10:00").cacheKey("dates").build());
        TaskResult second = get(Task.builder("price").payload("dates at 10:05").cacheKey("dates").build());
        assertThat(second.payload()).isEqualTo(first.payload());
        assertThat(runs.get()).isEqualTo(1);
    }

    @Test
    void aResultExpiresAfterItsTtlOnTheInjectedTicker() throws Exception {
        start(ResultCacheConfig.of(Duration.ofSeconds(30), 100));
        Task task = Task.builder("price").payload("dates").cacheable().build();
        get(task);
        nanos.addAndGet(Duration.ofSeconds(29).toNanos());
        get(task);
        assertThat(runs.get()).isEqualTo(1);
        nanos.addAndGet(Duration.ofSeconds(2).toNanos());
        get(task);
        assertThat(runs.get()).isEqualTo(2);
        assertThat(orchestrator.resultCacheStats().evictions()).isEqualTo(1);
    }

    @Test
    void aFullCacheEvictsAndCountsIt() throws Exception {
        start(ResultCacheConfig.of(Duration.ofMinutes(5), 2));
        for (int i = 0; i < 20; i++) {
            get(Task.builder("price").payload("item " + i).cacheable().build());
        }
        ResultCacheStats stats = orchestrator.resultCacheStats();
        assertThat(stats.size()).isLessThanOrEqualTo(2);
        assertThat(stats.evictions()).isGreaterThanOrEqualTo(18);
        assertThat(stats.misses()).isEqualTo(20);
    }

    @Test
    void aFailureIsNeverServedFromTheCache() throws Exception {
        start(ResultCacheConfig.defaults());
        failNext = true;
        Task task = Task.builder("price").payload("dates").cacheable().build();
        assertThatThrownBy(() -> get(task)).isInstanceOf(ExecutionException.class).cause().isInstanceOf(TaskFailedException.class);
        assertThat(get(task).payload().asUtf8()).isEqualTo("price of dates");
        assertThat(runs.get()).isEqualTo(2);
    }

    @Test
    void hundredConcurrentIdenticalTasksShareOneDispatch() throws Exception {
        start(ResultCacheConfig.defaults());
        gate = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(10);
        List<Future<List<CompletableFuture<TaskResult>>>> submitted = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        List<Task> tasks = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            Task task = Task.builder("price").payload("saffron").cacheable().build();
            tasks.add(task);
            ids.add(task.id());
        }
        for (int t = 0; t < 10; t++) {
            List<Task> mine = tasks.subList(t * 10, t * 10 + 10);
            submitted.add(pool.submit(() -> {
                List<CompletableFuture<TaskResult>> futures = new ArrayList<>();
                for (Task task : mine) {
                    futures.add(orchestrator.dispatch(task));
                }
                return futures;
            }));
        }
        List<CompletableFuture<TaskResult>> futures = new ArrayList<>();
        for (Future<List<CompletableFuture<TaskResult>>> f : submitted) {
            futures.addAll(f.get(10, TimeUnit.SECONDS));
        }
        pool.shutdown();
        // Every one of the 100 is waiting on the one dispatch still held at the gate; cancelling one waiter hurts nobody else.
        assertThat(futures).noneMatch(CompletableFuture::isDone);
        futures.get(0).cancel(false);
        gate.countDown();

        Set<String> resultIds = new HashSet<>();
        for (CompletableFuture<TaskResult> f : futures.subList(1, futures.size())) {
            TaskResult r = f.get(10, TimeUnit.SECONDS);
            assertThat(r.payload().asUtf8()).isEqualTo("price of saffron");
            resultIds.add(r.taskId());
        }
        assertThat(runs.get()).as("dispatches").isEqualTo(1);
        assertThat(resultIds).containsExactlyInAnyOrderElementsOf(ids.subList(1, ids.size()));
        assertThat(orchestrator.resultCacheStats().hits()).isEqualTo(99);
        assertThat(orchestrator.resultCacheStats().misses()).isEqualTo(1);
    }

    @Test
    void hitsMissesAndEvictionsAreMetered() throws Exception {
        start(ResultCacheConfig.of(Duration.ofSeconds(1), 100));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new OrchestratorMetrics(orchestrator).bindTo(registry);
        Task task = Task.builder("price").payload("dates").cacheable().build();
        get(task);
        get(task);
        nanos.addAndGet(Duration.ofSeconds(2).toNanos());
        get(task);
        assertThat(registry.get(OrchestratorMetricNames.CACHE_HITS).functionCounter().count()).isEqualTo(1);
        assertThat(registry.get(OrchestratorMetricNames.CACHE_MISSES).functionCounter().count()).isEqualTo(2);
        assertThat(registry.get(OrchestratorMetricNames.CACHE_EVICTIONS).functionCounter().count()).isEqualTo(1);
        assertThat(registry.get(OrchestratorMetricNames.CACHE_SIZE).gauge().value()).isEqualTo(1);
    }
}
