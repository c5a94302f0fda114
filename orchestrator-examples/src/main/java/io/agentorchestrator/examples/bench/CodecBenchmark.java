package io.agentorchestrator.examples.bench;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.core.wire.EnvelopeCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JMH: the wire codec on the envelopes of {@code bench redis}/{@code bench rabbitmq} (1 KiB
 * payload, a traceparent header, a reply queue): the codec as shipped against the Jackson
 * generator that wrote these bodies before ({@code jackson*}, kept here as it was), in one run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CodecBenchmark {

    private static final JsonFactory JSON = new JsonFactory();

    private TaskEnvelope task;
    private ResultEnvelope result;
    private byte[] taskBody;
    private byte[] resultBody;

    /** Builds the envelopes once and checks both writers agree on them. */
    @Setup
    public void setUp() {
        byte[] payload = new byte[1024];
        new Random(42).nextBytes(payload);
        task = new TaskEnvelope(TaskEnvelope.WIRE_VERSION, "9b2f6f0e-3c1a-4d8e-9a57-0f3c2b1d4e5a", "echo", Payload.wrap(payload), 5,
                1_764_000_000_000L, null, Map.of("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), 1,
                "ao-replies-orchestrator-1");
        result = ResultEnvelope.success(task.taskId(), "agent-3", Payload.wrap(payload.clone())).withAttempt(1);
        taskBody = EnvelopeCodec.encodeTask(task);
        resultBody = EnvelopeCodec.encodeResult(result);
        if (!Arrays.equals(taskBody, jacksonTask()) || !Arrays.equals(resultBody, jacksonResult())) {
            throw new IllegalStateException("the codec and the Jackson generator write different bodies");
        }
    }

    /** A task as the codec writes it. */
    @Benchmark
    public byte[] encodeTask() {
        return EnvelopeCodec.encodeTask(task);
    }

    /** A task as the Jackson generator wrote it. */
    @Benchmark
    public byte[] jacksonTask() {
        try (Out out = new Out()) {
            JsonGenerator g = out.generator;
            g.writeStartObject();
            g.writeNumberField("version", task.version());
            g.writeStringField("taskId", task.taskId());
            g.writeStringField("capability", task.capability());
            payload(g, task.payload());
            g.writeNumberField("priority", task.priority());
            g.writeNumberField("deadlineEpochMillis", task.deadlineEpochMillis());
            if (task.key() != null) {
                g.writeStringField("key", task.key());
            }
            g.writeObjectFieldStart("headers");
            for (Map.Entry<String, String> h : task.headers().entrySet()) {
                g.writeStringField(h.getKey(), h.getValue());
            }
            g.writeEndObject();
            g.writeNumberField("attempt", task.attempt());
            if (task.replyTo() != null) {
                g.writeStringField("replyTo", task.replyTo());
            }
            g.writeEndObject();
            return out.bytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A result as the codec writes it. */
    @Benchmark
    public byte[] encodeResult() {
        return EnvelopeCodec.encodeResult(result);
    }

    /** A result as the Jackson generator wrote it. */
    @Benchmark
    public byte[] jacksonResult() {
        try (Out out = new Out()) {
            JsonGenerator g = out.generator;
            g.writeStartObject();
            g.writeNumberField("version", result.version());
            g.writeStringField("taskId", result.taskId());
            if (result.attempt() > 0) {
                g.writeNumberField("attempt", result.attempt());
            }
            g.writeStringField("agentId", result.agentId());
            g.writeBooleanField("success", result.success());
            payload(g, result.payload());
            if (!result.success()) {
                g.writeStringField("errorCode", result.errorCode());
                g.writeStringField("errorMessage", result.errorMessage());
                g.writeBooleanField("retryable", result.retryable());
            }
            g.writeEndObject();
            return out.bytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A task read back. */
    @Benchmark
    public TaskEnvelope decodeTask() {
        return EnvelopeCodec.decodeTask(taskBody);
    }

    /** A result read back. */
    @Benchmark
    public ResultEnvelope decodeResult() {
        return EnvelopeCodec.decodeResult(resultBody);
    }

    private static void payload(JsonGenerator g, Payload payload) throws IOException {
        g.writeFieldName("payload");
        byte[] base64 = Base64.getEncoder().encode(payload.toByteArray());
        g.writeRawUTF8String(base64, 0, base64.length);
    }

    /** The generator over a fresh 2 KiB builder, as the codec had it. */
    private static final class Out implements AutoCloseable {
        final ByteArrayBuilder buffer = new ByteArrayBuilder(2048);
        final JsonGenerator generator;

        Out() throws IOException {
            generator = JSON.createGenerator(buffer, JsonEncoding.UTF8);
        }

        byte[] bytes() throws IOException {
            generator.flush();
            return buffer.toByteArray();
        }

        @Override
        public void close() throws IOException {
            generator.close();
            buffer.release();
        }
    }
}
