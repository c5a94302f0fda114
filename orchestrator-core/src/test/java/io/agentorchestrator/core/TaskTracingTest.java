package io.agentorchestrator.core;

import static io.agentorchestrator.core.ScriptedTransport.agent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskResult;
import io.agentorchestrator.core.kit.TestSecurity;
import io.agentorchestrator.core.kit.TracingFixture;
import io.agentorchestrator.core.tracing.OrchestratorObservationNames;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The orchestrator side of tracing, step by step over a scripted transport and a real OpenTelemetry SDK. */
class TaskTracingTest {

    private final ScriptedTransport transport = new ScriptedTransport();
    private final TracingFixture tracing = new TracingFixture();
    private final Orchestrator orchestrator = Orchestrator.builder().security(TestSecurity.OFF).transport(transport).observationRegistry(tracing.registry())
            .retryBackoff(Duration.ZERO, Duration.ZERO).shutdownTimeout(Duration.ZERO).build();

    @AfterEach
    void close() {
        orchestrator.close();
        tracing.close();
    }

    private static String attribute(SpanData span, String key) {
        return span.getAttributes().get(AttributeKey.stringKey(key));
    }

    @Test
    void eachAttemptIsAChildOfTheTaskAndCarriesItsOwnTraceparent() throws Exception {
        orchestrator.register(agent("a", "cap", 1));
        orchestrator.register(agent("b", "cap", 1));
        CompletableFuture<TaskResult> f = orchestrator.dispatch(Task.of("cap", "x"));
        ScriptedTransport.Sent first = transport.next();
        first.reply().complete(ResultEnvelope.failure(first.envelope().taskId(), first.agent().id(), "busy", "try again", true));
        ScriptedTransport.Sent second = transport.next();
        second.succeed("done");
        f.get(10, TimeUnit.SECONDS);

        SpanData task = tracing.awaitSpan("task cap");
        List<SpanData> attempts = tracing.awaitSpans("dispatch cap", 2);
        assertThat(attempts).allSatisfy(a -> {
            assertThat(a.getParentSpanId()).isEqualTo(task.getSpanId());
            assertThat(attribute(a, OrchestratorObservationNames.TRANSPORT)).isEqualTo("scripted");
        });
        SpanData failed = attempts.stream().filter(a -> "1".equals(attribute(a, OrchestratorObservationNames.ATTEMPT))).findFirst().orElseThrow();
        SpanData won = attempts.stream().filter(a -> "2".equals(attribute(a, OrchestratorObservationNames.ATTEMPT))).findFirst().orElseThrow();
        assertThat(first.envelope().headers().get("traceparent")).startsWith(TracingFixture.traceparentPrefixOf(failed));
        assertThat(second.envelope().headers().get("traceparent")).startsWith(TracingFixture.traceparentPrefixOf(won));
        assertThat(attribute(failed, OrchestratorObservationNames.OUTCOME)).isEqualTo("busy");
        assertThat(failed.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(attribute(won, OrchestratorObservationNames.OUTCOME)).isEqualTo("success");
        assertThat(attribute(won, OrchestratorObservationNames.AGENT)).isEqualTo(second.agent().id());
        assertThat(attribute(task, OrchestratorObservationNames.OUTCOME)).isEqualTo("success");
        assertThat(task.getStatus().getStatusCode()).isNotEqualTo(StatusCode.ERROR);
    }

    @Test
    void theTaskContinuesTheCallersTraceAndRecordsItsFailure() throws Exception {
        orchestrator.register(agent("a", "cap", 1));
        Observation caller = Observation.start("caller", tracing.registry());
        CompletableFuture<TaskResult> f;
        try (Observation.Scope scope = caller.openScope()) {
            f = orchestrator.dispatch(Task.of("cap", "x"));
        }
        ScriptedTransport.Sent sent = transport.next();
        sent.reply().complete(ResultEnvelope.failure(sent.envelope().taskId(), "a", "bad", "no", false));
        assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
        caller.stop();

        SpanData parent = tracing.awaitSpan("caller");
        SpanData task = tracing.awaitSpan("task cap");
        assertThat(task.getParentSpanId()).isEqualTo(parent.getSpanId());
        assertThat(task.getTraceId()).isEqualTo(parent.getTraceId());
        assertThat(attribute(task, OrchestratorObservationNames.OUTCOME)).isEqualTo("TaskFailedException");
        assertThat(task.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    }

    @Test
    void aThrowingObservationHandlerDoesNotStopTheTask() throws Exception {
        ObservationRegistry broken = ObservationRegistry.create();
        broken.observationConfig().observationHandler(new io.micrometer.observation.ObservationHandler<>() {
            @Override
            public void onStart(Observation.Context context) {
                throw new IllegalStateException("broken handler");
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }
        });
        ScriptedTransport plain = new ScriptedTransport();
        try (Orchestrator traced = Orchestrator.builder().security(TestSecurity.OFF).transport(plain).observationRegistry(broken).shutdownTimeout(Duration.ZERO)
                .build()) {
            traced.register(agent("a", "cap", 1));
            CompletableFuture<TaskResult> f = traced.dispatch(Task.of("cap", "x"));
            plain.next().succeed("still done");
            assertThat(f.get(10, TimeUnit.SECONDS).payload().asUtf8()).isEqualTo("still done");
        }
    }

    @Test
    void aNoopRegistryAddsNothingToTheEnvelope() throws Exception {
        ScriptedTransport plain = new ScriptedTransport();
        try (Orchestrator untraced = Orchestrator.builder().security(TestSecurity.OFF).transport(plain).observationRegistry(ObservationRegistry.NOOP)
                .shutdownTimeout(Duration.ZERO).build()) {
            untraced.register(agent("a", "cap", 1));
            CompletableFuture<TaskResult> f = untraced.dispatch(Task.builder("cap").payload(io.agentorchestrator.api.Payload.ofUtf8("x"))
                    .header("tenant", "t").build());
            ScriptedTransport.Sent sent = plain.next();
            sent.succeed("ok");
            f.get(10, TimeUnit.SECONDS);
            assertThat(sent.envelope().headers()).containsExactlyEntriesOf(java.util.Map.of("tenant", "t"));
        }
    }
}
