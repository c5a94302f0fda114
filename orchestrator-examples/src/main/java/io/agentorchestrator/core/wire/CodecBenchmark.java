package io.agentorchestrator.core.wire;

import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.TaskEnvelope;
import java.util.Arrays;
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
 * payload, a traceparent header, a reply queue): the codec as shipped against what it replaced,
 * in one run &mdash; the Jackson generator that wrote these bodies before ({@code jackson*}) and
 * the streaming parser that read them ({@code streaming*}). Both are still in the codec, as its
 * reference writer and its second reader, which is why this benchmark lives in the codec's
 * package (of the examples module; {@code bench codec} runs it): it measures them, not a copy.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CodecBenchmark {

    private TaskEnvelope task;
    private ResultEnvelope result;
    private byte[] taskBody;
    private byte[] resultBody;

    /** Builds the envelopes once and checks that the old and new writers and readers agree on them. */
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
        if (!decodeTask().equals(streamingTask()) || !decodeResult().equals(streamingResult())) {
            throw new IllegalStateException("the codec and the streaming parser read different envelopes");
        }
    }

    /** A task as the codec writes it. */
    @Benchmark
    public byte[] encodeTask() {
        return EnvelopeCodec.encodeTask(task);
    }

    /** A task as the Jackson generator wrote it: the codec's reference writer. */
    @Benchmark
    public byte[] jacksonTask() {
        return EnvelopeCodec.referenceTask(task);
    }

    /** A result as the codec writes it. */
    @Benchmark
    public byte[] encodeResult() {
        return EnvelopeCodec.encodeResult(result);
    }

    /** A result as the Jackson generator wrote it: the codec's reference writer. */
    @Benchmark
    public byte[] jacksonResult() {
        return EnvelopeCodec.referenceResult(result);
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

    /** A task read by the streaming parser that read every body before the layout reader. */
    @Benchmark
    public TaskEnvelope streamingTask() {
        return EnvelopeCodec.FastReader.task(taskBody);
    }

    /** A result read by the streaming parser. */
    @Benchmark
    public ResultEnvelope streamingResult() {
        return EnvelopeCodec.FastReader.result(resultBody);
    }
}
