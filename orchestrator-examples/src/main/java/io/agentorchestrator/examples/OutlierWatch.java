package io.agentorchestrator.examples;

import io.agentorchestrator.api.AgentRegistrationException;
import io.agentorchestrator.api.AgentStatus;
import io.agentorchestrator.api.OrchestratorEvent;
import io.agentorchestrator.api.OrchestratorListener;
import io.agentorchestrator.core.Orchestrator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Takes an agent out of rotation after a run of consecutive failed attempts, by setting it
 * {@link AgentStatus#UNHEALTHY}: the demo's stand-in for the health probes and outlier detection
 * the core does not have yet. Without it, a dead agent keeps its place in the rotation and every
 * task that picks it pays one failed attempt before failing over.
 *
 * <p>Watches the event stream; the status change itself runs on {@code executor}, because a
 * listener must not block and should not call back into the orchestrator on the dispatch path.
 */
final class OutlierWatch implements OrchestratorListener {

    /** Consecutive failed attempts that take an agent out. */
    static final int THRESHOLD = 3;

    private final Orchestrator orchestrator;
    private final Executor executor;
    private final Consumer<String> progress;
    private final Map<String, AtomicInteger> consecutive = new ConcurrentHashMap<>();
    private final Set<String> ejected = ConcurrentHashMap.newKeySet();

    /**
     * @param orchestrator whose agents it watches and ejects
     * @param executor     where the status changes run
     * @param progress     receives one line per ejection
     */
    OutlierWatch(Orchestrator orchestrator, Executor executor, Consumer<String> progress) {
        this.orchestrator = orchestrator;
        this.executor = executor;
        this.progress = progress;
    }

    @Override
    public void onEvent(OrchestratorEvent event) {
        if (event instanceof OrchestratorEvent.TaskCompleted e) {
            counter(e.agentId()).set(0);
        } else if (event instanceof OrchestratorEvent.TaskRetried e) {
            failed(e.failedAgentId(), e.reason());
        } else if (event instanceof OrchestratorEvent.TaskFailed e && e.agentId() != null) {
            failed(e.agentId(), e.error().getMessage());
        }
    }

    /** The agents this watch has taken out. */
    Set<String> ejected() {
        return Set.copyOf(ejected);
    }

    private void failed(String agentId, String reason) {
        if (counter(agentId).incrementAndGet() >= THRESHOLD && ejected.add(agentId)) {
            executor.execute(() -> {
                if (orchestrator.agent(agentId).isEmpty()) {
                    return; // already gone: it withdrew, or its lease lapsed
                }
                try {
                    orchestrator.setStatus(agentId, AgentStatus.UNHEALTHY, THRESHOLD + " consecutive failed attempts");
                    progress.accept("watch: " + agentId + " taken out after " + THRESHOLD + " consecutive failed attempts (last: "
                            + reason + ")");
                } catch (AgentRegistrationException goneMeanwhile) {
                    // deregistered between the check and the call: nothing left to take out
                }
            });
        }
    }

    private AtomicInteger counter(String agentId) {
        return consecutive.computeIfAbsent(agentId, id -> new AtomicInteger());
    }
}
