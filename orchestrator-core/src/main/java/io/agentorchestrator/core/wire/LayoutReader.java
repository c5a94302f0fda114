package io.agentorchestrator.core.wire;

import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.TaskEnvelope;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads tasks and results laid out exactly as {@link EnvelopeWriter} writes them &mdash; its field
 * order, no whitespace, strings of printable ASCII without escapes, plain decimal numbers &mdash;
 * straight from the bytes, without a parser. That is what every Java peer sends, and Jackson's
 * parser, set up per body and scanning the kilobyte of base64 once more only to skip it, was most
 * of what reading one still cost.
 *
 * <p>It accepts only a strict subset of JSON whose meaning is beyond doubt, and returns null at the
 * first byte that differs from the layout (another order, a space, an escape, a non-ASCII byte,
 * a number with a sign, leading zero or more than 18 digits, a repeated header): the caller then
 * runs {@link EnvelopeCodec.FastReader} and, if need be, the tree reader, so bodies from other
 * writers read as before and only the tree reader ever rejects.
 */
final class LayoutReader {

    private static final byte[] VERSION = ascii("{\"version\":");
    private static final byte[] TASK_ID = ascii(",\"taskId\":");
    private static final byte[] CAPABILITY = ascii(",\"capability\":");
    private static final byte[] PAYLOAD = ascii(",\"payload\":");
    private static final byte[] PRIORITY = ascii(",\"priority\":");
    private static final byte[] DEADLINE = ascii(",\"deadlineEpochMillis\":");
    private static final byte[] KEY = ascii(",\"key\":");
    private static final byte[] HEADERS = ascii(",\"headers\":{");
    private static final byte[] ATTEMPT = ascii(",\"attempt\":");
    private static final byte[] REPLY_TO = ascii(",\"replyTo\":");
    private static final byte[] AGENT_ID = ascii(",\"agentId\":");
    private static final byte[] SUCCESS = ascii(",\"success\":");
    private static final byte[] ERROR_CODE = ascii(",\"errorCode\":");
    private static final byte[] ERROR_MESSAGE = ascii(",\"errorMessage\":");
    private static final byte[] RETRYABLE = ascii(",\"retryable\":");
    private static final byte[] TRUE = ascii("true");
    private static final byte[] FALSE = ascii("false");
    private static final byte[] NULL = ascii("null");

    /** Thrown at the first byte off the layout; shared and without a stack trace, as it says nothing more. */
    private static final RuntimeException OFF_LAYOUT = new RuntimeException("not the writer's layout", null, false, false) {
        private static final long serialVersionUID = 1L;
    };

    private final byte[] b;
    private int at;

    private LayoutReader(byte[] json) {
        b = json;
    }

    /** The task, or null when the body is not in the writer's layout or a value is refused. */
    static TaskEnvelope task(byte[] json) {
        LayoutReader r = new LayoutReader(json);
        try {
            r.expect(VERSION);
            int version = r.version();
            r.expect(TASK_ID);
            String taskId = r.string();
            r.expect(CAPABILITY);
            String capability = r.string();
            r.expect(PAYLOAD);
            Payload payload = r.payload();
            r.expect(PRIORITY);
            int priority = r.smallInt();
            r.expect(DEADLINE);
            long deadline = r.number();
            String key = r.at(KEY) ? r.string() : null;
            r.expect(HEADERS);
            Map<String, String> headers = r.headers();
            r.expect(ATTEMPT);
            int attempt = r.smallInt();
            String replyTo = r.at(REPLY_TO) ? r.string() : null;
            r.end();
            return new TaskEnvelope(version, taskId, capability, payload, priority, deadline, key, headers, attempt, replyTo);
        } catch (RuntimeException e) {
            // Off the layout (or past the end), or a value the constructor refuses: the other readers decide.
            return null;
        }
    }

    /** The result, or null when the body is not in the writer's layout or a value is refused. */
    static ResultEnvelope result(byte[] json) {
        LayoutReader r = new LayoutReader(json);
        try {
            r.expect(VERSION);
            int version = r.version();
            r.expect(TASK_ID);
            String taskId = r.string();
            int attempt = 0;
            if (r.at(ATTEMPT)) {
                attempt = r.smallInt();
                if (attempt < 1) {
                    return null;
                }
            }
            r.expect(AGENT_ID);
            String agentId = r.string();
            r.expect(SUCCESS);
            boolean success = r.bool();
            r.expect(PAYLOAD);
            Payload payload = r.payload();
            if (success) {
                r.end();
                return new ResultEnvelope(version, taskId, agentId, true, payload, null, null, false, attempt);
            }
            r.expect(ERROR_CODE);
            String errorCode = r.string();
            r.expect(ERROR_MESSAGE);
            String errorMessage = r.at(NULL) ? null : r.string();
            r.expect(RETRYABLE);
            boolean retryable = r.bool();
            r.end();
            return new ResultEnvelope(version, taskId, agentId, false, payload, errorCode, errorMessage, retryable, attempt);
        } catch (RuntimeException e) {
            return null;
        }
    }

