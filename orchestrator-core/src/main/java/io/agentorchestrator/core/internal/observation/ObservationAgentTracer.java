package io.agentorchestrator.core.internal.observation;

import static io.agentorchestrator.core.tracing.OrchestratorObservationNames.*;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.TaskFailedException;
import io.agentorchestrator.core.internal.AgentTracer;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.ReceiverContext;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An agent's handling of a task as an
 * {@value io.agentorchestrator.core.tracing.OrchestratorObservationNames#AGENT_TASK} receiver
 * observation whose carrier is the envelope's header map, so a tracing bridge continues the trace
 * the orchestrator's dispatch started. The handler runs in the observation's scope: spans it
 * starts are children of it. What the host's observation handlers throw is logged; the task is
 * handled all the same.
 */
public final class ObservationAgentTracer implements AgentTracer {

    private static final Logger log = LoggerFactory.getLogger(ObservationAgentTracer.class);

    private final ObservationRegistry registry;

    /** Observations go to {@code registry}. */
    public ObservationAgentTracer(ObservationRegistry registry) {
        this.registry = registry;
    }

    @Override
    public ResultEnvelope handle(AgentDescriptor agent, TaskEnvelope task, Supplier<ResultEnvelope> work) {
        Observation observation;
        Observation.Scope scope;
        try {
            ReceiverContext<Map<String, String>> context = new ReceiverContext<>((carrier, key) -> carrier.get(key), Kind.SERVER);
            context.setCarrier(task.headers());
            observation = Observation.createNotStarted(AGENT_TASK, () -> context, registry)
                    .contextualName("handle " + task.capability())
                    .lowCardinalityKeyValue(CAPABILITY, task.capability())
                    .lowCardinalityKeyValue(TRANSPORT, agent.scheme())
                    .highCardinalityKeyValue(TASK_ID, task.taskId())
                    .highCardinalityKeyValue(AGENT, agent.id())
                    .highCardinalityKeyValue(ATTEMPT, Integer.toString(task.attempt()))
                    .start();
            scope = observation.openScope();
        } catch (RuntimeException e) {
            log.warn("An observation handler threw while starting task {} on agent {}; it runs untraced", task.taskId(), agent.id(), e);
            return work.get();
        }
        ResultEnvelope result = null;
        try {
            result = work.get();
            return result;
        } finally {
            // Also when work() throws, which it does not (it turns handler failures into failure replies):
            // a scope left open would leak into the next task on this thread.
            finish(observation, scope, result, task, agent);
        }
    }

    private static void finish(Observation observation, Observation.Scope scope, ResultEnvelope result, TaskEnvelope task,
            AgentDescriptor agent) {
        try {
            scope.close();
            if (result == null) {
                observation.lowCardinalityKeyValue(OUTCOME, "error");
            } else if (result.success()) {
                observation.lowCardinalityKeyValue(OUTCOME, "success");
            } else {
                observation.lowCardinalityKeyValue(OUTCOME, result.errorCode());
                observation.error(new TaskFailedException(result.errorCode(), result.errorMessage(), result.retryable()));
            }
            observation.stop();
        } catch (RuntimeException e) {
            log.warn("An observation handler threw while ending task {} on agent {}", task.taskId(), agent.id(), e);
        }
    }
}
