package io.agentorchestrator.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.ValidationException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WireCodecTest {

    private static final byte[] BINARY = {0, 1, 2, (byte) 0xff, (byte) 0xfe, 10, 13};

    @Test
    void taskSurvivesTheWireIncludingBinaryPayloadHeadersAndKey() {
        TaskEnvelope task = new TaskEnvelope(1, "t-1", "route-planning", Payload.of(BINARY), 7, 1_700_000_000_000L, "shipment-42",
                Map.of("traceparent", "00-abc-def-01"), 2, "ao:replies:x");
        TaskEnvelope back = WireCodec.decodeTask(Map.of("task", WireCodec.encodeTask(task)));
        assertThat(back).isEqualTo(task);
        assertThat(back.payload().toByteArray()).isEqualTo(BINARY);
    }

    @Test
    void writesTheDocumentedFieldNames() {
        TaskEnvelope task = new TaskEnvelope(1, "t-1", "echo", Payload.ofUtf8("hi"), 5, 42, null, Map.of(), 1, "ao:replies:x");
        assertThat(WireCodec.encodeTask(task)).isEqualTo("{\"version\":1,\"taskId\":\"t-1\",\"capability\":\"echo\",\"payload\":\"aGk=\","
                + "\"priority\":5,\"deadlineEpochMillis\":42,\"headers\":{},\"attempt\":1,\"replyTo\":\"ao:replies:x\"}");
        assertThat(WireCodec.encodeReply(ResultEnvelope.success("t-1", "a-1", Payload.ofUtf8("ok")), 1))
                .isEqualTo("{\"version\":1,\"taskId\":\"t-1\",\"attempt\":1,\"agentId\":\"a-1\",\"success\":true,\"payload\":\"b2s=\"}");
    }

    @Test
    void repliesSurviveTheWire() {
        ResultEnvelope ok = ResultEnvelope.success("t-1", "a-1", Payload.of(BINARY));
        WireCodec.Reply back = WireCodec.decodeReply(Map.of("reply", WireCodec.encodeReply(ok, 3)));
        assertThat(back.attempt()).isEqualTo(3);
        assertThat(back.result()).isEqualTo(ok.withAttempt(3));

        ResultEnvelope failed = ResultEnvelope.failure("t-1", "a-1", "model-overloaded", "try elsewhere", true);
        assertThat(WireCodec.decodeReply(Map.of("reply", WireCodec.encodeReply(failed, 1))).result()).isEqualTo(failed.withAttempt(1));
    }

    @Test
    void malformedEntriesAreRejectedNamingTheField() {
        assertThatThrownBy(() -> WireCodec.decodeTask(Map.of("body", "x"))).isInstanceOf(ValidationException.class)
                .hasMessage("entry must have a field 'task', but was '[body]'");
        assertThatThrownBy(() -> WireCodec.decodeTask(Map.of("task", "not json at all"))).isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("task must be valid JSON").hasMessageNotContaining("not json");
        assertThatThrownBy(() -> WireCodec.decodeTask(Map.of("task", "{\"version\":2}"))).isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("version must be at most 1");
        assertThatThrownBy(() -> WireCodec.decodeTask(Map.of("task", "{\"version\":1,\"taskId\":\"t\",\"capability\":\"c\","
                + "\"payload\":\"\",\"priority\":1,\"deadlineEpochMillis\":0,\"attempt\":1}")))
                .isInstanceOf(ValidationException.class).hasMessage("replyTo must be present (the reply stream), but was null");
        assertThatThrownBy(() -> WireCodec.decodeTask(Map.of("task", "{\"version\":1,\"taskId\":\"t\",\"capability\":\"c\","
                + "\"payload\":\"\",\"priority\":\"high\",\"deadlineEpochMillis\":0,\"attempt\":1,\"replyTo\":\"r\"}")))
                .isInstanceOf(ValidationException.class).hasMessage("priority must be an integer, but was '\"high\"'");
        assertThatThrownBy(() -> WireCodec.decodeTask(Map.of("task", "{\"version\":1,\"taskId\":\"t\",\"capability\":\"c\","
                + "\"payload\":\"%%%\",\"priority\":1,\"deadlineEpochMillis\":0,\"attempt\":1,\"replyTo\":\"r\"}")))
                .isInstanceOf(ValidationException.class).hasMessageStartingWith("payload must be standard base64");
        assertThatThrownBy(() -> WireCodec.decodeReply(Map.of("reply", "{\"version\":1,\"taskId\":\"t\",\"agentId\":\"a\",\"attempt\":1}")))
                .isInstanceOf(ValidationException.class).hasMessage("success must be true or false, but was null");
        assertThatThrownBy(() -> WireCodec.decodeReply(Map.of("reply", "{\"version\":1,\"taskId\":\"t\",\"agentId\":\"a\","
                + "\"success\":false,\"attempt\":1}"))).isInstanceOf(ValidationException.class).hasMessage("errorCode must be present when success is false, but was null");
        assertThatThrownBy(() -> WireCodec.decodeReply(Map.of("reply", "{\"version\":1,\"taskId\":\"t\",\"agentId\":\"a\","
                + "\"success\":true}"))).isInstanceOf(ValidationException.class).hasMessage("attempt must be present (the attempt answered), but was null");
    }

    @Test
    void descriptorsSurviveTheWire() {
        AgentDescriptor d = AgentDescriptor.builder("planner-1").capability("route-planning").capability("eta")
                .endpoint("redis:planner-1").weight(3).maxConcurrency(8).metadata("zone", "eu-1").version("2.1").build();
        assertThat(WireCodec.decodeDescriptor(WireCodec.encodeDescriptor(d))).isEqualTo(d);
        WireCodec.DirectoryEvent e = WireCodec.decodeDirectoryEvent(WireCodec.encodeAnnounce(d, 15_000));
        assertThat(e.agent()).isEqualTo(d);
        assertThat(e.ttlMillis()).isEqualTo(15_000);
        WireCodec.DirectoryEvent w = WireCodec.decodeDirectoryEvent(WireCodec.encodeWithdraw("planner-1", "expired"));
        assertThat(w.agentId()).isEqualTo("planner-1");
        assertThat(w.expired()).isTrue();
        // What the server-side expiry script publishes (cjson, any key order).
        assertThat(WireCodec.decodeDirectoryEvent("{\"reason\":\"expired\",\"agentId\":\"a\",\"type\":\"withdraw\",\"version\":1}").expired())
                .isTrue();
        assertThat(WireCodec.decodeDirectoryEvent(WireCodec.encodeWithdraw("a", "withdrawn")).expired()).isFalse();
    }
}
