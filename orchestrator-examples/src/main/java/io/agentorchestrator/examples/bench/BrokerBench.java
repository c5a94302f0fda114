package io.agentorchestrator.examples.bench;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.core.AgentRuntime;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.security.SecurityConfig;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The broker scenarios ({@code bench redis|rabbitmq|kafka}): request/reply of 1 KiB payloads at 1
 * and at 64 tasks in flight, through an orchestrator and an {@link AgentRuntime} on the broker
 * transport against the simplest correct hand-written request/reply over the same client and the
 * same broker primitives ({@link RawRequestReply}), measured in alternating rounds. Both sides
 * echo the payload on the thread that consumed the task: the raw worker inline, the agent with
 * {@link AgentRuntime.Builder#directExecutor()} (what a host would choose for a handler that never blocks). Metric names carry the in-flight level as a suffix ({@code .1}); the plain
 * names are for 64.
 */
abstract class BrokerBench implements Scenario {

    static final int[] IN_FLIGHT = {1, 64};
    static final int PAYLOAD_BYTES = 1024;
    static final int AGENT_MAX_CONCURRENCY = 64;

    /** The scenario's name, and the prefix of its progress lines. */
    abstract String name();

    /** The transport URI both the orchestrator and the agent use, with names unique to {@code run}. */
    abstract String transportUri(BenchOptions options, String run) throws Exception;

    /** The agent endpoint of {@code agentId} on this transport. */
    abstract String endpoint(String agentId);

    /** The hand-written contender, connected and ready. */
    abstract RawRequestReply raw(BenchOptions options, String run) throws Exception;

    /** Starts what the scenario needs before anything connects (an embedded broker); default nothing. */
    AutoCloseable prepare(BenchOptions options, PrintStream progress) throws Exception {
        return () -> { };
    }

    /** Removes what the run left on the broker once everything is closed; default nothing. */
    void cleanUp(BenchOptions options, String run) throws Exception {
    }

    @Override
    public Map<String, Number> run(boolean quick, PrintStream progress) throws Exception {
        return run(BenchOptions.of(quick), progress);
    }

    @Override
    public Map<String, Number> run(BenchOptions options, PrintStream progress) throws Exception {
        long warmup = options.nanos(2_500, 10_000);
        long round = options.nanos(500, 1_000);
        int rounds = options.quick() ? 8 : 30;
        byte[] bytes = new byte[PAYLOAD_BYTES];
        ThreadLocalRandom.current().nextBytes(bytes);
        Payload payload = Payload.wrap(bytes);
        Map<String, Number> metrics = new LinkedHashMap<>();
        String run = "bench-" + name() + "-" + UUID.randomUUID().toString().substring(0, 8);
        try (AutoCloseable broker = prepare(options, progress)) {
            String uri = transportUri(options, run);
            String agentId = run + "-agent";
            AgentDescriptor agent = AgentDescriptor.builder(agentId).capability("echo").endpoint(endpoint(agentId))
                    .maxConcurrency(AGENT_MAX_CONCURRENCY).build();
            progress.printf("bench %s: %s%n", name(), redact(uri));
            // The raw client signs and encrypts nothing, so neither does the orchestrator it is compared with.
            SecurityConfig insecure = SecurityConfig.insecure("benchmark against an unsecured hand-written client");
            try (Orchestrator orchestrator = Orchestrator.builder().transport(uri).watchAgentDirectory(false).security(insecure)
                    .defaultTimeout(Duration.ofSeconds(30)).build();
                    AgentRuntime runtime = AgentRuntime.builder(agent).transport(uri).announce(false).security(insecure)
                            .directExecutor().handler(task -> task.payload()).start();
                    RawRequestReply raw = raw(options, run)) {
                orchestrator.register(agent);
                for (int inFlight : IN_FLIGHT) {
                    progress.printf("bench %s: 1 KiB request/reply, %d in flight, orchestrator vs raw client%n", name(), inFlight);
                    LoadDriver.Tally[] vs = LoadDriver.compare(name() + "/" + inFlight, "orchestrator", i -> orchestrator.dispatch(
                            Task.of("echo", payload)).thenAccept(r -> check(r.payload().size())), "raw", i -> raw.call(bytes)
                            .thenAccept(r -> check(r.length)), inFlight, warmup, round, rounds, progress);
                    String suffix = inFlight == 64 ? "" : "." + inFlight;
                    LoadDriver.Tally o = vs[0];
                    LoadDriver.Tally r = vs[1];
                    metrics.put("throughput_per_s.orchestrator" + suffix, Math.round(o.perSecond()));
                    metrics.put("throughput_per_s.raw" + suffix, Math.round(r.perSecond()));
                    metrics.put("ratio.vs_raw" + suffix, LoadDriver.round(LoadDriver.ratio(r, o), 3));
                    metrics.put("p50_ms.orchestrator" + suffix, LoadDriver.round(o.quantileMs(0.50), 3));
                    metrics.put("p99_ms.orchestrator" + suffix, LoadDriver.round(o.quantileMs(0.99), 3));
                    metrics.put("p50_ms.raw" + suffix, LoadDriver.round(r.quantileMs(0.50), 3));
                    metrics.put("p99_ms.raw" + suffix, LoadDriver.round(r.quantileMs(0.99), 3));
                    // Little's law: how many calls each side really kept in flight. A raw caller that
                    // blocks on its send may keep fewer than offered, and then its latency is that of a
                    // lighter load.
                    metrics.put("mean_in_flight.orchestrator" + suffix, LoadDriver.round(o.meanInFlight(), 1));
                    metrics.put("mean_in_flight.raw" + suffix, LoadDriver.round(r.meanInFlight(), 1));
                }
            } finally {
                cleanUp(options, run);
            }
        }
        return metrics;
    }

    private static void check(int size) {
        if (size != PAYLOAD_BYTES) {
            throw new IllegalStateException("the echo came back with " + size + " bytes instead of " + PAYLOAD_BYTES);
        }
    }

    /** The URI without a password, for progress lines. */
    static String redact(String uri) {
        return uri.replaceAll("//([^:/@]*):[^@/]*@", "//$1:***@");
    }
}
