package io.agentorchestrator.core.internal.observation;

import static io.agentorchestrator.core.tracing.OrchestratorObservationNames.*;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.TaskFailedException;
import io.agentorchestrator.api.TaskResult;
import io.agentorchestrator.core.internal.TaskTracer;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.SenderContext;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tasks as {@value io.agentorchestrator.core.tracing.OrchestratorObservationNames#TASK}
 * observations, each attempt as a
 * {@value io.agentorchestrator.core.tracing.OrchestratorObservationNames#DISPATCH} sender
 * observation whose carrier is the envelope's header map: a tracing bridge's propagating handler
 * writes {@code traceparent} (and {@code tracestate}) into it, and every transport carries the
 * headers to the agent.
 *
 * <p>Observation handlers are the host's code and are not trusted: what they throw is logged and
 * the task goes on untraced, as a listener's exception would be.
 */
public final class ObservationTaskTracer implements TaskTracer {

    private static final Logger log = LoggerFactory.getLogger(ObservationTaskTracer.class);

    private final ObservationRegistry registry;
    /** Contextual names by capability, built once each instead of once per task: capabilities are few. */
    private final Map<String, String[]> names = new java.util.concurrent.ConcurrentHashMap<>();
    /** Most capabilities whose contextual names are kept. */
    static final int MAX_CACHED_NAMES = 1024;
    /** The attempt numbers most tasks use, as strings. */
    private static final String[] ATTEMPTS = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};

    /** Observations go to {@code registry}. */
    public ObservationTaskTracer(ObservationRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Object started(Task task) {
        try {
            // No explicit parent: the caller's current observation, if any, becomes the parent.
            return Observation.createNotStarted(TASK, registry)
                    .contextualName(names(task.capability())[0])
                    .lowCardinalityKeyValue(CAPABILITY, task.capability())
                    .highCardinalityKeyValue(TASK_ID, task.id())
                    .start();
        } catch (RuntimeException e) {
            log.warn("An observation handler threw while starting task {}; it goes on untraced", task.id(), e);
            return null;
        }
    }

    @Override
    public void ended(Object taskTrace, TaskResult result, Throwable error) {
        if (taskTrace == null) {
            return;
        }
        Observation observation = (Observation) taskTrace;
        Throwable cause = unwrap(error);
        try {
            observation.lowCardinalityKeyValue(OUTCOME, cause == null ? "success" : cause.getClass().getSimpleName());
            if (cause != null) {
                observation.error(cause);
            }
            observation.stop();
        } catch (RuntimeException e) {
            log.warn("An observation handler threw while ending a task's observation", e);
        }
    }

    @Override
    public Attempt attempt(Object taskTrace, AgentDescriptor agent, TaskEnvelope envelope) {
        if (taskTrace == null) {
            return new SentAttempt(null, envelope);
        }
        try {
            return traced((Observation) taskTrace, agent, envelope);
        } catch (RuntimeException e) {
            log.warn("An observation handler threw while starting attempt {} of task {}; it goes on untraced", envelope.attempt(),
                    envelope.taskId(), e);
            return new SentAttempt(null, envelope);
        }
    }

    /** The task's and the attempt's contextual names for {@code capability}. */
    private String[] names(String capability) {
        String[] n = names.get(capability);
        if (n == null) {
            n = new String[] {"task " + capability, "dispatch " + capability};
            // Bounded: tasks for capabilities nobody serves must not grow it without end.
            if (names.size() < MAX_CACHED_NAMES) {
                names.putIfAbsent(capability, n);
            }
        }
        return n;
    }

    private SentAttempt traced(Observation task, AgentDescriptor agent, TaskEnvelope envelope) {
        int attempt = envelope.attempt();
        Map<String, String> headers = new HashMap<>(envelope.headers());
        SenderContext<Map<String, String>> context = new SenderContext<>((carrier, key, value) -> carrier.put(key, value), Kind.CLIENT);
        context.setCarrier(headers);
        context.setRemoteServiceName(agent.id());
        Observation observation = Observation.createNotStarted(DISPATCH, () -> context, registry)
                .parentObservation(task)
                .contextualName(names(envelope.capability())[1])
                .lowCardinalityKeyValue(CAPABILITY, envelope.capability())
                .lowCardinalityKeyValue(TRANSPORT, agent.scheme())
                .highCardinalityKeyValue(TASK_ID, envelope.taskId())
                .highCardinalityKeyValue(AGENT, agent.id())
                .highCardinalityKeyValue(ATTEMPT, attempt < ATTEMPTS.length ? ATTEMPTS[attempt] : Integer.toString(attempt))
                .start();
        TaskEnvelope traced = headers.equals(envelope.headers()) ? envelope
                : new TaskEnvelope(envelope.version(), envelope.taskId(), envelope.capability(), envelope.payload(), envelope.priority(),
                        envelope.deadlineEpochMillis(), envelope.key(), headers, envelope.attempt(), envelope.replyTo());
        return new SentAttempt(observation, traced);
    }

    private static Throwable unwrap(Throwable error) {
        while (error instanceof CompletionException && error.getCause() != null) {
            error = error.getCause();
        }
        return error;
    }

    /** @param observation the attempt's observation, or null when it could not be started */
    private record SentAttempt(Observation observation, TaskEnvelope envelope) implements Attempt {

        @Override
        public void accept(ResultEnvelope result, Throwable error) {
            if (observation == null) {
                return;
            }
            try {
                end(result, error);
            } catch (RuntimeException e) {
                log.warn("An observation handler threw while ending an attempt's observation", e);
            }
        }

        private void end(ResultEnvelope result, Throwable error) {
            Throwable cause = unwrap(error);
            String outcome;
            if (cause instanceof CancellationException) {
                // The task ended first (timeout, a hedge won, close): not this attempt's error.
                outcome = "cancelled";
            } else if (cause != null) {
                outcome = cause.getClass().getSimpleName();
                observation.error(cause);
            } else if (result.success()) {
                outcome = "success";
            } else {
                outcome = result.errorCode();
                observation.error(new TaskFailedException(result.errorCode(), result.errorMessage(), result.retryable()));
            }
            observation.lowCardinalityKeyValue(OUTCOME, outcome);
            observation.stop();
        }
    }
}
