package io.agentorchestrator.examples.bench;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentStatus;
import io.agentorchestrator.api.OrchestratorEvent;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.core.AgentRuntime;
import io.agentorchestrator.core.HealthCheckConfig;
import io.agentorchestrator.core.HealthProbes;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.OutlierDetectionConfig;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The failover benchmark ({@code bench failover}): 8 in-process agents under steady load; two
 * are killed a third of the way in, one of them comes back at two thirds. Measures whether any
 * task is lost, how fast the orchestrator stops routing to a dead agent, whether it routes to one
 * after noticing, and how many retries the failures cost.
 *
 * <p>The orchestrator runs with active health checks (transport ping every
 * {@value #HEALTH_INTERVAL_MS} ms) and passive outlier detection (5 consecutive failures; up to
 * half the agents may be ejected). A kill closes the agent's runtime without withdrawing it, as a
 * crash would: the orchestrator has to find out by itself.
 *
 * <p>The scenario runs twice: first with both, then with health checks only, whose results carry
 * the prefix {@code active_only_}.
 *
 * <p>Metrics: {@code lost_tasks} (tasks whose future failed; must be 0),
 * {@code tasks_to_dead_agents_after_detection} (attempts sent to a killed agent after the
 * orchestrator ejected it or marked it unhealthy, until it came back; must be 0),
 * {@code detection_ms} (for the slower of the two kills, time from the kill to the last attempt
 * routed to it, i.e. until no task went there any more; at most 2 health intervals, at most 50 ms
 * when outlier detection sees the failures first), {@code retry_ratio} (retries per task; at most
 * the retry budget, 0.2), plus {@code tasks}, {@code retries}, {@code recovery_ms} (restart of the
 * revived agent to its first task), {@code throughput_per_s}, and how many of the two kills
 * outlier detection and the health checks noticed first.
 */
public final class FailoverBench {

    /** Agents in the pool. */
    static final int AGENTS = 8;
    /** Health check interval. */
    static final int HEALTH_INTERVAL_MS = 100;
    /** Callers dispatching in a closed loop. */
    static final int CALLERS = 8;

    private FailoverBench() {
    }

    /** One agent's bookkeeping, updated from the event stream. */
    private static final class Watch {
        final String id;
        volatile long killedAt;
        volatile long revivedAt;
        volatile long detectedAt;
        volatile boolean detectedByOutlier;
        volatile long lastDispatchAfterKill;
        volatile long firstDispatchAfterRevive;
        final LongAdder afterDetection = new LongAdder();

        Watch(String id) {
            this.id = id;
        }
    }

    /**
     * Runs the scenario.
     *
     * @param quick    a short run (about 6 s) instead of the full one (about 30 s)
     * @param progress receives a line per phase
     * @return the metrics, by name, in a stable order
     * @throws IllegalStateException when the run could not complete
     */
    public static Map<String, Number> run(boolean quick, PrintStream progress) {
        long phaseMillis = quick ? 2_000 : 10_000;
        Map<String, Number> metrics = scenario(true, phaseMillis, progress);
        progress.println("failover: again with health checks only (no outlier detection)");
        Map<String, Number> activeOnly = scenario(false, quick ? 1_500 : 5_000, progress);
        metrics.put("active_only_lost_tasks", activeOnly.get("lost_tasks"));
        metrics.put("active_only_tasks_to_dead_agents_after_detection", activeOnly.get("tasks_to_dead_agents_after_detection"));
        metrics.put("active_only_detection_ms", activeOnly.get("detection_ms"));
        metrics.put("active_only_retry_ratio", activeOnly.get("retry_ratio"));
        return metrics;
    }

    private static Map<String, Number> scenario(boolean passive, long phaseMillis, PrintStream progress) {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String capability = "failover-" + run;
        List<AgentDescriptor> descriptors = new ArrayList<>();
        for (int i = 0; i < AGENTS; i++) {
            descriptors.add(AgentDescriptor.builder("failover-" + run + "-" + i).capability(capability)
                    .endpoint("inproc:failover-" + run + "-" + i).maxConcurrency(16).build());
        }
        Map<String, Watch> watches = new ConcurrentHashMap<>();
        for (AgentDescriptor d : descriptors) {
            watches.put(d.id(), new Watch(d.id()));
        }
        LongAdder retries = new LongAdder();
        List<AgentRuntime> runtimes = new ArrayList<>();
        for (AgentDescriptor d : descriptors) {
            runtimes.add(start(d));
        }
        Orchestrator.Builder builder = Orchestrator.builder()
                .transport("inproc:")
                .watchAgentDirectory(false)
                .balancer("round-robin")
                .defaultTimeout(Duration.ofSeconds(5))
                .healthCheck(HealthCheckConfig.builder().probe(HealthProbes.ping()).interval(Duration.ofMillis(HEALTH_INTERVAL_MS))
                        .jitter(Duration.ofMillis(HEALTH_INTERVAL_MS / 10)).timeout(Duration.ofMillis(50)).unhealthyThreshold(1)
                        .healthyThreshold(2).build())
                .listener(event -> observe(event, watches, retries));
        if (passive) {
            builder.outlierDetection(OutlierDetectionConfig.builder().maxEjectionPercent(50).build());
        }
        Orchestrator orchestrator = builder.build();
        AtomicBoolean running = new AtomicBoolean(true);
        LongAdder tasks = new LongAdder();
        LongAdder lost = new LongAdder();
        Set<String> errors = ConcurrentHashMap.newKeySet();
        CountDownLatch callersDone = new CountDownLatch(CALLERS);
        try {
            for (AgentDescriptor d : descriptors) {
                orchestrator.register(d);
            }
            long start = System.nanoTime();
            for (int c = 0; c < CALLERS; c++) {
                Thread caller = new Thread(() -> {
                    try {
                        while (running.get()) {
                            tasks.increment();
                            try {
                                orchestrator.dispatch(Task.of(capability, "reading")).get(10, TimeUnit.SECONDS);
                            } catch (ExecutionException | TimeoutException e) {
                                lost.increment();
                                Throwable cause = e.getCause() != null ? e.getCause() : e;
                                errors.add(cause.getClass().getSimpleName() + ": " + cause.getMessage());
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        callersDone.countDown();
                    }
                }, "failover-caller-" + c);
                caller.setDaemon(true);
                caller.start();
            }
            progress.printf("failover: %d agents, %d callers, health check every %d ms; steady load for %d ms%n", AGENTS, CALLERS,
                    HEALTH_INTERVAL_MS, phaseMillis);
            pause(phaseMillis);

            int[] killed = {2, 5};
            for (int k : killed) {
                watches.get(descriptors.get(k).id()).killedAt = System.nanoTime();
                runtimes.get(k).close(Duration.ZERO);
            }
            progress.printf("failover: killed %s and %s%n", descriptors.get(killed[0]).id(), descriptors.get(killed[1]).id());
            pause(phaseMillis);

            AgentDescriptor back = descriptors.get(killed[1]);
            runtimes.set(killed[1], start(back));
            watches.get(back.id()).revivedAt = System.nanoTime();
            progress.printf("failover: restarted %s%n", back.id());
            pause(phaseMillis);

            running.set(false);
            if (!callersDone.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("callers did not finish within 30 s");
            }
            long elapsed = System.nanoTime() - start;

            long detection = 0;
            long afterDetection = 0;
            int byOutlier = 0;
            for (int k : killed) {
                Watch w = watches.get(descriptors.get(k).id());
                long last = Math.max(w.lastDispatchAfterKill, w.killedAt);
                detection = Math.max(detection, last - w.killedAt);
                afterDetection += w.afterDetection.sum();
                if (w.detectedAt != 0 && w.detectedByOutlier) {
                    byOutlier++;
                }
                if (w.detectedAt == 0) {
                    progress.printf("failover: %s was never taken out of rotation%n", w.id);
                } else {
                    progress.printf("failover: %s got its last task %.1f ms after the kill; %s after %.1f ms%n", w.id,
                            (last - w.killedAt) / 1e6, w.detectedByOutlier ? "ejected" : "marked unhealthy",
                            (w.detectedAt - w.killedAt) / 1e6);
                }
            }
            Watch revived = watches.get(back.id());
            Map<String, Number> metrics = new LinkedHashMap<>();
            metrics.put("tasks", tasks.sum());
            metrics.put("lost_tasks", lost.sum());
            metrics.put("tasks_to_dead_agents_after_detection", afterDetection);
            metrics.put("detection_ms", detection / 1e6);
            metrics.put("health_interval_ms", HEALTH_INTERVAL_MS);
            metrics.put("detected_by_outlier_detection", byOutlier);
            metrics.put("detected_by_health_check", killed.length - byOutlier);
            metrics.put("retries", retries.sum());
            metrics.put("retry_ratio", tasks.sum() == 0 ? 0.0 : (double) retries.sum() / tasks.sum());
            metrics.put("recovery_ms", revived.firstDispatchAfterRevive == 0 ? -1 : (revived.firstDispatchAfterRevive - revived.revivedAt) / 1e6);
            metrics.put("throughput_per_s", tasks.sum() / (elapsed / 1e9));
            if (!errors.isEmpty()) {
                progress.println("failover: failures seen: " + errors);
            }
            return metrics;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            running.set(false);
            orchestrator.close();
            for (AgentRuntime r : runtimes) {
                r.close(Duration.ZERO);
            }
        }
    }

    private static AgentRuntime start(AgentDescriptor agent) {
        return AgentRuntime.builder(agent).transport("inproc:").announce(false).handler(task -> {
            // A short piece of work, so the agents are busy but the callers, not the CPU, set the pace.
            Thread.sleep(1);
            return Payload.ofUtf8("ok");
        }).start();
    }

    private static void observe(OrchestratorEvent event, Map<String, Watch> watches, LongAdder retries) {
        long now = System.nanoTime();
        if (event instanceof OrchestratorEvent.TaskRetried) {
            retries.increment();
        } else if (event instanceof OrchestratorEvent.TaskDispatched d) {
            Watch w = watches.get(d.agentId());
            if (w == null || w.killedAt == 0) {
                return;
            }
            if (w.revivedAt == 0) {
                w.lastDispatchAfterKill = now;
                if (w.detectedAt != 0) {
                    w.afterDetection.increment();
                }
            } else if (w.firstDispatchAfterRevive == 0) {
                w.firstDispatchAfterRevive = now;
            }
        } else if (event instanceof OrchestratorEvent.AgentEjected e) {
            detected(watches.get(e.agentId()), now, true);
        } else if (event instanceof OrchestratorEvent.AgentStatusChanged s && s.current() == AgentStatus.UNHEALTHY) {
            detected(watches.get(s.agentId()), now, false);
        }
    }

    private static synchronized void detected(Watch w, long now, boolean byOutlier) {
        if (w != null && w.killedAt != 0 && w.revivedAt == 0 && w.detectedAt == 0) {
            w.detectedByOutlier = byOutlier;
            w.detectedAt = now;
        }
    }

    private static void pause(long millis) throws InterruptedException {
        // The benchmark measures wall time on purpose: it is not a test.
        Thread.sleep(millis);
    }

    /** Runs the quick scenario and prints the metrics; for trying it without the examples runner. */
    public static void main(String[] args) {
        boolean quick = args.length > 0 && args[0].equals("--quick");
        run(quick, System.out).forEach((k, v) -> System.out.println(k + " = " + v));
    }
}
