package io.agentorchestrator.examples;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.core.AgentHandler;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * The demo's world: a halal logistics operator with three kinds of agents (certificate
 * verification, cold-chain monitoring, route planning), several per capability with different
 * weights, concurrency limits and speeds, and the stream of tasks they get.
 *
 * <p>Each handler does its small piece of real work and then waits out a simulated service time
 * (the agent's base latency, jittered by +-40%), standing in for the database lookup or model
 * call a real agent would make.
 */
final class LogisticsScene {

    /** Capability of the halal certificate checkers. */
    static final String CERTIFICATES = "halal-certificate-verification";
    /** Capability of the temperature log monitors. */
    static final String COLD_CHAIN = "cold-chain-monitoring";
    /** Capability of the route planners. */
    static final String ROUTES = "route-planning";
    /** Capabilities in the order tasks cycle through them. */
    static final List<String> CAPABILITIES = List.of(CERTIFICATES, COLD_CHAIN, ROUTES);

    /** The agent that crashes halfway: the biggest route planner, so the others must absorb real load. */
    static final String VICTIM = "route-planner-1";

    /** The date certificates are checked against; fixed so runs are reproducible. */
    private static final LocalDate AS_OF = LocalDate.of(2026, 11, 25);

    /**
     * One agent of the scene.
     *
     * @param id             agent id, also its {@code inproc:} endpoint name
     * @param capability     what it does
     * @param weight         share for weighted balancers
     * @param maxConcurrency tasks it runs at once
     * @param latency        its mean simulated service time
     */
    record AgentSpec(String id, String capability, int weight, int maxConcurrency, Duration latency) {

        /** The descriptor the orchestrator registers and the runtime listens with. */
        AgentDescriptor descriptor() {
            return AgentDescriptor.builder(id)
                    .capability(capability)
                    .endpoint("inproc:" + id)
                    .weight(weight)
                    .maxConcurrency(maxConcurrency)
                    .metadata("simulatedLatencyMs", Long.toString(latency.toMillis()))
                    .build();
        }
    }

    private static final List<AgentSpec> AGENTS = List.of(
            new AgentSpec("cert-jakim-1", CERTIFICATES, 3, 4, Duration.ofMillis(120)),
            new AgentSpec("cert-jakim-2", CERTIFICATES, 2, 3, Duration.ofMillis(160)),
            new AgentSpec("cert-muis-1", CERTIFICATES, 1, 1, Duration.ofMillis(250)),
            new AgentSpec("coldchain-klang-1", COLD_CHAIN, 3, 5, Duration.ofMillis(100)),
            new AgentSpec("coldchain-penang-1", COLD_CHAIN, 2, 2, Duration.ofMillis(150)),
            new AgentSpec("coldchain-johor-1", COLD_CHAIN, 1, 1, Duration.ofMillis(220)),
            new AgentSpec(VICTIM, ROUTES, 3, 4, Duration.ofMillis(150)),
            new AgentSpec("route-planner-2", ROUTES, 2, 3, Duration.ofMillis(200)),
            new AgentSpec("route-planner-3", ROUTES, 1, 2, Duration.ofMillis(300)));

    private final Random random;

    /** A scene whose task payloads come from {@code seed}: the same seed, the same tasks. */
    LogisticsScene(long seed) {
        this.random = new Random(seed);
    }

    /** The agents, grouped by capability. */
    List<AgentSpec> agents() {
        return AGENTS;
    }

    /** The handler for {@code agent}: its capability's work plus its simulated service time. */
    AgentHandler handler(AgentSpec agent) {
        UnaryOperator<String> work = switch (agent.capability()) {
            case CERTIFICATES -> CertificateCheck::verify;
            case COLD_CHAIN -> ColdChainCheck::analyse;
            case ROUTES -> RoutePlanner::plan;
            default -> throw new IllegalArgumentException("no work defined for capability " + agent.capability());
        };
        long meanMicros = TimeUnit.NANOSECONDS.toMicros(agent.latency().toNanos());
        return task -> {
            String reply = work.apply(task.payload().asUtf8());
            // A bounded wait: at most 1.4 x the mean. Interrupted when the runtime crashes.
            long jittered = (long) (meanMicros * ThreadLocalRandom.current().nextDouble(0.6, 1.4));
            TimeUnit.MICROSECONDS.sleep(jittered);
            return Payload.ofUtf8(reply);
        };
    }

    /**
     * The {@code n}-th task (0-based): capabilities take turns, so all three are busy throughout.
     * Not thread-safe: tasks are made by one thread.
     */
    Task task(int n) {
        String capability = CAPABILITIES.get(n % CAPABILITIES.size());
        int shipment = 1 + n / CAPABILITIES.size();
        String request = switch (capability) {
            case CERTIFICATES -> CertificateCheck.sampleRequest(random, AS_OF);
            case COLD_CHAIN -> ColdChainCheck.sampleRequest(random, shipment);
            default -> RoutePlanner.sampleRequest(random);
        };
        return Task.builder(capability)
                .id(String.format("task-%05d", n + 1))
                .key(String.format("SHP-%06d", shipment))
                .payload(request)
                .build();
    }
}
