package io.agentorchestrator.core.metrics;

import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.mirror.EventMirror;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * The counts of an {@link EventMirror.Publisher} as {@link OrchestratorMetricNames#EVENTS_MIRRORED},
 * one series per outcome: what the event channel took, and what it refused (the broker
 * unreachable) and was lost. {@code Orchestrator.Builder} binds it to its {@code meterRegistry}
 * when events are mirrored; a host that calls {@link EventMirror#publish} itself binds it by hand.
 * Kept apart from the publisher so that mirroring works without Micrometer on the classpath.
 */
public final class EventMirrorMetrics implements MeterBinder {

    private final EventMirror.Publisher publisher;

    /** @throws ValidationException when {@code publisher} is null */
    public EventMirrorMetrics(EventMirror.Publisher publisher) {
        this.publisher = ValidationException.requireNonNull(publisher, "publisher");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        ValidationException.requireNonNull(registry, "registry");
        // The meters hold the publisher weakly; the orchestrator's event stream holds it while it runs.
        FunctionCounter.builder(OrchestratorMetricNames.EVENTS_MIRRORED, publisher, EventMirror.Publisher::published)
                .tag(OrchestratorMetricNames.TAG_OUTCOME, OrchestratorMetricNames.OUTCOME_PUBLISHED)
                .description("Events mirrored onto the transport's event channel").register(registry);
        FunctionCounter.builder(OrchestratorMetricNames.EVENTS_MIRRORED, publisher, EventMirror.Publisher::failed)
                .tag(OrchestratorMetricNames.TAG_OUTCOME, OrchestratorMetricNames.OUTCOME_FAILED)
                .description("Events the event channel refused (broker unreachable): lost").register(registry);
    }
}
