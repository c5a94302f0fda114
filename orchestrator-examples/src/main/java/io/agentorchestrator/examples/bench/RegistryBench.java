package io.agentorchestrator.examples.bench;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentDirectory;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.internal.InProcessTransport;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * {@code bench registry}: what 100,000 registered agents cost — heap, registrations per second,
 * and one P2C pick among them ({@link RegistryPickBenchmark}, JMH) — and 1,000 agents announcing
 * themselves and heartbeating at once through the {@code inproc:} agent directory while an
 * orchestrator watches it.
 */
final class RegistryBench implements Scenario {

    static final int AGENTS = 100_000;
    static final int HEARTBEAT_AGENTS = 1_000;
    static final int HEARTBEAT_THREADS = 8;

    @Override
    public Map<String, Number> run(boolean quick, PrintStream progress) throws Exception {
        return run(BenchOptions.of(quick), progress);
    }

    @Override
    public Map<String, Number> run(BenchOptions options, PrintStream progress) throws Exception {
        Map<String, Number> metrics = new LinkedHashMap<>();
        int agents = options.count(AGENTS, AGENTS);
        heapAndRegistration(agents, options, progress, metrics);
        pick(agents, options, progress, metrics);
        heartbeats(options.count(HEARTBEAT_AGENTS, HEARTBEAT_AGENTS), options, progress, metrics);
        return metrics;
    }

    static String capability(String run) {
        return "bench-registry-" + run;
    }

    /** Registers {@code n} agents for {@code capability(run)}, as a host with many agents would at start. */
    static void register(Orchestrator orchestrator, String run, int n) {
        String capability = capability(run);
        for (int i = 0; i < n; i++) {
            String id = run + "-agent-" + i;
            orchestrator.register(AgentDescriptor.builder(id).capability(capability).endpoint("inproc:" + id).maxConcurrency(16)
                    .metadata(AgentDescriptor.ZONE_KEY, "zone-" + (i % 3)).build());
        }
    }

    private static void heapAndRegistration(int agents, BenchOptions options, PrintStream progress, Map<String, Number> metrics) {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        // Once untimed at a tenth of the size, so the timed run measures compiled code.
        try (Orchestrator warm = Orchestrator.builder().watchAgentDirectory(false).build()) {
            register(warm, "warm", Math.max(1, agents / 10));
            warm.agents(capability("warm")).size();
        }
        int rounds = options.quick() ? 1 : 3;
        double best = 0;
        double heapPerAgent = Double.MAX_VALUE;
        for (int r = 1; r <= rounds; r++) {
            long before = settledHeap(memory);
            Orchestrator orchestrator = Orchestrator.builder().watchAgentDirectory(false).build();
            String run = "r" + r;
            progress.printf("bench registry: registering %,d agents (round %d/%d)%n", agents, r, rounds);
            long start = System.nanoTime();
            register(orchestrator, run, agents);
            int seen = orchestrator.agents(capability(run)).size(); // the first read builds the snapshot: part of the cost
            long elapsed = System.nanoTime() - start;
            if (seen != agents) {
                throw new IllegalStateException("registered " + agents + " agents but the orchestrator holds " + seen);
            }
            best = Math.max(best, agents * 1e9 / elapsed);
            long after = settledHeap(memory);
            heapPerAgent = Math.min(heapPerAgent, (double) (after - before) / agents);
            progress.printf("  %,.0f registrations/s, %.0f bytes per agent%n", agents * 1e9 / elapsed, (double) (after - before) / agents);
            // The orchestrator must stay reachable until the heap is measured, or the collector takes it early.
            Reference.reachabilityFence(orchestrator);
            orchestrator.close();
        }
        metrics.put("heap_mb.per_100k_agents", LoadDriver.round(heapPerAgent * AGENTS / (1024 * 1024), 1));
        metrics.put("heap_bytes.per_agent", Math.round(heapPerAgent));
        metrics.put("register_per_s", Math.round(best));
    }

