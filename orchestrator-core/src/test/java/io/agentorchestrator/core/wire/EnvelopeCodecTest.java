package io.agentorchestrator.core.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.ValidationException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EnvelopeCodecTest {

    private static final String TASK = "\"version\":1,\"taskId\":\"t\",\"capability\":\"c\",\"payload\":\"aGk=\",\"priority\":4,"
            + "\"deadlineEpochMillis\":0,\"attempt\":1";

    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void tasksAndResultsSurviveTheRoundTrip() {
        Task task = Task.builder("route-planning").payload(Payload.of(new byte[] {0, -1, 7})).priority(8).key("shipment-42")
                .header("traceparent", "00-abc-01").build();
        TaskEnvelope t = TaskEnvelope.of(task, 1_764_000_000_000L, 2, "replies-1");
        assertThat(EnvelopeCodec.decodeTask(EnvelopeCodec.encodeTask(t))).isEqualTo(t);
        TaskEnvelope bare = TaskEnvelope.of(Task.of("echo", ""), 0, 1, null);
        assertThat(EnvelopeCodec.decodeTask(EnvelopeCodec.encodeTask(bare))).isEqualTo(bare);

        ResultEnvelope ok = ResultEnvelope.success("t-1", "agent-1", Payload.ofUtf8("done")).withAttempt(2);
        ResultEnvelope failed = ResultEnvelope.failure("t-1", "agent-1", "model-overloaded", "try later", true);
        assertThat(EnvelopeCodec.decodeResult(EnvelopeCodec.encodeResult(ok))).isEqualTo(ok);
        assertThat(EnvelopeCodec.decodeResult(EnvelopeCodec.encodeResult(failed))).isEqualTo(failed);
    }

    @Test
    void writesTheDocumentedFieldsInTheDocumentedOrder() {
        TaskEnvelope t = TaskEnvelope.of(Task.builder("echo").id("t-1").payload("hi").priority(5).key("k").build(), 1_764_000_000_000L, 1,
                "ao:replies:1");
        assertThat(new String(EnvelopeCodec.encodeTask(t), StandardCharsets.UTF_8)).isEqualTo("{\"version\":1,\"taskId\":\"t-1\","
                + "\"capability\":\"echo\",\"payload\":\"aGk=\",\"priority\":5,\"deadlineEpochMillis\":1764000000000,\"key\":\"k\","
                + "\"headers\":{},\"attempt\":1,\"replyTo\":\"ao:replies:1\"}");
        assertThat(new String(EnvelopeCodec.encodeResult(ResultEnvelope.failure("t-1", "a-1", "no-stock", "none left", false).withAttempt(3)),
                StandardCharsets.UTF_8)).isEqualTo("{\"version\":1,\"taskId\":\"t-1\",\"attempt\":3,\"agentId\":\"a-1\",\"success\":false,"
                + "\"payload\":\"\",\"errorCode\":\"no-stock\",\"errorMessage\":\"none left\",\"retryable\":false}");
    }

    @Test
    void payloadsOfEveryLengthAreStandardPaddedBase64OnOneLine() {
        // Long enough for a MIME encoder to break lines, odd lengths for every padding case, every byte value.
        for (int length : new int[] {0, 1, 2, 3, 4, 57, 58, 76, 77, 1024, 4099}) {
            byte[] bytes = new byte[length];
            for (int i = 0; i < length; i++) {
                bytes[i] = (byte) (i * 131 + 7);
            }
            String expected = "\"payload\":\"" + java.util.Base64.getEncoder().encodeToString(bytes) + "\"";
            TaskEnvelope t = TaskEnvelope.of(Task.builder("echo").id("t-1").payload(Payload.of(bytes)).build(), 0, 1, null);
            assertThat(new String(EnvelopeCodec.encodeTask(t), StandardCharsets.UTF_8)).as("task, %d bytes", length).contains(expected);
            assertThat(EnvelopeCodec.decodeTask(EnvelopeCodec.encodeTask(t)).payload().toByteArray()).isEqualTo(bytes);
            ResultEnvelope r = ResultEnvelope.success("t-1", "a-1", Payload.of(bytes));
            assertThat(new String(EnvelopeCodec.encodeResult(r), StandardCharsets.UTF_8)).as("result, %d bytes", length).contains(expected);
        }
    }

    @Test
    void unknownFieldsAreIgnoredAndOptionalOnesDefaulted() {
        TaskEnvelope t = EnvelopeCodec.decodeTask(json("{" + TASK + ",\"future\":{\"x\":1}}"));
        assertThat(t.headers()).isEmpty();
        assertThat(t.key()).isNull();
        assertThat(t.replyTo()).isNull();
        ResultEnvelope r = EnvelopeCodec.decodeResult(json("{\"version\":1,\"taskId\":\"t\",\"agentId\":\"py-1\",\"success\":true,\"extra\":[1]}"));
        assertThat(r.payload()).isEqualTo(Payload.empty());
        assertThat(r.attempt()).isZero();
        ResultEnvelope f = EnvelopeCodec.decodeResult(json("{\"version\":1,\"taskId\":\"t\",\"agentId\":\"a\",\"success\":false,\"errorCode\":\"x\"}"));
        assertThat(f.errorMessage()).isEqualTo("x");
        assertThat(f.retryable()).isFalse();
    }

    @Test
    void aNewerVersionIsRejectedSayingSo() {
        assertThatThrownBy(() -> EnvelopeCodec.decodeTask(json("{" + TASK.replace("\"version\":1", "\"version\":2") + "}")))
                .isInstanceOf(ValidationException.class)
                .hasMessage("version must be at most 1 (a newer wire format than this library reads: upgrade io.agentorchestrator), but was 2");
        assertThatThrownBy(() -> EnvelopeCodec.decodeResult(json("{\"version\":3,\"taskId\":\"t\",\"agentId\":\"a\",\"success\":true}")))
                .hasMessageStartingWith("version must be at most 1");
        assertThatThrownBy(() -> EnvelopeCodec.decodeDirectoryMessage(json("{\"version\":2,\"type\":\"query\"}")))
                .hasMessageStartingWith("version must be at most 1");
    }

    @Test
    void malformedEnvelopesNameTheFieldWithoutEchoingText() {
        assertThatThrownBy(() -> EnvelopeCodec.decodeTask(json("secret payload"))).isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("task must be valid JSON").hasMessageNotContaining("secret");
        assertThatThrownBy(() -> EnvelopeCodec.decodeTask(new byte[0])).hasMessage("task must be a JSON object, but was 'empty'");
        assertThatThrownBy(() -> EnvelopeCodec.decodeTask(json("[1]"))).hasMessage("task must be a JSON object, but was 'array'");
        assertThatThrownBy(() -> EnvelopeCodec.decodeTask(json("{\"taskId\":\"t\"}"))).hasMessage("version must be present, but was null");
        assertThatThrownBy(() -> EnvelopeCodec.decodeTask(json("{" + TASK.replace("\"taskId\":\"t\",", "") + "}")))
                .hasMessage("taskId must be present, but was null");
        assertThatThrownBy(() -> EnvelopeCodec.decodeTask(json("{" + TASK.replace("\"attempt\":1", "\"attempt\":\"1\"") + "}")))
                .hasMessage("attempt must be an integer, but was '\"1\"'");
        assertThatThrownBy(() -> EnvelopeCodec.decodeTask(json("{" + TASK.replace("aGk=", "%%") + "}")))
                .hasMessageStartingWith("payload must be standard base64");
        assertThatThrownBy(() -> EnvelopeCodec.decodeTask(json("{" + TASK.replace("\"priority\":4", "\"priority\":12") + "}")))
                .hasMessageStartingWith("priority must be between 0 and 9");
        assertThatThrownBy(() -> EnvelopeCodec.decodeTask(json("{" + TASK + ",\"headers\":{\"a\":1}}")))
                .hasMessage("headers['a'] must be a string, but was 'number'");
        assertThatThrownBy(() -> EnvelopeCodec.decodeResult(json("{\"version\":1,\"taskId\":\"t\",\"agentId\":\"a\"}")))
                .hasMessage("success must be true or false, but was null");
        assertThatThrownBy(() -> EnvelopeCodec.decodeResult(json("{\"version\":1,\"taskId\":\"t\",\"agentId\":\"a\",\"success\":false}")))
                .hasMessage("errorCode must be present when success is false, but was null");
        assertThatThrownBy(() -> EnvelopeCodec.decodeResult(json("{\"version\":1,\"taskId\":\"t\",\"agentId\":\"a\",\"success\":true,\"attempt\":0}")))
                .hasMessage("attempt must be >= 1 when present, but was 0");
    }

    @Test
    void directoryMessagesSurviveTheRoundTrip() {
        AgentDescriptor d = AgentDescriptor.builder("planner-1").name("Planner").capability("route-planning").capability("eta")
                .endpoint("redis:capability/route-planning").weight(3).maxConcurrency(8).metadata("zone", "kul-1").version("2.1").build();
        assertThat(EnvelopeCodec.decodeDirectoryMessage(EnvelopeCodec.encodeAnnouncement(d, 15_000)))
                .isEqualTo(new DirectoryMessage.Announcement(d, 15_000));
        assertThat(EnvelopeCodec.decodeDescriptor(EnvelopeCodec.encodeDescriptor(d))).isEqualTo(d);
        DirectoryMessage.Withdrawal w = (DirectoryMessage.Withdrawal) EnvelopeCodec.decodeDirectoryMessage(
                EnvelopeCodec.encodeWithdrawal("planner-1", DirectoryMessage.EXPIRED));
        assertThat(w.agentId()).isEqualTo("planner-1");
        assertThat(w.expired()).isTrue();
        assertThat(EnvelopeCodec.decodeDirectoryMessage(EnvelopeCodec.encodeQuery())).isEqualTo(new DirectoryMessage.Query());
    }

    @Test
    void malformedDirectoryMessagesNameTheField() {
        assertThatThrownBy(() -> EnvelopeCodec.decodeDirectoryMessage(json("{\"version\":1,\"type\":\"gossip\"}")))
                .hasMessage("type must be announce, withdraw or query, but was 'gossip'");
        assertThatThrownBy(() -> EnvelopeCodec.decodeDirectoryMessage(json("{\"version\":1,\"type\":\"announce\",\"ttlMillis\":0}")))
                .hasMessage("ttlMillis must be > 0, but was 0");
        assertThatThrownBy(() -> EnvelopeCodec.decodeDirectoryMessage(json("{\"version\":1,\"type\":\"announce\",\"ttlMillis\":5,"
                + "\"agent\":{\"id\":\"a\",\"endpoint\":\"redis:a\",\"capabilities\":\"x\"}}")))
                .hasMessage("agent.capabilities must be a JSON array of strings, but was 'a string'");
        assertThatThrownBy(() -> EnvelopeCodec.decodeDirectoryMessage(json("{\"version\":1,\"type\":\"announce\",\"ttlMillis\":5,\"agentId\":\"b\","
                + "\"agent\":{\"id\":\"a\",\"endpoint\":\"redis:a\",\"capabilities\":[\"x\"]}}")))
                .hasMessage("agentId must equal agent.id 'a', but was 'b'");
    }
}
