package io.agentorchestrator.examples.bench;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.core.AgentRuntime;
import io.agentorchestrator.core.Orchestrator;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code bench tail}: 8 in-process agents, one 10× slower than the rest; the same closed-loop
 * load (a fixed number of tasks in flight) through each balancer in turn. Reports p50, p99 and
 * p99.9 latency from dispatch to result and the share of tasks the slow agent got. Every
 * orchestrator here uses a latency decay of {@link #LATENCY_DECAY}.
 */
final class TailBench implements Scenario {

    static final String[] BALANCERS = {"round-robin", "least-connections", "weighted-round-robin", "random", "p2c", "peak-ewma",
        "consistent-hash", "weighted-random"};
    static final int AGENTS = 8;
    static final int CONCURRENCY = 16;
    /**
     * The peak-EWMA time constant: a few hundred times the agents' service time. The default
     * 10 s suits agents that answer in seconds (LLM calls); for millisecond agents it would
     * remember one scheduling hiccup of a fast agent for the whole run (measured here: at 1 s the
     * slow agent still got 0.4-0.8 % of the tasks, at 250 ms 0.07-0.3 %).
     */
    static final Duration LATENCY_DECAY = Duration.ofMillis(250);
    static final int AGENT_MAX_CONCURRENCY = 4;
    static final long FAST_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    static final long SLOW_NANOS = 10 * FAST_NANOS;

    @Override
    public Map<String, Number> run(boolean quick, PrintStream progress) throws Exception {
        int tasks = quick ? 4_000 : 20_000;
        int warmup = quick ? 400 : 2_000;
        Map<String, Number> metrics = new LinkedHashMap<>();
        // Warm the JIT on throwaway agents first: latency peaks from compilation would otherwise
        // stick in the first balancers' latency averages and skew them against the later ones.
        progress.println("bench tail: warming up the JVM");
        runOne("round-robin", 0, quick ? 3_000 : 10_000);
        for (String balancer : BALANCERS) {
            progress.printf("bench tail: %-20s %,d tasks, %d in flight, agent-0 %dx slower%n", balancer, tasks, CONCURRENCY,
                    SLOW_NANOS / FAST_NANOS);
            Result r = runOne(balancer, warmup, tasks);
            metrics.put("p50_ms." + balancer, r.p50Ms);
            metrics.put("p99_ms." + balancer, r.p99Ms);
            metrics.put("p999_ms." + balancer, r.p999Ms);
            metrics.put("slow_share." + balancer, r.slowShare);
        }
        return metrics;
    }

    private record Result(double p50Ms, double p99Ms, double p999Ms, double slowShare) {
    }

    private static Result runOne(String balancer, int warmup, int tasks) throws InterruptedException {
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<AgentRuntime> runtimes = new ArrayList<>();
        String slowId = "tail-0-" + run;
        try (Orchestrator orchestrator = Orchestrator.builder().balancer(balancer).watchAgentDirectory(false)
                .defaultTimeout(Duration.ofSeconds(60)).latencyDecay(LATENCY_DECAY).build()) {
            for (int i = 0; i < AGENTS; i++) {
                String id = "tail-" + i + "-" + run;
                long service = i == 0 ? SLOW_NANOS : FAST_NANOS;
                AgentDescriptor d = AgentDescriptor.builder(id).capability("tail").endpoint("inproc:" + id)
                        .maxConcurrency(AGENT_MAX_CONCURRENCY).build();
                runtimes.add(AgentRuntime.builder(d).transport("inproc:").announce(false).handler(task -> {
                    LockSupport.parkNanos(service);
                    return Payload.empty();
                }).start());
                orchestrator.register(d);
            }
            drive(orchestrator, warmup, null, slowId, new AtomicInteger());
            long[] latencies = new long[tasks];
            AtomicInteger slow = new AtomicInteger();
            drive(orchestrator, tasks, latencies, slowId, slow);
            Arrays.sort(latencies);
            return new Result(ms(latencies, 0.50), ms(latencies, 0.99), ms(latencies, 0.999), round((double) slow.get() / tasks, 4));
        } finally {
            for (AgentRuntime runtime : runtimes) {
                runtime.close(Duration.ZERO);
            }
        }
    }

    /** Keeps {@link #CONCURRENCY} tasks in flight until {@code n} have completed. */
    private static void drive(Orchestrator orchestrator, int n, long[] latencies, String slowId, AtomicInteger slow)
            throws InterruptedException {
        Semaphore window = new Semaphore(CONCURRENCY);
        CountDownLatch done = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            window.acquire();
            int index = i;
            long start = System.nanoTime();
            Task task = Task.builder("tail").key("shipment-" + i).build();
            orchestrator.dispatch(task).whenComplete((result, error) -> {
                if (latencies != null) {
                    latencies[index] = System.nanoTime() - start;
                }
                if (result != null && result.agentId().equals(slowId)) {
                    slow.incrementAndGet();
                }
                window.release();
                done.countDown();
            });
        }
        if (!done.await(5, TimeUnit.MINUTES)) {
            throw new IllegalStateException("tasks did not complete within 5 minutes");
        }
    }

    private static double ms(long[] sorted, double quantile) {
        int i = (int) Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1);
        return round(sorted[Math.max(0, i)] / 1e6, 3);
    }

    private static double round(double v, int digits) {
        double scale = Math.pow(10, digits);
        return Math.round(v * scale) / scale;
    }
}
