package io.agentorchestrator.examples;

import io.agentorchestrator.core.AgentRuntime;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.scaling.ScalingDecision;
import io.agentorchestrator.core.scaling.ScalingHook;
import io.agentorchestrator.core.scaling.ScalingPolicy;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The demo's scaler, behind {@code --autoscale}: what a host would connect to Kubernetes or a
 * process pool, here starting extra in-process agents for a capability while it is short of
 * agents and stopping them (only the ones it started) when the load falls. Each step is printed.
 *
 * <p>Called on the orchestrator's timer thread, so it starts agents (quick, in-process) but stops
 * them in the background: a stopping agent first finishes what it holds.
 */
final class AutoscaleHook implements ScalingHook {

    /** Short windows so a demo of a few seconds shows both directions. */
    static final ScalingPolicy POLICY = ScalingPolicy.builder()
            .targetUtilization(0.8)
            .targetQueuePerAgent(10)
            .bounds(1, 6)
            .scaleDownStabilization(Duration.ofSeconds(1))
            .evaluationInterval(Duration.ofMillis(250))
            .build();

    /** Marks the ids of the agents it starts. */
    private static final String AUTO = "-auto-";

    private final LogisticsScene scene;
    private final Consumer<String> progress;
    private final Map<String, Deque<AgentRuntime>> started = new ConcurrentHashMap<>();
    private final List<CompletableFuture<Void>> stopping = new CopyOnWriteArrayList<>();
    private volatile Orchestrator orchestrator;
    private int nextId;

    AutoscaleHook(LogisticsScene scene, Consumer<String> progress) {
        this.scene = scene;
        this.progress = progress;
    }

    /** Connects the orchestrator the extra agents register with; before its first evaluation. */
    void attach(Orchestrator orchestrator) {
        this.orchestrator = orchestrator;
    }

    @Override
    public synchronized void scale(ScalingDecision d) {
        Orchestrator o = orchestrator;
        if (o == null) {
            return;
        }
        Deque<AgentRuntime> mine = started.computeIfAbsent(d.capability(), c -> new ArrayDeque<>());
        int delta = d.desiredAgents() - d.currentAgents();
        List<String> changed = new ArrayList<>();
        if (delta > 0) {
            LogisticsScene.AgentSpec template = template(d.capability());
            for (int i = 0; i < delta; i++) {
                LogisticsScene.AgentSpec spec = new LogisticsScene.AgentSpec(d.capability() + AUTO + (++nextId), d.capability(), 1,
                        template.maxConcurrency(), template.latency());
                AgentRuntime runtime = AgentRuntime.builder(spec.descriptor()).transport("inproc:").announce(false)
                        .handler(scene.handler(spec)).drainTimeout(DemoRun.AGENT_DRAIN).start();
                o.register(spec.descriptor());
                mine.addLast(runtime);
                changed.add("started " + spec.id());
            }
        } else if (delta < 0) {
            for (int i = 0; i < -delta && !mine.isEmpty(); i++) {
                AgentRuntime runtime = mine.removeLast();
                String id = runtime.agent().id();
                // No new tasks from now on; the runtime finishes what it holds, then stops.
                o.deregister(id);
                stopping.add(CompletableFuture.runAsync(() -> runtime.close(DemoRun.AGENT_DRAIN)));
                changed.add("stopped " + id);
            }
        }
        if (changed.isEmpty()) {
            return; // a signal it cannot act on (never below the scene's own agents): not worth a line
        }
        progress.accept(String.format(Locale.ROOT, "autoscale: %s wants %d agent(s), has %d (%s)%s", d.capability(), d.desiredAgents(),
                d.currentAgents(), d.reason(), ": " + String.join(", ", changed)));
    }

    private LogisticsScene.AgentSpec template(String capability) {
        for (LogisticsScene.AgentSpec spec : scene.agents()) {
            if (spec.capability().equals(capability)) {
                return spec;
            }
        }
        throw new IllegalArgumentException("no agent of the scene has capability " + capability);
    }

    /** Whether the agent is one this hook started, whose comings and goings it reports itself. */
    static boolean isStartedByHook(String agentId) {
        return agentId.contains(AUTO);
    }

    /** Agents it started that still run. */
    synchronized int running() {
        int n = 0;
        for (Deque<AgentRuntime> d : started.values()) {
            n += d.size();
        }
        return n;
    }

    /** Waits, at most {@code timeout}, for the falling load to stop every agent it started. */
    boolean awaitScaledDown(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (running() > 0 && System.nanoTime() - end < 0) {
            TimeUnit.MILLISECONDS.sleep(50);
        }
        return running() == 0;
    }

    /** Stops what still runs and waits for the stops under way. */
    void close() {
        synchronized (this) {
            for (Deque<AgentRuntime> d : started.values()) {
                while (!d.isEmpty()) {
                    AgentRuntime runtime = d.removeLast();
                    stopping.add(CompletableFuture.runAsync(() -> runtime.close(DemoRun.AGENT_DRAIN)));
                }
            }
        }
        CompletableFuture.allOf(stopping.toArray(CompletableFuture[]::new)).join();
    }
}
