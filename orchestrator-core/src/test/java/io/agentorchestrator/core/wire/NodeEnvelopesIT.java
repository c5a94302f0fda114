package io.agentorchestrator.core.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.core.kit.NodeProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Node.js workers of {@code orchestrator-examples/node-agents}, written from the specification
 * alone, read what the library writes and write only what the specification's JSON Schema names.
 */
class NodeEnvelopesIT {

    @Test
    void nodeWorkersReadJavaTasksAndWriteOnlySpecifiedFields() throws Exception {
        Task task = Task.builder("route-planning").payload(Payload.of(new byte[] {'h', 'i', 0, -1})).priority(7).key("shipment-42")
                .header("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01").build();
        TaskEnvelope sent = TaskEnvelope.of(task, System.currentTimeMillis() + 60_000, 2, "ao:replies:abc");
        String arg = Base64.getEncoder().encodeToString(EnvelopeCodec.encodeTask(sent));

        List<JsonNode> lines = new ArrayList<>();
        try (NodeProcess node = NodeProcess.start(NodeProcess.examplesDirectory("node-agents", "envelopes.mjs"),
                List.of("ioredis", "amqplib", "kafkajs"), Map.of(), "envelopes.mjs", arg)) {
            node.awaitLine(Pattern.compile("^end$"), Duration.ofSeconds(30));
            for (String line : node.output().split("\\R")) {
                if (line.startsWith("{")) {
                    lines.add(WireSchema.JSON.readTree(line));
                }
            }
        }

        JsonNode decoded = lines.get(0).get("body");
        assertThat(lines.get(0).get("kind").asText()).isEqualTo("decoded");
        assertThat(decoded.get("taskId").asText()).isEqualTo(sent.taskId());
        assertThat(decoded.get("attempt").asInt()).isEqualTo(2);
        assertThat(decoded.get("priority").asInt()).isEqualTo(7);
        assertThat(decoded.get("key").asText()).isEqualTo("shipment-42");
        assertThat(decoded.get("replyTo").asText()).isEqualTo("ao:replies:abc");
        assertThat(decoded.get("headers").get("traceparent").asText()).isEqualTo(task.headers().get("traceparent"));
        assertThat(Base64.getDecoder().decode(decoded.get("payload").asText())).isEqualTo(new byte[] {'h', 'i', 0, -1});

        List<String> kinds = new ArrayList<>();
        for (JsonNode line : lines.subList(1, lines.size())) {
            String kind = line.get("kind").asText();
            JsonNode body = line.get("body");
            kinds.add(kind);
            assertThat(WireSchema.errors(kind, body)).as(kind + ": " + body).isEmpty();
            assertThat(WireSchema.errors(null, body)).as("as any envelope: " + body).isEmpty();
            assertThat(WireSchema.undeclared(kind, body)).as("fields of " + body + " the specification does not name").isEmpty();
            // And the library reads it back.
            byte[] bytes = WireSchema.JSON.writeValueAsBytes(body);
            if (kind.equals("result")) {
                assertThat(EnvelopeCodec.decodeResult(bytes).attempt()).isEqualTo(2);
            } else {
                assertThat(EnvelopeCodec.decodeDirectoryMessage(bytes)).isNotNull();
            }
        }
        assertThat(kinds).containsOnly("result", "announcement", "withdrawal").contains("result", "announcement", "withdrawal");
    }
}
