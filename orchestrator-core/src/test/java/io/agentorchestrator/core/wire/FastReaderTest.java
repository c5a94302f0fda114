package io.agentorchestrator.core.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.ValidationException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The streaming reader must never accept what the tree reader rejects nor read anything
 * differently: thousands of valid and broken bodies, made by swapping, dropping and corrupting
 * the fields of real ones, are read both ways and compared.
 */
class FastReaderTest {

    /** JSON values put in place of a field's own: every type, edge numbers, good and bad base64. */
    private static final String[] VALUES = {"null", "0", "-1", "1", "2", "9", "10", "1.5", "1e3", "2147483648", "99999999999",
        "123456789012345678901234567890", "\"\"", "\"x\"", "\"aGk=\"", "\"aGk\"", "\"!!\"", "true", "false", "[]", "[1]", "{}",
        "{\"a\":\"b\"}", "{\"a\":1}", "{\"a\":null}"};

    @Test
    void readsWhatTheTreeReaderReadsAndGivesUpOnEverythingElse() {
        Random random = new Random(20261125);
        List<Map<String, String>> tasks = List.of(fields(EnvelopeCodec.encodeTask(TaskEnvelope.of(Task.builder("route-planning")
                .payload(Payload.of(new byte[] {0, -1, 7})).priority(8).key("k-42").header("traceparent", "00-abc-01").header("x", "y")
                .build(), 1_764_000_000_000L, 2, "replies-1"))), fields(EnvelopeCodec.encodeTask(TaskEnvelope.of(Task.of("echo", ""), 0, 1,
                        null))));
        List<Map<String, String>> results = List.of(fields(EnvelopeCodec.encodeResult(ResultEnvelope.success("t-1", "a-1",
                Payload.ofUtf8("done")).withAttempt(2))), fields(EnvelopeCodec.encodeResult(ResultEnvelope.failure("t-1", "a-1", "busy",
                        "try later", true))));
        int fastTasks = check(tasks, random, EnvelopeCodec.FastReader::task, EnvelopeCodec::treeTask, EnvelopeCodec::decodeTask);
        int fastResults = check(results, random, EnvelopeCodec.FastReader::result, EnvelopeCodec::treeResult,
                EnvelopeCodec::decodeResult);
        // Most mutants are broken; the ones the fast reader did take prove it is on the path at all.
        assertThat(fastTasks).isGreaterThan(100);
        assertThat(fastResults).isGreaterThan(100);
        // The same for the reader of the writer's own layout: never a different answer, and on the path.
        int layoutTasks = check(tasks, random, LayoutReader::task, EnvelopeCodec::treeTask, EnvelopeCodec::decodeTask);
        int layoutResults = check(results, random, LayoutReader::result, EnvelopeCodec::treeResult, EnvelopeCodec::decodeResult);
        assertThat(layoutTasks).isGreaterThan(100);
        assertThat(layoutResults).isGreaterThan(100);
    }

    @Test
    void everyBodyTheCodecWritesIsReadWithoutTheTree() {
        TaskEnvelope t = TaskEnvelope.of(Task.builder("echo").payload(Payload.of(new byte[1024])).header("traceparent", "00-1-2-01").build(),
                1_764_000_000_000L, 3, "r");
        assertThat(EnvelopeCodec.FastReader.task(EnvelopeCodec.encodeTask(t))).isEqualTo(t);
        assertThat(LayoutReader.task(EnvelopeCodec.encodeTask(t))).isEqualTo(t);
        assertThat(LayoutReader.result(EnvelopeCodec.encodeResult(ResultEnvelope.failure("t", "a", "code", "message", true).withAttempt(3))))
                .isEqualTo(ResultEnvelope.failure("t", "a", "code", "message", true).withAttempt(3));
        assertThat(LayoutReader.result(EnvelopeCodec.encodeResult(ResultEnvelope.success("t", "a", Payload.ofUtf8("ok")))))
                .isEqualTo(ResultEnvelope.success("t", "a", Payload.ofUtf8("ok")));
        ResultEnvelope r = ResultEnvelope.failure("t", "a", "code", "message", true).withAttempt(3);
        assertThat(EnvelopeCodec.FastReader.result(EnvelopeCodec.encodeResult(r))).isEqualTo(r);
        ResultEnvelope ok = ResultEnvelope.success("t", "a", Payload.empty());
        assertThat(EnvelopeCodec.FastReader.result(EnvelopeCodec.encodeResult(ok))).isEqualTo(ok);
    }

