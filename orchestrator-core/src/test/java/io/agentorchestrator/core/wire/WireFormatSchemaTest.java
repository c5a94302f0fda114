package io.agentorchestrator.core.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.core.HealthProbes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every kind of envelope the library writes validates against the JSON Schema shipped in
 * {@code orchestrator-api}, as the kind it is meant to be; and the schema is not vacuous.
 */
class WireFormatSchemaTest {

    private static final ObjectMapper JSON = WireSchema.JSON;

    private static List<Error> errors(String definition, byte[] body) throws IOException {
        return WireSchema.errors(definition, body);
    }

    private static void assertValid(String definition, byte[] body) throws IOException {
        assertThat(errors(definition, body)).as(new String(body, StandardCharsets.UTF_8)).isEmpty();
        assertThat(errors(null, body)).as("as any envelope: " + new String(body, StandardCharsets.UTF_8)).isEmpty();
        assertThat(WireSchema.undeclared(definition, JSON.readTree(body))).as("fields the schema does not name").isEmpty();
    }

    @Test
    void everyTaskTheLibraryWritesIsValid() throws IOException {
        Task full = Task.builder("route-planning").payload(Payload.of(new byte[] {0, -1, 7, 8})).priority(9).key("shipment-42")
                .header("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01").header("idempotent", "true").build();
        assertValid("task", EnvelopeCodec.encodeTask(TaskEnvelope.of(full, 1_764_000_000_000L, 3, "ao:replies:abc")));
        assertValid("task", EnvelopeCodec.encodeTask(TaskEnvelope.of(Task.of("echo", ""), 0, 1, null)));
        assertValid("task", EnvelopeCodec.encodeTask(TaskEnvelope.of(Task.of("echo", "x"), 1, 1, "orders.replies.1")));
        // The health check's ping, as the ping probe sends it.
        assertValid("task", EnvelopeCodec.encodeTask(new TaskEnvelope(1, "ping-1", "echo", Payload.empty(), Task.MAX_PRIORITY, 1L, null,
                Map.of(HealthProbes.PING_HEADER, "1"), 1, null)));
    }

    @Test
    void everyResultAndErrorTheLibraryWritesIsValid() throws IOException {
        assertValid("result", EnvelopeCodec.encodeResult(ResultEnvelope.success("t-1", "planner-1", Payload.ofUtf8("ok"))));
        assertValid("result", EnvelopeCodec.encodeResult(ResultEnvelope.success("t-1", "planner-1", Payload.empty()).withAttempt(2)));
        for (String code : List.of(ResultEnvelope.AGENT_BUSY, ResultEnvelope.AGENT_STOPPING, ResultEnvelope.DEADLINE_EXCEEDED,
                "handler-error", "malformed-task")) {
            assertValid("result", EnvelopeCodec.encodeResult(ResultEnvelope.failure("t-1", "planner-1", code, "why", true).withAttempt(1)));
        }
    }

    @Test
    void everyDirectoryMessageTheLibraryWritesIsValid() throws IOException {
        AgentDescriptor d = AgentDescriptor.builder("planner-1").capability("route-planning").capability("eta")
                .endpoint("kafka:capability/route-planning").weight(2).maxConcurrency(8).metadata("zone", "kul-1").build();
        assertValid("announcement", EnvelopeCodec.encodeAnnouncement(d, 15_000));
        assertValid("descriptor", EnvelopeCodec.encodeDescriptor(d));
        assertValid("withdrawal", EnvelopeCodec.encodeWithdrawal("planner-1", DirectoryMessage.WITHDRAWN));
        assertValid("withdrawal", EnvelopeCodec.encodeWithdrawal("planner-1", DirectoryMessage.EXPIRED));
        assertValid("query", EnvelopeCodec.encodeQuery());
    }

    @Test
    void theSchemaRejectsWhatTheCodecRejects() throws IOException {
        byte[] task = EnvelopeCodec.encodeTask(TaskEnvelope.of(Task.of("echo", "x"), 0, 1, null));
        ObjectNode noId = (ObjectNode) JSON.readTree(task);
        noId.remove("taskId");
        assertThat(errors("task", JSON.writeValueAsBytes(noId))).isNotEmpty();
        ObjectNode badPriority = (ObjectNode) JSON.readTree(task);
        badPriority.put("priority", 12);
        assertThat(errors("task", JSON.writeValueAsBytes(badPriority))).isNotEmpty();
        ObjectNode notBase64 = (ObjectNode) JSON.readTree(task);
        notBase64.put("payload", "%%");
        assertThat(errors("task", JSON.writeValueAsBytes(notBase64))).isNotEmpty();
        byte[] failureWithoutCode = "{\"version\":1,\"taskId\":\"t\",\"agentId\":\"a\",\"success\":false}".getBytes(StandardCharsets.UTF_8);
        assertThat(errors("result", failureWithoutCode)).isNotEmpty();
        assertThat(errors(null, "{\"version\":1,\"type\":\"gossip\"}".getBytes(StandardCharsets.UTF_8))).isNotEmpty();
        // Unknown fields are allowed: readers ignore them.
        ObjectNode extra = (ObjectNode) JSON.readTree(task);
        extra.put("futureField", "x");
        assertThat(errors("task", JSON.writeValueAsBytes(extra))).isEmpty();
    }
}
