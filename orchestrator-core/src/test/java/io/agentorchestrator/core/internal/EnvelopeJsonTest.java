package io.agentorchestrator.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.ValidationException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EnvelopeJsonTest {

    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void tasksAndResultsSurviveTheRoundTrip() {
        Task task = Task.builder("route-planning").payload(Payload.of(new byte[] {0, -1, 7})).priority(8).key("shipment-42")
                .header("traceparent", "00-abc-01").build();
        TaskEnvelope t = TaskEnvelope.of(task, 1_764_000_000_000L, 2, "replies-1");
        assertThat(EnvelopeJson.decodeTask(EnvelopeJson.encode(t))).isEqualTo(t);

        ResultEnvelope ok = ResultEnvelope.success("t-1", "agent-1", Payload.ofUtf8("done"));
        ResultEnvelope failed = ResultEnvelope.failure("t-1", "agent-1", "model-overloaded", "try later", true);
        assertThat(EnvelopeJson.decodeResult(EnvelopeJson.encode(ok))).isEqualTo(ok);
        assertThat(EnvelopeJson.decodeResult(EnvelopeJson.encode(failed))).isEqualTo(failed);
    }

    @Test
    void unknownFieldsAreIgnoredAndDefaultsApplied() {
        TaskEnvelope t = EnvelopeJson.decodeTask(json("{\"version\":1,\"taskId\":\"t\",\"capability\":\"c\",\"future\":{\"x\":1}}"));
        assertThat(t.priority()).isEqualTo(Task.DEFAULT_PRIORITY);
        assertThat(t.attempt()).isEqualTo(1);
        assertThat(t.payload()).isEqualTo(Payload.empty());
    }

    @Test
    void malformedEnvelopesNameTheField() {
        assertThatThrownBy(() -> EnvelopeJson.decodeTask(json("not json"))).isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("envelope must be valid JSON");
        assertThatThrownBy(() -> EnvelopeJson.decodeTask(json("[1]"))).hasMessage("envelope must be a JSON object, but was 'ARRAY'");
        assertThatThrownBy(() -> EnvelopeJson.decodeTask(json("{\"taskId\":\"t\"}"))).hasMessage("version must be present and >= 1, but was -1");
        assertThatThrownBy(() -> EnvelopeJson.decodeTask(json("{\"version\":2,\"taskId\":\"t\",\"capability\":\"c\"}")))
                .hasMessage("version must be at most 1 (newer than this library), but was 2");
        assertThatThrownBy(() -> EnvelopeJson.decodeTask(json("{\"version\":1,\"capability\":\"c\"}")))
                .hasMessage("taskId must be present, but was null");
        assertThatThrownBy(() -> EnvelopeJson.decodeTask(json("{\"version\":1,\"taskId\":\"t\",\"capability\":\"c\",\"payload\":\"%%\"}")))
                .hasMessageStartingWith("payload must be base64");
        assertThatThrownBy(() -> EnvelopeJson.decodeTask(json("{\"version\":1,\"taskId\":\"t\",\"capability\":\"c\",\"priority\":\"high\"}")))
                .hasMessage("priority must be an integer, but was '\"high\"'");
        assertThatThrownBy(() -> EnvelopeJson.decodeResult(json("{\"version\":1,\"taskId\":\"t\",\"agentId\":\"a\"}")))
                .hasMessage("success must be true or false, but was null");
    }
}