    @Test
    void aBodyWithAnythingButWhitespaceAfterItsObjectIsRefusedByEveryReader() {
        TaskEnvelope t = TaskEnvelope.of(Task.of("echo", "hi"), 1_764_000_000_000L, 1, "r");
        ResultEnvelope r = ResultEnvelope.success("t", "a", Payload.ofUtf8("ok")).withAttempt(1);
        for (String tail : new String[] {"x", "{}", "}", ",", " 1", "\n{\"taskId\":\"other\"}"}) {
            byte[] task = withTail(EnvelopeCodec.encodeTask(t), tail);
            byte[] result = withTail(EnvelopeCodec.encodeResult(r), tail);
            assertThat(EnvelopeCodec.FastReader.task(task)).as("fast task + %s", tail).isNull();
            assertThat(EnvelopeCodec.FastReader.result(result)).as("fast result + %s", tail).isNull();
            assertThat(LayoutReader.task(task)).as("layout task + %s", tail).isNull();
            assertThat(LayoutReader.result(result)).as("layout result + %s", tail).isNull();
            assertThatThrownBy(() -> EnvelopeCodec.decodeTask(task)).as("task + %s", tail).isInstanceOf(ValidationException.class)
                    .hasMessageContaining("task").hasMessageContaining("nothing after");
            assertThatThrownBy(() -> EnvelopeCodec.decodeResult(result)).as("result + %s", tail).isInstanceOf(ValidationException.class)
                    .hasMessageContaining("result").hasMessageContaining("nothing after");
        }
        // Nothing but whitespace is no object at all, and says so as before.
        assertThatThrownBy(() -> EnvelopeCodec.decodeTask(" \n".getBytes(StandardCharsets.UTF_8))).isInstanceOf(ValidationException.class)
                .hasMessageContaining("must be a JSON object").hasMessageContaining("missing");
        // Whitespace after the object is JSON still.
        assertThat(EnvelopeCodec.decodeTask(withTail(EnvelopeCodec.encodeTask(t), " \r\n\t"))).isEqualTo(t);
        assertThat(EnvelopeCodec.decodeResult(withTail(EnvelopeCodec.encodeResult(r), "\n"))).isEqualTo(r);
    }

    private static byte[] withTail(byte[] body, String tail) {
        byte[] t = tail.getBytes(StandardCharsets.UTF_8);
        byte[] out = java.util.Arrays.copyOf(body, body.length + t.length);
        System.arraycopy(t, 0, out, body.length, t.length);
        return out;
    }