    private static long settledHeap(MemoryMXBean memory) {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    private static void pick(int agents, BenchOptions options, PrintStream progress, Map<String, Number> metrics) throws Exception {
        boolean tiny = options.scale() < 1;
        Options jmh = new OptionsBuilder()
                .include(RegistryPickBenchmark.class.getName() + ".pick")
                .param("agents", String.valueOf(agents))
                .forks(tiny ? 0 : 1)
                .warmupIterations(tiny ? 1 : options.quick() ? 2 : 5)
                .warmupTime(TimeValue.milliseconds(tiny ? 50 : options.quick() ? 500 : 1_000))
                .measurementIterations(tiny ? 1 : options.quick() ? 3 : 5)
                .measurementTime(TimeValue.milliseconds(tiny ? 50 : options.quick() ? 500 : 1_000))
                .jvmArgsAppend("-Xms512m", "-Xmx512m")
                .verbosity(VerboseMode.SILENT)
                .build();
        progress.printf("bench registry: P2C pick among %,d registered agents (JMH)%n", agents);
        Collection<RunResult> results = new Runner(jmh).run();
        for (RunResult r : results) {
            metrics.put("pick_ns.p2c." + (agents == AGENTS ? "100000" : String.valueOf(agents)),
                    LoadDriver.round(r.getPrimaryResult().getScore(), 1));
        }
    }

    /**
     * 1,000 agents announce themselves at once from {@value #HEARTBEAT_THREADS} threads and keep
     * heartbeating, while an orchestrator watches the directory: how long until it has them all,
     * and how many heartbeats per second it absorbs.
     */
    private static void heartbeats(int n, BenchOptions options, PrintStream progress, Map<String, Number> metrics) throws Exception {
        String run = "hb" + UUID.randomUUID().toString().substring(0, 8);
        String capability = capability(run);
        List<AgentDescriptor> descriptors = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String id = run + "-agent-" + i;
            descriptors.add(AgentDescriptor.builder(id).capability(capability).endpoint("inproc:" + id).build());
        }
        long duration = options.nanos(3_000, 10_000);
        progress.printf("bench registry: %,d agents registering and heartbeating at once for %d ms%n", n,
                TimeUnit.NANOSECONDS.toMillis(duration));
        InProcessTransport transport = new InProcessTransport();
        AgentDirectory directory = transport.directory().orElseThrow();
        ExecutorService pool = Executors.newFixedThreadPool(HEARTBEAT_THREADS, r -> {
            Thread t = new Thread(r, "bench-heartbeat");
            t.setDaemon(true);
            return t;
        });
        LongAdder beats = new LongAdder();
        try (Orchestrator orchestrator = Orchestrator.builder().transport(transport).build()) {
            long start = System.nanoTime();
            long end = start + duration;
            List<Future<?>> senders = new ArrayList<>();
            for (int t = 0; t < HEARTBEAT_THREADS; t++) {
                int first = t;
                senders.add(pool.submit(() -> {
                    do {
                        for (int i = first; i < n; i += HEARTBEAT_THREADS) {
                            directory.announce(descriptors.get(i), Duration.ofSeconds(15));
                            beats.increment();
                        }
                    } while (System.nanoTime() - end < 0);
                }));
            }
            long allSeen = -1;
            while (allSeen < 0 && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(60)) {
                if (orchestrator.agents(capability).size() == n) {
                    allSeen = System.nanoTime() - start;
                } else {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // a spin would take a core from the heartbeats
                }
            }
            for (Future<?> f : senders) {
                f.get(2, TimeUnit.MINUTES);
            }
            long elapsed = System.nanoTime() - start;
            if (allSeen < 0) {
                throw new IllegalStateException("the orchestrator did not see all " + n + " agents within 60 s");
            }
            metrics.put("all_registered_ms." + n + "_agents", LoadDriver.round(allSeen / 1e6, 1));
            metrics.put("heartbeats_per_s." + n + "_agents", Math.round(beats.sum() * 1e9 / elapsed));
        } finally {
            pool.shutdownNow();
            for (AgentDescriptor d : descriptors) {
                directory.withdraw(d.id());
            }
            transport.close();
        }
    }
}
