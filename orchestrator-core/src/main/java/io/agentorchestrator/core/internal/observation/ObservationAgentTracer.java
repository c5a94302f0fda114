package io.agentorchestrator.core.internal.observation;

import static io.agentorchestrator.core.tracing.OrchestratorObservationNames.*;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.core.internal.AgentTracer;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.ReceiverContext;
import java.util.Map;
import java.util.function.Supplier;

/**
 * An agent's handling of a task as an
 * {@value io.agentorchestrator.core.tracing.OrchestratorObservationNames#AGENT_TASK} receiver
 * observation whose carrier is the envelope's header map, so a tracing bridge continues the trace
 * the orchestrator's dispatch started. The handler runs in the observation's scope: spans it
 * starts are children of it.
 */
public final class ObservationAgentTracer implements AgentTracer {

    private final ObservationRegistry registry;

    /** Observations go to {@code registry}. */
    public ObservationAgentTracer(ObservationRegistry registry) {
        this.registry = registry;
    }

    @Override
    public ResultEnvelope handle(AgentDescriptor agent, TaskEnvelope task, Supplier<ResultEnvelope> work) {
        ReceiverContext<Map<String, String>> context = new ReceiverContext<>((carrier, key) -> carrier.get(key), Kind.SERVER);
        context.setCarrier(task.headers());
        Observation observation = Observation.createNotStarted(AGENT_TASK, () -> context, registry)
                .contextualName("handle " + task.capability())
                .lowCardinalityKeyValue(CAPABILITY, task.capability())
                .lowCardinalityKeyValue(TRANSPORT, agent.scheme())
                .highCardinalityKeyValue(TASK_ID, task.taskId())
                .highCardinalityKeyValue(AGENT, agent.id())
                .highCardinalityKeyValue(ATTEMPT, Integer.toString(task.attempt()))
                .start();
        try (Observation.Scope scope = observation.openScope()) {
            ResultEnvelope result = work.get();
            observation.lowCardinalityKeyValue(OUTCOME, result.success() ? "success" : result.errorCode());
            return result;
        } catch (RuntimeException | Error e) {
            observation.lowCardinalityKeyValue(OUTCOME, e.getClass().getSimpleName());
            observation.error(e);
            throw e;
        } finally {
            observation.stop();
        }
    }
}