    @Test
    void theWordScanOfTheLayoutReaderStopsWhereAByteScanStops() {
        Random random = new Random(3);
        byte[] alphabet = "ABCXYZabcxyz0189+/=".getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[random.nextInt(40)];
            for (int j = 0; j < b.length; j++) {
                // Mostly base64, now and then a byte that must stop the scan (below '+' or not ASCII).
                b[j] = random.nextInt(12) == 0 ? (byte) (random.nextBoolean() ? random.nextInt(0x2B) : 0x80 + random.nextInt(0x80))
                        : alphabet[random.nextInt(alphabet.length)];
            }
            int from = b.length == 0 ? 0 : random.nextInt(b.length);
            int expected = from;
            while (expected < b.length && b[expected] >= '+') {
                expected++;
            }
            assertThat(LayoutReader.endOfBase64(b, from)).isEqualTo(expected);
        }
    }

    @Test
    void payloadsOfEveryLengthAndEscapedBase64AreReadAsTheTreeReadsThem() {
        for (int n = 0; n <= 40; n++) {
            byte[] bytes = new byte[n];
            for (int i = 0; i < n; i++) {
                bytes[i] = (byte) (i * 37 + n);
            }
            TaskEnvelope t = TaskEnvelope.of(Task.builder("echo").payload(Payload.of(bytes)).build(), 1_764_000_000_000L, 1, "r");
            byte[] json = EnvelopeCodec.encodeTask(t);
            // The quote that ends the payload falls at every place within an eight-byte word.
            assertThat(EnvelopeCodec.FastReader.task(json)).as("%d bytes", n).isEqualTo(t);
            assertThat(LayoutReader.task(json)).as("%d bytes", n).isEqualTo(t);
            if (n > 0) {
                // The same base64 with its first character written as a JSON escape: legal JSON, the same payload.
                String text = new String(json, StandardCharsets.UTF_8);
                int at = text.indexOf("\"payload\":\"") + "\"payload\":\"".length();
                String escaped = text.substring(0, at) + String.format("\\u%04x", (int) text.charAt(at)) + text.substring(at + 1);
                byte[] body = escaped.getBytes(StandardCharsets.UTF_8);
                assertThat(EnvelopeCodec.FastReader.task(body)).isEqualTo(EnvelopeCodec.treeTask(body)).isEqualTo(t);
            }
        }
    }

    private static <T> int check(List<Map<String, String>> seeds, Random random, Function<byte[], T> fast, Function<byte[], T> tree,
            Function<byte[], T> decode) {
        int fastReads = 0;
        for (int i = 0; i < 4_000; i++) {
            Map<String, String> fields = new LinkedHashMap<>(seeds.get(random.nextInt(seeds.size())));
            List<String> names = new ArrayList<>(fields.keySet());
            int edits = 1 + random.nextInt(2);
            for (int e = 0; e < edits; e++) {
                String name = names.get(random.nextInt(names.size()));
                switch (random.nextInt(4)) {
                    case 0 -> fields.remove(name);
                    case 1 -> fields.put(name, VALUES[random.nextInt(VALUES.length)]);
                    case 2 -> fields.put("unknown" + e, VALUES[random.nextInt(VALUES.length)]);
                    default -> { } // unchanged: some bodies stay valid
                }
            }
            byte[] body = join(fields);
            if (random.nextInt(10) == 0) {
                body[random.nextInt(body.length)] = (byte) "{}[]\",:0a\\ ".charAt(random.nextInt(11));
            }
            String text = new String(body, StandardCharsets.UTF_8);
            Object expected = outcome(tree, body);
            T quick = fast.apply(body);
            if (quick != null) {
                fastReads++;
                assertThat(quick).as("fast read of %s", text).isEqualTo(expected);
            }
            assertThat(outcome(decode, body)).as("decode of %s", text).isEqualTo(expected);
        }
        return fastReads;
    }

    /** The value read, or the error's message. */
    private static Object outcome(Function<byte[], ?> reader, byte[] body) {
        try {
            return reader.apply(body);
        } catch (RuntimeException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    /** A flat body's top-level fields as raw JSON texts, in order (values here hold no commas at top level but headers'). */
    private static Map<String, String> fields(byte[] json) {
        var tree = EnvelopeCodecTestSupport.parse(json);
        Map<String, String> out = new LinkedHashMap<>();
        tree.properties().forEach(e -> out.put(e.getKey(), e.getValue().toString()));
        return out;
    }

    private static byte[] join(Map<String, String> fields) {
        return fields.entrySet().stream().map(e -> "\"" + e.getKey() + "\":" + e.getValue()).collect(Collectors.joining(",", "{", "}"))
                .getBytes(StandardCharsets.UTF_8);
    }
}
