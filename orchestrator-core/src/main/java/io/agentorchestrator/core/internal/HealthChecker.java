package io.agentorchestrator.core.internal;

import io.agentorchestrator.api.HealthCheckResult;
import io.agentorchestrator.api.HealthProbe;
import io.agentorchestrator.api.Ticker;
import io.agentorchestrator.core.HealthCheckConfig;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active health checking: probes every registered agent on its own schedule (interval plus
 * jitter, measured on the injected ticker) and turns runs of results into status changes. Driven
 * entirely by {@link #runDue()}, which the engine's health scheduler calls every few
 * milliseconds and tests call after moving a fake ticker; nothing here reads the wall clock or
 * sleeps.
 *
 * <p>Each agent's probe state is guarded by its own monitor; probes complete on any thread.
 */
final class HealthChecker {

    private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);

    /** One agent's checks. Guarded by itself. */
    static final class ProbeState {
        /** The agent's latest incarnation: an update or a reconfiguration keeps its counts of passes and failures. */
        volatile AgentState agent;
        long nextCheckAtNanos;
        long startedAtNanos;
        long checkId;
        boolean running;
        int passes;
        int failures;
        boolean markedUnhealthy;
        String lastDetail = "";

        ProbeState(AgentState agent, long nextCheckAtNanos) {
            this.agent = agent;
            this.nextCheckAtNanos = nextCheckAtNanos;
        }
    }

    /** Settings and probe, swapped together by a live reconfiguration. */
    private record Setup(HealthCheckConfig config, HealthProbe probe, long intervalNanos, long jitterNanos, long timeoutNanos) {
        Setup(HealthCheckConfig config, HealthProbe probe) {
            this(config, probe, config.interval().toNanos(), config.jitter().toNanos(), config.timeout().toNanos());
        }
    }

    private volatile Setup setup;
    private final Ticker ticker;
    private final DefaultOrchestrator engine;
    private final Map<String, ProbeState> states = new ConcurrentHashMap<>();

    HealthChecker(HealthCheckConfig config, Ticker ticker, HealthProbe probe, DefaultOrchestrator engine) {
        this.setup = new Setup(config, probe);
        this.ticker = ticker;
        this.engine = engine;
    }

    /** New settings from the next check on; counts of passes and failures in a row are kept. */
    void reconfigure(HealthCheckConfig config, HealthProbe probe) {
        this.setup = new Setup(config, probe);
    }

    /** Starts the checks that are due and fails those that ran past their timeout. */
    void runDue() {
        long now = ticker.read();
        Map<Object, Boolean> current = new IdentityHashMap<>();
        for (AgentState agent : engine.registeredAgents()) {
            current.put(agent.identity(), Boolean.TRUE);
            ProbeState ps = states.get(agent.id());
            if (ps != null && ps.agent != agent && ps.agent.sameAgent(agent)) {
                ps.agent = agent;
            }
            if (ps == null || ps.agent != agent) {
                // A new agent is checked soon, at a random point within the jitter, so many agents registered together spread out.
                ps = new ProbeState(agent, now + jitter());
                states.put(agent.id(), ps);
            }
            step(ps, now);
        }
        states.values().removeIf(ps -> !current.containsKey(ps.agent.identity()));
    }

    private void step(ProbeState ps, long now) {
        Setup setup = this.setup;
        HealthCheckConfig config = setup.config();
        HealthProbe probe = setup.probe();
        long id;
        synchronized (ps) {
            if (ps.running) {
                if (now - ps.startedAtNanos >= setup.timeoutNanos()) {
                    finish(ps, ps.checkId, false, "no answer within " + config.timeout().toMillis() + " ms", now);
                }
                return;
            }
            if (now - ps.nextCheckAtNanos < 0) {
                return;
            }
            ps.running = true;
            ps.startedAtNanos = now;
            id = ++ps.checkId;
        }
        CompletionStage<HealthCheckResult> stage;
        try {
            stage = probe.check(ps.agent, config.timeout());
        } catch (RuntimeException e) {
            complete(ps, id, null, e);
            return;
        }
        if (stage == null) {
            complete(ps, id, null, new IllegalStateException("probe " + probe + " returned no result"));
            return;
        }
        stage.whenComplete((result, error) -> complete(ps, id, result, error));
    }

    private void complete(ProbeState ps, long id, HealthCheckResult result, Throwable error) {
        boolean healthy = error == null && result != null && result.healthy();
        String detail = error != null ? String.valueOf(error.getMessage() != null ? error.getMessage() : error)
                : result == null ? "probe returned null" : result.detail();
        synchronized (ps) {
            finish(ps, id, healthy, detail, ticker.read());
        }
    }

    /** Counts one result of check {@code id}; ignores results of checks already timed out. Holds ps. */
    private void finish(ProbeState ps, long id, boolean healthy, String detail, long now) {
        if (!ps.running || ps.checkId != id) {
            return;
        }
        Setup setup = this.setup;
        HealthCheckConfig config = setup.config();
        ps.running = false;
        ps.nextCheckAtNanos = now + setup.intervalNanos() + jitter();
        ps.lastDetail = detail;
        if (healthy) {
            ps.failures = 0;
            ps.passes++;
            if (ps.passes >= config.healthyThreshold() && (ps.markedUnhealthy || ps.agent.ejected())) {
                boolean marked = ps.markedUnhealthy;
                ps.markedUnhealthy = false;
                engine.probePassed(ps.agent, marked, detail);
            }
        } else {
            ps.passes = 0;
            ps.failures++;
            log.debug("Health check of agent {} failed ({} in a row): {}", ps.agent.id(), ps.failures, detail);
            // Asked on every failure past the threshold, not once: an operator may have set the agent HEALTHY meanwhile.
            if (ps.failures >= config.unhealthyThreshold() && engine.probeFailed(ps.agent, detail)) {
                ps.markedUnhealthy = true;
            }
        }
    }

    private long jitter() {
        long jitterNanos = setup.jitterNanos();
        return jitterNanos == 0 ? 0 : ThreadLocalRandom.current().nextLong(jitterNanos + 1);
    }

    /** When the next check of an agent is due, in ticker nanoseconds; for tests. */
    Long nextCheckAt(String agentId) {
        ProbeState ps = states.get(agentId);
        if (ps == null) {
            return null;
        }
        synchronized (ps) {
            return ps.nextCheckAtNanos;
        }
    }

    /** Whether a check of the agent is running; for tests. */
    boolean running(String agentId) {
        ProbeState ps = states.get(agentId);
        if (ps == null) {
            return false;
        }
        synchronized (ps) {
            return ps.running;
        }
    }
}
