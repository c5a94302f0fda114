package io.agentorchestrator.core.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.TaskEnvelope;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The hand-written writer must put on the wire exactly the bytes Jackson's generator (the
 * reference writer) puts there: thousands of random tasks and results, with strings full of
 * quotes, backslashes, control characters, non-ASCII and surrogates, are written both ways and
 * compared byte for byte.
 */
class EnvelopeWriterTest {

    /** Characters that are written differently from one another: each escape class and UTF-8 length. */
    private static final char[] SPECIAL = {'"', '\\', '/', '\b', '\t', '\n', '\f', '\r', 0, 1, 0x1F, 0x7F, 0x80, 0xE9, 0x7FF, 0x800,
        0x2028, 0x2029, 0xFEFF, 0xFFFD, 0xFFFF, '<', '>', '&', '\'', '=', ' '};

    @Test
    void writesTheBytesOfTheGeneratorForRandomTasks() {
        Random random = new Random(20261207);
        int fast = 0;
        int layoutReads = 0;
        for (int i = 0; i < 5_000; i++) {
            boolean surrogates = random.nextInt(20) == 0;
            Map<String, String> headers = new LinkedHashMap<>();
            for (int h = random.nextInt(4); h > 0; h--) {
                headers.put(text(random, surrogates), text(random, surrogates));
            }
            TaskEnvelope t = new TaskEnvelope(1 + random.nextInt(TaskEnvelope.WIRE_VERSION), nonEmpty(text(random, surrogates)),
                    capability(random), payload(random), random.nextInt(10), deadline(random),
                    random.nextBoolean() ? null : text(random, surrogates), headers, 1 + random.nextInt(random.nextBoolean() ? 3 : 1 << 30),
                    random.nextBoolean() ? null : text(random, surrogates));
            fast += same(t, EnvelopeCodec::encodeTask, EnvelopeCodec::referenceTask, EnvelopeWriter::task);
            if (!surrogates) {
                byte[] body = EnvelopeCodec.encodeTask(t);
                assertThat(EnvelopeCodec.decodeTask(body)).isEqualTo(EnvelopeCodec.treeTask(body)).isEqualTo(t);
                TaskEnvelope layout = LayoutReader.task(body);
                assertThat(layout == null ? t : layout).isEqualTo(t);
                layoutReads += layout == null ? 0 : 1;
            }
        }
        // Bodies of printable ASCII only (one in a hundred here: the strings are meant to be odd) are read by the layout reader.
        assertThat(layoutReads).isGreaterThan(20);
        // Surrogates go to the generator; everything else must be on the fast path.
        assertThat(fast).isGreaterThan(4_000);
    }

    @Test
    void writesTheBytesOfTheGeneratorForRandomResults() {
        Random random = new Random(7);
        int fast = 0;
        int layoutReads = 0;
        for (int i = 0; i < 5_000; i++) {
            boolean surrogates = random.nextInt(20) == 0;
            int attempt = random.nextInt(3) == 0 ? 0 : 1 + random.nextInt(random.nextBoolean() ? 3 : Integer.MAX_VALUE);
            ResultEnvelope r = random.nextBoolean()
                    ? new ResultEnvelope(1 + random.nextInt(TaskEnvelope.WIRE_VERSION), text(random, surrogates), text(random, surrogates),
                            true, payload(random), null, null, false, attempt)
                    : new ResultEnvelope(1 + random.nextInt(TaskEnvelope.WIRE_VERSION), text(random, surrogates), text(random, surrogates),
                            false, payload(random), text(random, surrogates), random.nextInt(4) == 0 ? null : text(random, surrogates),
                            random.nextBoolean(), attempt);
            fast += same(r, EnvelopeCodec::encodeResult, EnvelopeCodec::referenceResult, EnvelopeWriter::result);
            if (!surrogates) {
                byte[] body = EnvelopeCodec.encodeResult(r);
                assertThat(EnvelopeCodec.decodeResult(body)).isEqualTo(EnvelopeCodec.treeResult(body)).isEqualTo(r);
                ResultEnvelope layout = LayoutReader.result(body);
                assertThat(layout == null ? r : layout).isEqualTo(r);
                layoutReads += layout == null ? 0 : 1;
            }
        }
        assertThat(layoutReads).isGreaterThan(20);
        assertThat(fast).isGreaterThan(4_000);
    }

    @Test
    void writesEveryCharacterOfTheBasicPlaneAsTheGeneratorDoes() {
        // One string per 256 characters: every escape and every UTF-8 length, surrogates aside.
        for (int from = 0; from < 0x10000; from += 256) {
            StringBuilder s = new StringBuilder();
            for (int c = from; c < from + 256; c++) {
                if (!Character.isSurrogate((char) c)) {
                    s.append((char) c);
                }
            }
            Map<String, String> headers = Map.of(s.toString(), s.toString());
            TaskEnvelope t = new TaskEnvelope(1, s.length() == 0 ? "x" : s.toString(), "echo", Payload.empty(), 0, 0, s.toString(), headers,
                    1, s.toString());
            assertThat(same(t, EnvelopeCodec::encodeTask, EnvelopeCodec::referenceTask, EnvelopeWriter::task)).as("from %x", from)
                    .isEqualTo(1);
        }
    }

