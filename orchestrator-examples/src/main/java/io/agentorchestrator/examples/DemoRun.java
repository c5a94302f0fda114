package io.agentorchestrator.examples;

import io.agentorchestrator.api.Agent;
import io.agentorchestrator.api.OrchestratorEvent;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskResult;
import io.agentorchestrator.api.Ticker;
import io.agentorchestrator.core.AgentRuntime;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.OutlierDetectionConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.agentorchestrator.core.config.OrchestratorConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One run of the demo: starts the scene's agents on the in-process transport, registers them
 * with an orchestrator, dispatches every task at once, crashes {@link LogisticsScene#VICTIM}
 * halfway while it holds tasks, waits for every task to end, and collects the books.
 *
 * <p>Not reusable: one instance, one {@link #run()}. Agent endpoints live in the JVM-wide
 * {@code inproc:} namespace, so two runs must not overlap in one JVM.
 */
final class DemoRun {

    /** Seed of the task payloads: the same tasks on every run. */
    static final long SEED = 20261125L;
    /** Time each task gets, waiting for a free agent included; generous, as all tasks are queued at once. */
    static final Duration TASK_TIMEOUT = Duration.ofMinutes(2);
    /** How long the run waits beyond the task timeout before it calls the remaining tasks hung. */
    static final Duration HANG_MARGIN = Duration.ofSeconds(15);
    /** Grace given to the surviving agents when the run ends; they are idle by then. */
    static final Duration AGENT_DRAIN = Duration.ofSeconds(2);

    private static final long POLL_MILLIS = 20;
    /** Progress lines come every 500 ms at first, then every tenth of the time run so far, so long runs stay readable. */
    private static final long PROGRESS_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final long EVENTS_GRACE_SECONDS = 5;
    private static final int MAX_LISTED = 5;

    private final DemoOptions options;
    private final Consumer<String> progress;
    private final OrchestratorConfig config;
    private final Ticker ticker = Ticker.system();
    /** Where the orchestrator's meters go, or null for none. */
    private final MeterRegistry meters;

    /** A run that ignores the environment: only the demo's defaults and {@code options}. */
    DemoRun(DemoOptions options, Consumer<String> progress) {
        this(options, progress, OrchestratorConfig.load(Map.of(), new Properties(), null), null);
    }

    /** A run that ignores the environment and registers the orchestrator's meters in {@code meters} (null for none). */
    DemoRun(DemoOptions options, Consumer<String> progress, MeterRegistry meters) {
        this(options, progress, OrchestratorConfig.load(Map.of(), new Properties(), null), meters);
    }

    /** A run with orchestrator settings from {@code config} and no meters. */
    DemoRun(DemoOptions options, Consumer<String> progress, OrchestratorConfig config) {
        this(options, progress, config, null);
    }

    /**
     * @param options  how many tasks, which balancer; wins over {@code config}
     * @param progress receives progress lines while the run goes on; called from several threads
     * @param config   orchestrator settings from the environment; win over the demo's defaults
     * @param meters   where the orchestrator's meters go, or null for none
     */
    DemoRun(DemoOptions options, Consumer<String> progress, OrchestratorConfig config, MeterRegistry meters) {
        this.options = options;
        this.progress = progress;
        this.config = config;
        this.meters = meters;
    }

    /** The balancer the run uses: the command line's, else the configured one, else the demo's default. */
    String balancer() {
        if (options.balancer() != null) {
            return options.balancer();
        }
        return config.value("orchestrator.balancer").map(v -> v.text().trim()).orElse(DemoOptions.DEFAULT_BALANCER);
    }

    /** Runs the demo to the end and returns what happened. */
    DemoResult run() throws InterruptedException {
        int n = options.tasks();
        LogisticsScene scene = new LogisticsScene(SEED);
        AgentLedger ledger = new AgentLedger(ticker, n);
        Map<String, AgentRuntime> runtimes = new LinkedHashMap<>();
        Orchestrator.Builder builder = Orchestrator.builder()
                .transport("inproc:")
                .defaultTimeout(TASK_TIMEOUT)
                // An agent that fails three attempts in a row stops getting tasks at once, instead
                // of costing every later task a failed attempt until its lease lapses.
                .outlierDetection(OutlierDetectionConfig.builder().consecutiveFailures(3).maxEjectionPercent(50).build())
                .listener(ledger);
        if (meters != null) {
            builder.meterRegistry(meters);
        }
        // The environment's settings override the demo's defaults above; the command line overrides both.
        config.applyTo(builder).balancer(balancer());
        AutoscaleHook autoscale = options.autoscale() ? new AutoscaleHook(scene, progress) : null;
        if (autoscale != null) {
            builder.autoScaling(AutoscaleHook.POLICY).scalingHook(autoscale);
        }
        Orchestrator orchestrator = builder.build();
        if (autoscale != null) {
            autoscale.attach(orchestrator);
        }
        try {
            for (LogisticsScene.AgentSpec spec : scene.agents()) {
                runtimes.put(spec.id(), AgentRuntime.builder(spec.descriptor())
                        .transport("inproc:")
                        .handler(scene.handler(spec))
                        .drainTimeout(AGENT_DRAIN)
                        .start());
                // The runtime also announces itself through the in-process directory, which registers the
                // same descriptor (a no-op twice over); registering here means every agent is known
                // before the first dispatch, without waiting for a heartbeat.
                orchestrator.register(spec.descriptor());
            }
            orchestrator.addListener(this::reportRegistryChange);
            progress.accept(String.format(Locale.ROOT, "scene: %d agents for %s; balancer %s; %s will crash halfway",
                    runtimes.size(), String.join(", ", LogisticsScene.CAPABILITIES), balancer(), LogisticsScene.VICTIM));
            DemoResult result = dispatchAndWatch(scene, orchestrator, runtimes.get(LogisticsScene.VICTIM), ledger, n);
            if (autoscale != null && !autoscale.awaitScaledDown(Duration.ofSeconds(5))) {
                progress.accept("autoscale: " + autoscale.running() + " started agent(s) still running when the demo ends");
            }
            return result;
        } finally {
            orchestrator.close();
            if (autoscale != null) {
                autoscale.close();
            }
            for (AgentRuntime runtime : runtimes.values()) {
                runtime.close(AGENT_DRAIN);
            }
        }
    }

    private DemoResult dispatchAndWatch(LogisticsScene scene, Orchestrator orchestrator, AgentRuntime victim, AgentLedger ledger,
            int n) throws InterruptedException {
        AtomicInteger completed = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        List<CompletableFuture<TaskResult>> futures = new ArrayList<>(n);
        List<String> taskIds = new ArrayList<>(n);
        long start = ticker.read();
        for (int i = 0; i < n; i++) {
            Task task = scene.task(i);
            CompletableFuture<TaskResult> future;
            try {
                future = orchestrator.dispatch(task);
            } catch (RuntimeException e) {
                future = CompletableFuture.failedFuture(e);
            }
            future.whenComplete((r, e) -> (e == null ? completed : failed).incrementAndGet());
            futures.add(future);
            taskIds.add(task.id());
        }
        progress.accept("dispatched " + n + " tasks");

        CompletableFuture<Void> all = CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new));
        long giveUpAt = start + TASK_TIMEOUT.plus(HANG_MARGIN).toNanos();
        long nextProgress = start + PROGRESS_EVERY_NANOS;
        DemoResult.Crash crash = null;
        while (!all.isDone() && ticker.read() - giveUpAt < 0) {
            try {
                all.get(POLL_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                // not yet: crash the victim, print progress, poll again
            } catch (ExecutionException e) {
                break; // all ended, some with a failure; counted below
            }
            int ok = completed.get();
            int bad = failed.get();
            long ended = ok + bad;
            if (crash == null && ended >= n / 2) {
                crash = crashIfBusy(orchestrator, victim, ended);
            }
            long now = ticker.read();
            if (now - nextProgress >= 0 && !all.isDone()) {
                progress.accept(String.format(Locale.ROOT, "progress: %d/%d tasks ended (%d completed, %d failed), %d in flight, %.1f s",
                        ended, n, ok, bad, inFlight(orchestrator), (now - start) / 1e9));
                nextProgress = now + Math.max(PROGRESS_EVERY_NANOS, (now - start) / 10);
            }
        }
        Duration elapsed = Duration.ofNanos(ticker.read() - start);
        if (crash == null) {
            progress.accept("note: " + victim.agent().id() + " had no task in flight after halfway, so it was not crashed");
        }
        List<String> anomalies = new ArrayList<>();
        if (all.isDone() && !ledger.awaitEnded(EVENTS_GRACE_SECONDS, TimeUnit.SECONDS)) {
            anomalies.add("the event stream reported " + ledger.completedTasks() + " completed and " + ledger.failedTasks()
                    + " failed of " + n + " tasks, " + EVENTS_GRACE_SECONDS + " s after every future had ended");
        }
        checkAgreement(completed.get(), failed.get(), ledger, anomalies);
        listUnfinished(futures, taskIds, anomalies);
        for (Agent agent : orchestrator.agents()) {
            if (all.isDone() && agent.inFlight() != 0) {
                anomalies.add("agent " + agent.id() + " still counts " + agent.inFlight() + " task(s) in flight after every task ended");
            }
        }
        long[] endToEnd = ledger.sortedEndToEndLatencies();
        long done = completed.get();
        return new DemoResult(n, done, n - done, ledger.retries(), elapsed, millis(AgentLedger.percentile(endToEnd, 0.50)),
                millis(AgentLedger.percentile(endToEnd, 0.99)), crash, rows(scene, orchestrator, ledger), anomalies);
    }

    /** Tells the user when the orchestrator takes an agent out of rotation or drops it. */
    private void reportRegistryChange(OrchestratorEvent event) {
        if (event instanceof OrchestratorEvent.AgentDeregistered e && !AutoscaleHook.isStartedByHook(e.agent().id())) {
            progress.accept("registry: " + e.agent().id() + " deregistered; the others take its tasks");
        } else if (event instanceof OrchestratorEvent.AgentEjected e) {
            progress.accept("outlier: " + e.agentId() + " ejected for " + e.duration().toMillis() + " ms (" + e.reason() + ")");
        } else if (event instanceof OrchestratorEvent.AgentStatusChanged e) {
            progress.accept("registry: " + e.agentId() + " " + e.previous() + " -> " + e.current() + " (" + e.reason() + ")");
        }
    }

    /** Crashes the victim if it holds tasks right now; returns the crash, or null to try again later. */
    private DemoResult.Crash crashIfBusy(Orchestrator orchestrator, AgentRuntime victim, long ended) {
        String id = victim.agent().id();
        int inFlight = orchestrator.agent(id).map(Agent::inFlight).orElse(0);
        if (inFlight == 0) {
            return null;
        }
        progress.accept("crash: " + id + " stops without grace (AgentRuntime.close(Duration.ZERO)) after " + ended
                + " tasks ended, with " + inFlight + " task(s) in flight on it (" + victim.running() + " running in its handler)");
        victim.close(Duration.ZERO);
        return new DemoResult.Crash(id, ended, inFlight);
    }

    private static void checkAgreement(long completed, long failed, AgentLedger ledger, List<String> anomalies) {
        if (ledger.completedTasks() != completed) {
            anomalies.add(completed + " futures completed with a result but the event stream reported " + ledger.completedTasks()
                    + " TaskCompleted");
        }
        if (ledger.failedTasks() != failed) {
            anomalies.add(failed + " futures failed but the event stream reported " + ledger.failedTasks() + " TaskFailed");
        }
    }

    private static void listUnfinished(List<CompletableFuture<TaskResult>> futures, List<String> taskIds, List<String> anomalies) {
        int hung = 0;
        int listedFailures = 0;
        for (int i = 0; i < futures.size(); i++) {
            CompletableFuture<TaskResult> future = futures.get(i);
            if (!future.isDone()) {
                if (hung++ < MAX_LISTED) {
                    anomalies.add(taskIds.get(i) + " never ended: its future was still pending when the run gave up");
                }
            } else if (future.isCompletedExceptionally() && listedFailures++ < MAX_LISTED) {
                anomalies.add(taskIds.get(i) + " failed: " + failure(future));
            }
        }
        if (hung > MAX_LISTED) {
            anomalies.add("... " + (hung - MAX_LISTED) + " more task(s) never ended");
        }
        if (listedFailures > MAX_LISTED) {
            anomalies.add("... " + (listedFailures - MAX_LISTED) + " more task(s) failed");
        }
    }

    private static String failure(CompletableFuture<TaskResult> future) {
        try {
            future.join();
            return "no failure";
        } catch (CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return cause.getClass().getSimpleName() + ": " + cause.getMessage();
        }
    }

    /** One row per agent of the scene; one that left the registry (the crashed one withdraws) shows as REMOVED. */
    private static List<DemoResult.AgentRow> rows(LogisticsScene scene, Orchestrator orchestrator, AgentLedger ledger) {
        List<DemoResult.AgentRow> rows = new ArrayList<>();
        for (LogisticsScene.AgentSpec spec : scene.agents()) {
            String status = orchestrator.agent(spec.id()).map(a -> a.status().name()).orElse("REMOVED");
            AgentLedger.AgentBook book = ledger.book(spec.id());
            long[] latencies = book.sortedLatencies();
            rows.add(new DemoResult.AgentRow(spec.id(), spec.capability(), spec.weight(), spec.maxConcurrency(), status,
                    book.completed(), book.failures(), millis(AgentLedger.percentile(latencies, 0.50)),
                    millis(AgentLedger.percentile(latencies, 0.99))));
        }
        return rows;
    }

    private static int inFlight(Orchestrator orchestrator) {
        int sum = 0;
        for (Agent agent : orchestrator.agents()) {
            sum += agent.inFlight();
        }
        return sum;
    }

    private static long millis(long nanos) {
        return nanos < 0 ? -1 : Math.round(nanos / 1e6);
    }
}
