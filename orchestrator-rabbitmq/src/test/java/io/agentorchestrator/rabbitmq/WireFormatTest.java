package io.agentorchestrator.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.TaskEnvelope;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WireFormatTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void taskRoundTripsWithBinaryPayloadHeadersAndKey() throws Exception {
        TaskEnvelope t = new TaskEnvelope(1, "task-1", "route-planning", Payload.of(new byte[] {0, (byte) 0xff, 10}), 7, 1_700_000_000_000L,
                "shipment-42", Map.of("traceparent", "00-abc-def-01"), 2, "orchestrator.replies.x");
        TaskEnvelope back = WireFormat.decodeTask(WireFormat.encodeTask(t));
        assertThat(back).isEqualTo(t);
    }

    @Test
    void taskWrittenByHandInAnotherLanguageIsRead() throws Exception {
        TaskEnvelope t = WireFormat.decodeTask(utf8("{\"version\":1,\"taskId\":\"t-9\",\"capability\":\"echo\",\"payload\":\"aGk=\","
                + "\"priority\":9,\"deadlineEpochMillis\":0,\"attempt\":1,\"future\":\"ignored\"}"));
        assertThat(t.payload().asUtf8()).isEqualTo("hi");
        assertThat(t.priority()).isEqualTo(9);
        assertThat(t.key()).isNull();
        assertThat(t.headers()).isEmpty();
    }

    @Test
    void resultsRoundTrip() throws Exception {
        ResultEnvelope ok = ResultEnvelope.success("t-1", "agent-1", Payload.ofUtf8("done ☃"));
        assertThat(WireFormat.decodeResult(WireFormat.encodeResult(ok))).isEqualTo(ok);
        ResultEnvelope failed = ResultEnvelope.failure("t-2", "agent-1", "model-overloaded", "try elsewhere", true);
        assertThat(WireFormat.decodeResult(WireFormat.encodeResult(failed))).isEqualTo(failed);
    }

    @Test
    void malformedMessagesNameWhatIsWrong() {
        assertThatThrownBy(() -> WireFormat.decodeTask(new byte[0])).hasMessage("task must be a JSON object, but was 'empty'");
        assertThatThrownBy(() -> WireFormat.decodeTask(utf8("nope"))).hasMessageStartingWith("task must be valid JSON");
        assertThatThrownBy(() -> WireFormat.decodeTask(utf8("[1]"))).hasMessage("task must be a JSON object, but was 'array'");
        assertThatThrownBy(() -> WireFormat.decodeTask(utf8("{\"taskId\":\"x\"}"))).hasMessage("version must be present, but was null");
        assertThatThrownBy(() -> WireFormat.decodeTask(utf8("{\"version\":2,\"taskId\":\"x\"}")))
                .hasMessageStartingWith("version must be at most 1");
        assertThatThrownBy(() -> WireFormat.decodeTask(utf8("{\"version\":1,\"capability\":\"c\"}"))).hasMessage("taskId must be present, but was null");
        assertThatThrownBy(() -> WireFormat.decodeTask(utf8("{\"version\":1,\"taskId\":\"x\",\"capability\":\"c\",\"payload\":\"%%%\"}")))
                .hasMessageStartingWith("payload must be standard base64");
        assertThatThrownBy(() -> WireFormat.decodeTask(utf8("{\"version\":1,\"taskId\":\"x\",\"capability\":\"c\",\"payload\":\"\","
                + "\"priority\":12,\"deadlineEpochMillis\":0,\"attempt\":1}")))
                .hasMessage("priority must be between 0 and 9, but was 12");
        assertThatThrownBy(() -> WireFormat.decodeResult(utf8("{\"version\":1,\"taskId\":\"x\",\"agentId\":\"a\"}")))
                .hasMessage("success must be true or false, but was null");
        assertThatThrownBy(() -> WireFormat.decodeResult(utf8("{\"version\":1,\"taskId\":\"x\",\"agentId\":\"a\",\"success\":false}")))
                .hasMessage("errorCode must be present when success is false, but was null");
    }

    @Test
    void directoryMessagesRoundTrip() throws Exception {
        AgentDescriptor a = AgentDescriptor.builder("planner-1").capability("route-planning").capability("eta")
                .endpoint("amqp:planner-1").weight(3).maxConcurrency(8).metadata("zone", "eu-1").version("2.1").build();
        WireFormat.DirectoryMessage m = WireFormat.decodeDirectory(WireFormat.encodeAnnounce(a, Duration.ofSeconds(3)));
        assertThat(m).isEqualTo(new WireFormat.Announce(a, Duration.ofSeconds(3)));
        assertThat(WireFormat.decodeDirectory(WireFormat.encodeWithdraw("planner-1"))).isEqualTo(new WireFormat.Withdraw("planner-1"));
        assertThat(WireFormat.decodeDirectory(WireFormat.encodeQuery())).isEqualTo(new WireFormat.Query());
        assertThatThrownBy(() -> WireFormat.decodeDirectory(utf8("{\"version\":1,\"type\":\"gossip\"}")))
                .hasMessage("type must be announce, withdraw or query, but was 'gossip'");
    }
}
