package io.agentorchestrator.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.TaskEnvelope;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WireFormatTest {

    @Test
    void taskSurvivesTheRoundTripWithBinaryPayload() throws Exception {
        TaskEnvelope t = new TaskEnvelope(1, "t-1", "route-planning", Payload.of(new byte[] {0, 1, (byte) 0xff}), 7, 1_700_000_000_000L,
                "shipment-42", Map.of("traceparent", "00-abc-def-01"), 2, "ao.replies");
        TaskEnvelope back = WireFormat.decodeTask(WireFormat.encodeTask(t));
        assertThat(back).isEqualTo(t);
        String json = new String(WireFormat.encodeTask(t), StandardCharsets.UTF_8);
        assertThat(json).contains("\"payload\":\"AAH/\"").contains("\"taskId\":\"t-1\"").contains("\"version\":1");
    }

    @Test
    void resultsCarryTheAttemptTheyAnswer() throws Exception {
        ResultEnvelope ok = ResultEnvelope.success("t-1", "a-1", Payload.ofUtf8("done"));
        WireFormat.Reply reply = WireFormat.decodeResult(WireFormat.encodeResult(ok, 3));
        assertThat(reply.result()).isEqualTo(ok.withAttempt(3));
        assertThat(reply.attempt()).isEqualTo(3);
        ResultEnvelope failed = ResultEnvelope.failure("t-2", "a-1", "model-overloaded", "try later", true);
        assertThat(WireFormat.decodeResult(WireFormat.encodeResult(failed, 1)).result()).isEqualTo(failed.withAttempt(1));
        // A worker in another language may leave the attempt out.
        WireFormat.Reply bare = WireFormat.decodeResult("{\"version\":1,\"taskId\":\"t\",\"agentId\":\"py-1\",\"success\":true,\"payload\":\"aGk=\"}"
                .getBytes(StandardCharsets.UTF_8));
        assertThat(bare.attempt()).isZero();
        assertThat(bare.result().payload().asUtf8()).isEqualTo("hi");
    }

    @Test
    void announcementsSurviveTheRoundTrip() throws Exception {
        AgentDescriptor a = AgentDescriptor.builder("planner-1").capabilities("route-planning", "eta").endpoint("kafka:planner-1")
                .weight(3).maxConcurrency(8).metadata("zone", "eu-1").version("2.1").build();
        WireFormat.Announcement back = WireFormat.decodeAnnouncement(WireFormat.encodeAnnouncement(a, 15_000));
        assertThat(back.agent()).isEqualTo(a);
        assertThat(back.ttlMillis()).isEqualTo(15_000);
    }

    @Test
    void malformedRecordsAreRejectedNamingTheProblem() {
        assertThatThrownBy(() -> WireFormat.decodeTask(null)).hasMessage("invalid task: task must be a JSON object, but was 'empty'");
        assertThatThrownBy(() -> WireFormat.decodeTask(bytes("[1,2]"))).hasMessage("invalid task: task must be a JSON object, but was 'array'");
        assertThatThrownBy(() -> WireFormat.decodeTask(bytes("{oops"))).hasMessageStartingWith("invalid task: task must be valid JSON");
        assertThatThrownBy(() -> WireFormat.decodeTask(bytes("{\"taskId\":\"x\"}"))).hasMessage("invalid task: version must be present, but was null");
        assertThatThrownBy(() -> WireFormat.decodeTask(bytes("{\"version\":2,\"taskId\":\"x\"}")))
                .hasMessageStartingWith("invalid task: version must be at most 1");
        assertThatThrownBy(() -> WireFormat.decodeTask(bytes("{\"version\":1,\"capability\":\"c\"}")))
                .hasMessage("invalid task: taskId must be present, but was null");
        assertThatThrownBy(() -> WireFormat.decodeTask(bytes("{\"version\":1,\"taskId\":\"x\",\"capability\":\"c\",\"payload\":\"***\"}")))
                .hasMessageStartingWith("invalid task: payload must be standard base64");
        assertThatThrownBy(() -> WireFormat.decodeTask(bytes("{\"version\":1,\"taskId\":\"x\",\"capability\":\"c\",\"payload\":\"\","
                + "\"priority\":12,\"deadlineEpochMillis\":0,\"attempt\":1}")))
                .hasMessage("invalid task: priority must be between 0 and 9, but was 12");
        assertThatThrownBy(() -> WireFormat.decodeResult(bytes("{\"version\":1,\"taskId\":\"x\",\"agentId\":\"a\"}")))
                .hasMessage("invalid result: success must be true or false, but was null");
        assertThatThrownBy(() -> WireFormat.decodeAnnouncement(bytes("{\"version\":1,\"type\":\"withdraw\",\"agentId\":\"a\"}")))
                .hasMessage("invalid announcement: type must be announce (a withdrawal is a tombstone), but was 'withdraw'");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
