package io.agentorchestrator.examples.bench;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.OrchestratorEvent;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.core.AgentHandler;
import io.agentorchestrator.core.AgentRuntime;
import io.agentorchestrator.core.Orchestrator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code bench dispatch}: in-process request/reply through the orchestrator (registry, balancer,
 * bulkhead, timeout, {@code inproc:} transport, {@link AgentRuntime}) against a baseline that
 * hands the same task to the same handler on the same executor with a bare
 * {@link CompletableFuture#supplyAsync}; then the orchestrator with observability off against on
 * (meters in a registry, an {@code events()} subscriber and a listener: what issue 10 calls
 * "metrics and events"), and separately with tracing off against on (Micrometer Observations with
 * a handler standing in for a tracer), since a tracer is a different price a host chooses to pay.
 * At 1 and at 64 tasks in flight; the plain metric names are for 64.
 */
final class DispatchBench implements Scenario {

    static final int[] IN_FLIGHT = {1, 64};
    /** Handler threads, shared by the agent runtime and the baseline. */
    static final int THREADS = 4;

    @Override
    public Map<String, Number> run(boolean quick, PrintStream progress) throws Exception {
        return run(BenchOptions.of(quick), progress);
    }

    @Override
    public Map<String, Number> run(BenchOptions options, PrintStream progress) throws Exception {
        long warmup = options.nanos(2_000, 10_000);
        long round = options.nanos(400, 1_000);
        int rounds = options.quick() ? 12 : 30;
        Payload payload = Payload.wrap(new byte[128]);
        AgentHandler handler = TaskEnvelope::payload;
        Map<String, Number> metrics = new LinkedHashMap<>();
        AtomicInteger threadIds = new AtomicInteger();
        ThreadPoolExecutor executor = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "bench-handler-" + threadIds.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try (Setup plain = new Setup(executor, handler, Arm.OFF); Setup observed = new Setup(executor, handler, Arm.METRICS_AND_EVENTS);
                Setup traced = new Setup(executor, handler, Arm.TRACING)) {
            for (int inFlight : IN_FLIGHT) {
                String suffix = inFlight == 64 ? "" : "." + inFlight;
                progress.printf("bench dispatch: %d in flight, orchestrator vs baseline (executor + CompletableFuture)%n", inFlight);
                LoadDriver.Tally[] vs = LoadDriver.compare("dispatch/" + inFlight, "orchestrator",
                        i -> plain.orchestrator.dispatch(Task.of(Setup.CAPABILITY, payload)),
                        "baseline", i -> baseline(executor, handler, payload), inFlight, warmup, round, rounds, progress);
                put(metrics, suffix, vs[0], vs[1]);
                if (inFlight == 64) {
                    progress.printf("bench dispatch: %d in flight, observability off vs on%n", inFlight);
                    LoadDriver.Tally[] obs = LoadDriver.compare("observability/" + inFlight, "off",
                            i -> plain.orchestrator.dispatch(Task.of(Setup.CAPABILITY, payload)), "on",
                            i -> observed.orchestrator.dispatch(Task.of(Setup.CAPABILITY, payload)), inFlight, warmup, round, rounds,
                            progress);
                    metrics.put("throughput_per_s.observability_off", Math.round(obs[0].perSecond()));
                    metrics.put("throughput_per_s.observability_on", Math.round(obs[1].perSecond()));
                    metrics.put("ratio.observability_on_vs_off", LoadDriver.round(LoadDriver.ratio(obs[0], obs[1]), 3));
                    metrics.put("p99_us.observability_on", LoadDriver.round(obs[1].quantileUs(0.99), 1));
                    metrics.put("events_seen.observability_on", observed.delivered.get());
                    if (observed.failures.sum() > 0) {
                        throw new IllegalStateException(observed.failures.sum() + " tasks failed in the observability arm");
                    }
                    // What the events() subscriber lost because its buffer was full: it must keep up for the arm to be honest.
                    metrics.put("events_dropped.observability_on", observed.orchestrator.events().dropped());
                    progress.printf("bench dispatch: %d in flight, tracing off vs on%n", inFlight);
                    LoadDriver.Tally[] tracing = LoadDriver.compare("tracing/" + inFlight, "off",
                            i -> plain.orchestrator.dispatch(Task.of(Setup.CAPABILITY, payload)), "on",
                            i -> traced.orchestrator.dispatch(Task.of(Setup.CAPABILITY, payload)), inFlight, warmup, round,
                            options.quick() ? 8 : rounds, progress);
                    metrics.put("throughput_per_s.tracing_on", Math.round(tracing[1].perSecond()));
                    metrics.put("ratio.tracing_on_vs_off", LoadDriver.round(LoadDriver.ratio(tracing[0], tracing[1]), 3));
                    metrics.put("p99_us.tracing_on", LoadDriver.round(tracing[1].quantileUs(0.99), 1));
                    metrics.put("observations_seen.tracing_on", traced.observed.sum());
                }
            }
        } finally {
            executor.shutdownNow();
        }
        return metrics;
    }

    private static void put(Map<String, Number> metrics, String suffix, LoadDriver.Tally orchestrator, LoadDriver.Tally baseline) {
        metrics.put("throughput_per_s.orchestrator" + suffix, Math.round(orchestrator.perSecond()));
        metrics.put("throughput_per_s.baseline" + suffix, Math.round(baseline.perSecond()));
        metrics.put("ratio.vs_baseline" + suffix, LoadDriver.round(LoadDriver.ratio(baseline, orchestrator), 3));
        metrics.put("p50_us.orchestrator" + suffix, LoadDriver.round(orchestrator.quantileUs(0.50), 1));
        metrics.put("p99_us.orchestrator" + suffix, LoadDriver.round(orchestrator.quantileUs(0.99), 1));
        metrics.put("p50_us.baseline" + suffix, LoadDriver.round(baseline.quantileUs(0.50), 1));
        metrics.put("p99_us.baseline" + suffix, LoadDriver.round(baseline.quantileUs(0.99), 1));
    }

    /** What a host would write without an orchestrator: the handler on an executor, its answer in a future. */
    private static CompletableFuture<Payload> baseline(ExecutorService executor, AgentHandler handler, Payload payload) {
        TaskEnvelope envelope = TaskEnvelope.of(Task.of(Setup.CAPABILITY, payload), 0, 1, null);
        return CompletableFuture.supplyAsync(() -> {
            try {
                return handler.handle(envelope);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, executor);
    }

    /**
     * Stands in for a tracer: counts the observations started and stopped, so the cost measured
     * is the orchestrator's observation plumbing rather than one tracing backend's.
     */
    private static final class CountingHandler implements ObservationHandler<Observation.Context> {
        private final LongAdder count;

        CountingHandler(LongAdder count) {
            this.count = count;
        }

        @Override
        public void onStart(Observation.Context context) {
            count.increment();
        }

        @Override
        public void onStop(Observation.Context context) {
            count.increment();
        }

        @Override
        public boolean supportsContext(Observation.Context context) {
            return true;
        }
    }

    /** What an orchestrator under test has switched on besides the always-on {@code stats()}. */
    private enum Arm {
        OFF, METRICS_AND_EVENTS, TRACING
    }

    /** One orchestrator with one in-process agent on the shared executor, observed or not. */
    private static final class Setup implements AutoCloseable {
        static final String CAPABILITY = "bench-dispatch";

        final Orchestrator orchestrator;
        final AgentRuntime runtime;
        /** Observations the tracing arm's handler saw start and stop (many threads). */
        final LongAdder observed = new LongAdder();
        /** Events the {@code events()} subscriber received; it is called on one thread at a time, so it is the only writer. */
        final AtomicLong delivered = new AtomicLong();
        /** Failed tasks the listener saw: none, unless the benchmark is broken. */
        final LongAdder failures = new LongAdder();

        Setup(ExecutorService executor, AgentHandler handler, Arm arm) {
            boolean observe = arm == Arm.METRICS_AND_EVENTS;
            String id = "dispatch-" + arm.name().toLowerCase(java.util.Locale.ROOT) + "-" + UUID.randomUUID().toString().substring(0, 8);
            AgentDescriptor agent = AgentDescriptor.builder(id).capability(CAPABILITY).endpoint("inproc:" + id).maxConcurrency(1_000)
                    .build();
            Orchestrator.Builder builder = Orchestrator.builder().watchAgentDirectory(false).defaultTimeout(Duration.ofSeconds(30));
            if (observe) {
                // The listener and the subscriber do as little as a host's would at the least, so that
                // the arm prices the library's event plumbing rather than the harness's own counting:
                // one LongAdder incremented from every dispatching thread and the delivery thread
                // alike was 10-15 % of the arm's JFR samples (its cells collide on two cores).
                builder.listener(event -> {
                    if (event instanceof OrchestratorEvent.TaskFailed) {
                        failures.increment();
                    }
                }).meterRegistry(new SimpleMeterRegistry());
            } else if (arm == Arm.TRACING) {
                ObservationRegistry observations = ObservationRegistry.create();
                observations.observationConfig().observationHandler(new CountingHandler(observed));
                builder.observationRegistry(observations);
            }
            this.orchestrator = builder.build();
            if (observe) {
                orchestrator.events().subscribe(new Flow.Subscriber<OrchestratorEvent>() {
                    @Override
                    public void onSubscribe(Flow.Subscription subscription) {
                        subscription.request(Long.MAX_VALUE);
                    }

                    @Override
                    public void onNext(OrchestratorEvent item) {
                        delivered.setRelease(delivered.getPlain() + 1);
                    }

                    @Override
                    public void onError(Throwable throwable) {
                    }

                    @Override
                    public void onComplete() {
                    }
                });
            }
            this.runtime = AgentRuntime.builder(agent).transport("inproc:").announce(false).executor(executor).handler(handler).start();
            orchestrator.register(agent);
        }

        @Override
        public void close() {
            orchestrator.close();
            runtime.close(Duration.ZERO);
        }
    }
}
