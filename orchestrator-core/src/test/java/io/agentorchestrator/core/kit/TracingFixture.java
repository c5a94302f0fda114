package io.agentorchestrator.core.kit;

import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingReceiverTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingSenderTracingObservationHandler;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelPropagator;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;

/**
 * A real OpenTelemetry SDK behind Micrometer's Observation API, set up the way a host would plug
 * it in (W3C trace-context propagation, the tracing bridge's sender, receiver and default
 * handlers), with finished spans kept in memory for assertions.
 */
public final class TracingFixture implements AutoCloseable {

    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
    private final ObservationRegistry registry = ObservationRegistry.create();

    /** Builds the SDK and the registry; starts no thread. */
    public TracingFixture() {
        ContextPropagators propagators = ContextPropagators.create(W3CTraceContextPropagator.getInstance());
        OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(provider).setPropagators(propagators).build();
        io.opentelemetry.api.trace.Tracer otelTracer = sdk.getTracer("agent-orchestrator-tests");
        OtelTracer tracer = new OtelTracer(otelTracer, new OtelCurrentTraceContext(), event -> { });
        OtelPropagator propagator = new OtelPropagator(propagators, otelTracer);
        registry.observationConfig().observationHandler(new ObservationHandler.FirstMatchingCompositeObservationHandler(
                new PropagatingSenderTracingObservationHandler<>(tracer, propagator),
                new PropagatingReceiverTracingObservationHandler<>(tracer, propagator),
                new DefaultTracingObservationHandler(tracer)));
    }

    /** The registry to give the orchestrator's and the agent runtime's builders. */
    public ObservationRegistry registry() {
        return registry;
    }

    /** The spans finished so far. */
    public List<SpanData> spans() {
        return exporter.getFinishedSpanItems();
    }

    /** The finished spans named {@code name}, waiting up to 10 s until there are {@code count} of them. */
    public List<SpanData> awaitSpans(String name, int count) {
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> spans().stream().filter(s -> s.getName().equals(name)).count() >= count);
        return spans().stream().filter(s -> s.getName().equals(name)).toList();
    }

    /** The one finished span named {@code name}, waiting up to 10 s for it. */
    public SpanData awaitSpan(String name) {
        List<SpanData> found = awaitSpans(name, 1);
        if (found.size() != 1) {
            throw new AssertionError("expected one span named '" + name + "', found " + found);
        }
        return found.get(0);
    }

    /** A W3C {@code traceparent} naming {@code span} as the parent, up to its trace flags (which the SDK sets). */
    public static String traceparentPrefixOf(SpanData span) {
        return "00-" + span.getTraceId() + "-" + span.getSpanId() + "-";
    }

    @Override
    public void close() {
        provider.close();
    }
}