    // ------------------------------------------------------------------ pieces of the layout

    /** Whether {@code text} comes next; steps over it if so. */
    private boolean at(byte[] text) {
        if (!Arrays.equals(b, at, Math.min(at + text.length, b.length), text, 0, text.length)) {
            return false;
        }
        at += text.length;
        return true;
    }

    private void expect(byte[] text) {
        if (!at(text)) {
            throw OFF_LAYOUT;
        }
    }

    /** The closing brace, as the last byte. */
    private void end() {
        if (at != b.length - 1 || b[at] != '}') {
            throw OFF_LAYOUT;
        }
    }

    private int version() {
        int v = smallInt();
        if (v < 1 || v > TaskEnvelope.WIRE_VERSION) {
            throw OFF_LAYOUT;
        }
        return v;
    }

    private boolean bool() {
        if (at(TRUE)) {
            return true;
        }
        expect(FALSE);
        return false;
    }

    /** A non-negative int of at most 9 digits. */
    private int smallInt() {
        int start = at;
        long v = number();
        if (at - start > 9) {
            throw OFF_LAYOUT;
        }
        return (int) v;
    }

    /**
     * A decimal integer, optionally negative, of 1 to 18 digits without a leading zero (so it
     * fits a long and is exactly what a JSON parser reads); anything else is off the layout.
     */
    private long number() {
        boolean negative = at < b.length && b[at] == '-';
        if (negative) {
            at++;
        }
        int start = at;
        long v = 0;
        while (at < b.length && b[at] >= '0' && b[at] <= '9') {
            v = v * 10 + (b[at++] - '0');
        }
        int n = at - start;
        if (n == 0 || n > 18 || (n > 1 && b[start] == '0')) {
            throw OFF_LAYOUT;
        }
        return negative ? -v : v;
    }

    /** A quoted string of printable ASCII (0x20-0x7E) without quote or backslash inside. */
    private String string() {
        if (at >= b.length || b[at] != '"') {
            throw OFF_LAYOUT;
        }
        int start = ++at;
        while (at < b.length) {
            byte c = b[at];
            if (c == '"') {
                String s = new String(b, start, at - start, StandardCharsets.ISO_8859_1);
                at++;
                return s;
            }
            if (c < 0x20 || c == '\\') {
                // Control characters are not JSON, escapes and non-ASCII (negative bytes) are left to the parser.
                throw OFF_LAYOUT;
            }
            at++;
        }
        throw OFF_LAYOUT;
    }

    /** An object of strings in order, closed; a repeated name is left to the parser. */
    private Map<String, String> headers() {
        if (at < b.length && b[at] == '}') {
            at++;
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        while (true) {
            String name = string();
            if (at >= b.length || b[at++] != ':') {
                throw OFF_LAYOUT;
            }
            if (out.put(name, string()) != null) {
                throw OFF_LAYOUT;
            }
            if (at >= b.length) {
                throw OFF_LAYOUT;
            }
            byte c = b[at++];
            if (c == '}') {
                return out;
            }
            if (c != ',') {
                throw OFF_LAYOUT;
            }
        }
    }

    /** A quoted plain base64 string, decoded from the bytes in place; "" is the empty payload. */
    private Payload payload() {
        if (at >= b.length || b[at] != '"') {
            throw OFF_LAYOUT;
        }
        int start = at + 1;
        int end = endOfBase64(b, start);
        if (end >= b.length || b[end] != '"') {
            throw OFF_LAYOUT;
        }
        at = end + 1;
        if (end == start) {
            return Payload.empty();
        }
        // Not base64 throws IllegalArgumentException: a RuntimeException, so off the layout too.
        ByteBuffer decoded = Base64.getDecoder().decode(ByteBuffer.wrap(b, start, end - start));
        byte[] out = decoded.array();
        return Payload.wrap(decoded.remaining() == out.length ? out : Arrays.copyOf(out, decoded.remaining()));
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final long BELOW_BASE64 = ONES * '+';

    /**
     * The index of the first byte at or after {@code from} below {@code '+'} (the lowest base64
     * character; the closing quote is one such byte) or the length, eight bytes at a time. Cheaper
     * than {@link EnvelopeCodec.FastReader#endOfPlainString}, which must also stop at backslashes:
     * here a backslash, like any byte that is not base64, makes the decoder refuse and the body
     * goes to the other readers.
     */
    static int endOfBase64(byte[] b, int from) {
        int i = from;
        for (; i + Long.BYTES <= b.length; i += Long.BYTES) {
            long w = (long) LONGS.get(b, i);
            // Nonzero when some byte is below '+' (or at or above 0x80, which is no base64 either).
            if ((((w - BELOW_BASE64) | w) & HIGHS) != 0) {
                break;
            }
        }
        while (i < b.length && b[i] >= '+') {
            i++;
        }
        return i;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
