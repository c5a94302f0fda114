package io.agentorchestrator.core.internal.health;

import io.agentorchestrator.api.Agent;
import io.agentorchestrator.api.HealthCheckResult;
import io.agentorchestrator.api.HealthProbe;
import io.agentorchestrator.api.HealthProbeProvider;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.Transport;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A transport-level ping, for agents behind a broker that have no address of their own: sends
 * the agent a task envelope whose deadline has already passed, carrying the header
 * {@value #PING_HEADER}. An agent runtime answers such an envelope at once with
 * {@code deadline-exceeded} without running its handler, so any answer proves the agent is
 * listening and its transport path works; an {@code agent-stopping} answer, a transport error or
 * no answer in time counts as unhealthy.
 *
 * <p>Created unbound by its provider; the orchestrator binds it to its transports.
 */
public final class PingProbe implements HealthProbe {

    /** Header marking a ping envelope, for agents written in other languages. */
    public static final String PING_HEADER = io.agentorchestrator.core.wire.WireHeaders.PING;

    private static final AtomicLong IDS = new AtomicLong();

    private final Map<String, Transport> transports;

    /** An unbound probe; {@link #bind} gives it the transports. */
    public PingProbe() {
        this(null);
    }

    private PingProbe(Map<String, Transport> transports) {
        this.transports = transports;
    }

    /** This probe sending through {@code transports}, by scheme. */
    public PingProbe bind(Map<String, Transport> transports) {
        return new PingProbe(transports);
    }

    @Override
    public CompletionStage<HealthCheckResult> check(Agent agent, Duration timeout) {
        if (transports == null) {
            throw new IllegalStateException("the ping probe works only inside an orchestrator, which binds it to its transports");
        }
        Transport transport = transports.get(agent.descriptor().scheme());
        if (transport == null) {
            return CompletableFuture.completedFuture(HealthCheckResult.unhealthy("no transport for scheme " + agent.descriptor().scheme()));
        }
        String capability = agent.descriptor().capabilities().iterator().next();
        // Deadline 1 ms after the epoch: long past, so the agent answers without running its handler.
        TaskEnvelope ping = new TaskEnvelope(TaskEnvelope.WIRE_VERSION, "ping-" + agent.id() + "-" + IDS.incrementAndGet(), capability,
                Payload.empty(), Task.MAX_PRIORITY, 1L, null, Map.of(PING_HEADER, "1"), 1, null);
        CompletableFuture<ResultEnvelope> reply;
        try {
            reply = transport.send(agent.descriptor(), ping);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(HealthCheckResult.unhealthy("ping could not be sent: " + e.getMessage()));
        }
        // Cancel, as the engine does with a timed-out attempt, so the transport forgets the ping.
        CompletableFuture.delayedExecutor(timeout.toNanos(), TimeUnit.NANOSECONDS).execute(() -> reply.cancel(false));
        return reply.handle((result, error) -> {
            if (error != null) {
                Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null ? error.getCause() : error;
                if (cause instanceof java.util.concurrent.CancellationException) {
                    return HealthCheckResult.unhealthy("no answer to ping within " + timeout.toMillis() + " ms");
                }
                return HealthCheckResult.unhealthy("ping failed: " + (cause.getMessage() != null ? cause.getMessage() : cause.toString()));
            }
            if (ResultEnvelope.AGENT_STOPPING.equals(result.errorCode())) {
                return HealthCheckResult.unhealthy("agent is stopping");
            }
            return HealthCheckResult.healthy("answered ping");
        });
    }

    @Override
    public String toString() {
        return "transport ping probe";
    }

    /** Makes the probe known as {@code ping}. */
    public static final class Provider implements HealthProbeProvider {

        /** Needed by {@link java.util.ServiceLoader}. */
        public Provider() {
        }

        @Override
        public String name() {
            return "ping";
        }

        @Override
        public HealthProbe create() {
            return new PingProbe();
        }
    }
}