    @Test
    void writesTheEdgesOfEveryNumberAsTheGeneratorDoes() {
        for (long deadline : new long[] {0, 1, -1, 9, 10, 99, 100, Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE,
            Long.MIN_VALUE + 1, 1_764_000_000_000L, -1_764_000_000_000L}) {
            for (int attempt : new int[] {1, 9, 10, 999_999_999, 1_000_000_000, Integer.MAX_VALUE}) {
                TaskEnvelope t = new TaskEnvelope(1, "t", "echo", Payload.ofUtf8("hi"), 9, deadline, null, Map.of(), attempt, null);
                assertThat(same(t, EnvelopeCodec::encodeTask, EnvelopeCodec::referenceTask, EnvelopeWriter::task)).isEqualTo(1);
                ResultEnvelope r = ResultEnvelope.success("t", "a", Payload.empty()).withAttempt(attempt);
                assertThat(same(r, EnvelopeCodec::encodeResult, EnvelopeCodec::referenceResult, EnvelopeWriter::result)).isEqualTo(1);
            }
        }
    }

    /**
     * Asserts the codec writes what the reference writes (or fails as it does); 1 when the fast
     * writer took it, 0 when it left it to the generator.
     */
    private static <T> int same(T envelope, Function<T, byte[]> codec, Function<T, byte[]> reference, Function<T, byte[]> writer) {
        Object expected = outcome(reference, envelope);
        sameOutcome(outcome(codec, envelope), expected, envelope);
        byte[] fast = writer.apply(envelope);
        if (fast == null) {
            return 0;
        }
        sameOutcome(fast, expected, envelope);
        return 1;
    }

    /** Equal bytes (shown as text and hex when not, so the diff points at the byte) or the same error. */
    private static void sameOutcome(Object actual, Object expected, Object envelope) {
        if (actual instanceof byte[] a && expected instanceof byte[] e) {
            if (!Arrays.equals(a, e)) {
                assertThat(hex(a)).as("%s", envelope).isEqualTo(hex(e));
            }
        } else {
            assertThat(actual).as("%s", envelope).isEqualTo(expected);
        }
    }

    /** The bytes written, or the error the writer threw. */
    private static <T> Object outcome(Function<T, byte[]> writer, T envelope) {
        try {
            return writer.apply(envelope);
        } catch (RuntimeException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    private static String hex(byte[] bytes) {
        // The text first, for a readable failure, then the bytes, which decide.
        StringBuilder s = new StringBuilder(new String(bytes, StandardCharsets.UTF_8)).append('\n');
        for (byte b : bytes) {
            s.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return s.toString();
    }

    /** A string of 0-40 characters, mostly ASCII, often special, sometimes with surrogates (paired or lone). */
    private static String text(Random random, boolean surrogates) {
        int n = random.nextInt(10) == 0 ? 0 : random.nextInt(41);
        StringBuilder s = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            int kind = random.nextInt(surrogates ? 12 : 10);
            switch (kind) {
                case 0, 1 -> s.append(SPECIAL[random.nextInt(SPECIAL.length)]);
                case 2 -> s.append((char) random.nextInt(0x20));
                case 3 -> s.append((char) (0x80 + random.nextInt(0x780)));
                case 4 -> {
                    char c = (char) (0x800 + random.nextInt(0xF800));
                    s.append(Character.isSurrogate(c) ? 'x' : c);
                }
                case 10 -> s.appendCodePoint(0x10000 + random.nextInt(0x100000));
                case 11 -> s.append((char) (0xD800 + random.nextInt(0x800)));
                default -> s.append((char) (0x20 + random.nextInt(0x5F)));
            }
        }
        return s.toString();
    }

    private static String nonEmpty(String s) {
        return s.isEmpty() ? "t" : s;
    }

    private static String capability(Random random) {
        String[] caps = {"echo", "route-planning", "a", "x.y/z:1-2_3", "c".repeat(128)};
        return caps[random.nextInt(caps.length)];
    }

    /** Empty, small, around the 3-byte groups of base64, 1 KiB, or large. */
    private static Payload payload(Random random) {
        int n = switch (random.nextInt(6)) {
            case 0 -> 0;
            case 1 -> random.nextInt(8);
            case 2 -> 1022 + random.nextInt(4);
            case 3 -> 1024;
            case 4 -> 64 * 1024 + random.nextInt(3);
            default -> random.nextInt(4096);
        };
        byte[] bytes = new byte[n];
        random.nextBytes(bytes);
        return Payload.wrap(bytes);
    }

    private static long deadline(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> 0;
            case 1 -> random.nextLong();
            case 2 -> -random.nextInt(1000);
            default -> 1_764_000_000_000L + random.nextInt(1_000_000);
        };
    }
}
