package io.agentorchestrator.core.wire;

import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.TaskEnvelope;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * Writes tasks and results into one array of exactly the right size, byte for byte what the
 * Jackson generator of {@link EnvelopeCodec#referenceTask} and {@link EnvelopeCodec#referenceResult}
 * writes: the same field order, decimal numbers, and strings escaped as Jackson's UTF-8 generator
 * escapes them by default ({@code \"}, {@code \\}, the short forms {@code \b \t \n \f \r}, other
 * control characters as {@code &#92;u00XX} in upper-case hex, everything else as plain UTF-8).
 *
 * <p>Why not the generator: per call it built a generator and a 2 KiB buffer, went through its
 * field-by-field checks and copied the result out again, and that was most of a broker round
 * trip's JVM time. Here a first pass sums the sizes, a second writes; nothing else is allocated
 * but the payload's base64. A string holding a surrogate (a character outside the BMP, or a broken
 * pair) returns null from {@link #task}/{@link #result} and the caller uses the generator, so how
 * Jackson treats those never has to be copied here.
 */
final class EnvelopeWriter {

    private static final byte[] TASK_VERSION = ascii("{\"version\":");
    private static final byte[] TASK_ID = ascii(",\"taskId\":");
    private static final byte[] CAPABILITY = ascii(",\"capability\":");
    private static final byte[] PAYLOAD = ascii(",\"payload\":\"");
    private static final byte[] PRIORITY = ascii("\",\"priority\":");
    private static final byte[] DEADLINE = ascii(",\"deadlineEpochMillis\":");
    private static final byte[] KEY = ascii(",\"key\":");
    private static final byte[] HEADERS = ascii(",\"headers\":{");
    private static final byte[] ATTEMPT_AFTER_HEADERS = ascii("},\"attempt\":");
    private static final byte[] REPLY_TO = ascii(",\"replyTo\":");
    private static final byte[] ATTEMPT = ascii(",\"attempt\":");
    private static final byte[] AGENT_ID = ascii(",\"agentId\":");
    private static final byte[] SUCCESS_TRUE = ascii(",\"success\":true");
    private static final byte[] SUCCESS_FALSE = ascii(",\"success\":false");
    private static final byte[] ERROR_CODE = ascii("\",\"errorCode\":");
    private static final byte[] ERROR_MESSAGE = ascii(",\"errorMessage\":");
    private static final byte[] RETRYABLE_TRUE = ascii(",\"retryable\":true}");
    private static final byte[] RETRYABLE_FALSE = ascii(",\"retryable\":false}");
    private static final byte[] NULL = ascii("null");
    private static final byte[] LONG_MIN = ascii(Long.toString(Long.MIN_VALUE));
    private static final byte[] HEX = ascii("0123456789ABCDEF");

    /**
     * Per ASCII character: 0 written as is, {@code 'u'} written as {@code &#92;u00XX}, any other
     * value written as a backslash and that character. As Jackson's {@code CharTypes} output
     * escapes: control characters, the quote and the backslash; DEL (0x7F) and '/' as they are.
     */
    private static final byte[] ESCAPES = new byte[128];

    static {
        for (int c = 0; c < 0x20; c++) {
            ESCAPES[c] = 'u';
        }
        ESCAPES['"'] = '"';
        ESCAPES['\\'] = '\\';
        ESCAPES['\b'] = 'b';
        ESCAPES['\t'] = 't';
        ESCAPES['\n'] = 'n';
        ESCAPES['\f'] = 'f';
        ESCAPES['\r'] = 'r';
    }

    private final byte[] out;
    private int at;

    private EnvelopeWriter(int size) {
        out = new byte[size];
    }

    /** The task's bytes, or null when a string holds a surrogate (the generator then writes it). */
    static byte[] task(TaskEnvelope t) {
        long strings = size(t.taskId()) | size(t.capability()) | size(t.key()) | size(t.replyTo());
        long size = TASK_VERSION.length + digits(t.version()) + TASK_ID.length + size(t.taskId()) + CAPABILITY.length
                + size(t.capability()) + PAYLOAD.length + base64Size(t.payload()) + PRIORITY.length + digits(t.priority())
                + DEADLINE.length + digits(t.deadlineEpochMillis()) + HEADERS.length + ATTEMPT_AFTER_HEADERS.length
                + digits(t.attempt()) + 1;
        if (t.key() != null) {
            size += KEY.length + size(t.key());
        }
        if (t.replyTo() != null) {
            size += REPLY_TO.length + size(t.replyTo());
        }
        boolean first = true;
        for (Map.Entry<String, String> h : t.headers().entrySet()) {
            long k = size(h.getKey());
            long v = size(h.getValue());
            strings |= k | v;
            size += (first ? 0 : 1) + k + 1 + v;
            first = false;
        }
        if (strings < 0) {
            return null;
        }
        EnvelopeWriter w = new EnvelopeWriter(Math.toIntExact(size));
        w.raw(TASK_VERSION);
        w.number(t.version());
        w.raw(TASK_ID);
        w.string(t.taskId());
        w.raw(CAPABILITY);
        w.string(t.capability());
        w.raw(PAYLOAD);
        w.base64(t.payload());
        w.raw(PRIORITY);
        w.number(t.priority());
        w.raw(DEADLINE);
        w.number(t.deadlineEpochMillis());
        if (t.key() != null) {
            w.raw(KEY);
            w.string(t.key());
        }
        w.raw(HEADERS);
        first = true;
        for (Map.Entry<String, String> h : t.headers().entrySet()) {
            if (!first) {
                w.out[w.at++] = ',';
            }
            first = false;
            w.string(h.getKey());
            w.out[w.at++] = ':';
            w.string(h.getValue());
        }
        w.raw(ATTEMPT_AFTER_HEADERS);
        w.number(t.attempt());
        if (t.replyTo() != null) {
            w.raw(REPLY_TO);
            w.string(t.replyTo());
        }
        w.out[w.at++] = '}';
        return w.done();
    }

    /** The result's bytes, or null when a string holds a surrogate (the generator then writes it). */
    static byte[] result(ResultEnvelope r) {
        long strings = size(r.taskId()) | size(r.agentId());
        long size = TASK_VERSION.length + digits(r.version()) + TASK_ID.length + size(r.taskId()) + AGENT_ID.length
                + size(r.agentId()) + (r.success() ? SUCCESS_TRUE.length : SUCCESS_FALSE.length) + PAYLOAD.length
                + base64Size(r.payload());
        if (r.attempt() > 0) {
            size += ATTEMPT.length + digits(r.attempt());
        }
        if (r.success()) {
            size += 2; // the closing quote of the payload and the brace
        } else {
            strings |= size(r.errorCode()) | size(r.errorMessage());
            size += ERROR_CODE.length + size(r.errorCode()) + ERROR_MESSAGE.length + size(r.errorMessage())
                    + (r.retryable() ? RETRYABLE_TRUE.length : RETRYABLE_FALSE.length);
        }
        if (strings < 0) {
            return null;
        }
        EnvelopeWriter w = new EnvelopeWriter(Math.toIntExact(size));
        w.raw(TASK_VERSION);
        w.number(r.version());
        w.raw(TASK_ID);
        w.string(r.taskId());
        if (r.attempt() > 0) {
            w.raw(ATTEMPT);
            w.number(r.attempt());
        }
        w.raw(AGENT_ID);
        w.string(r.agentId());
        w.raw(r.success() ? SUCCESS_TRUE : SUCCESS_FALSE);
        w.raw(PAYLOAD);
        w.base64(r.payload());
        if (r.success()) {
            w.out[w.at++] = '"';
            w.out[w.at++] = '}';
        } else {
            w.raw(ERROR_CODE);
            w.string(r.errorCode());
            w.raw(ERROR_MESSAGE);
            w.string(r.errorMessage());
            w.raw(r.retryable() ? RETRYABLE_TRUE : RETRYABLE_FALSE);
        }
        return w.done();
    }

    private byte[] done() {
        // The sizes and the writes are two codings of one layout; a mismatch is a bug here, never input.
        if (at != out.length) {
            throw new IllegalStateException("EnvelopeWriter sized " + out.length + " bytes but wrote " + at);
        }
        return out;
    }

    // ------------------------------------------------------------------ sizes

    /**
     * The bytes of {@code s} as a JSON string with its quotes ({@code null} for null), or -1 when
     * it holds a surrogate. Negative sizes OR together to a negative, so one test covers all.
     */
    static long size(String s) {
        if (s == null) {
            return NULL.length;
        }
        long n = 2;
        for (int i = 0, len = s.length(); i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                byte e = ESCAPES[c];
                n += e == 0 ? 1 : e == 'u' ? 6 : 2;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isSurrogate(c)) {
                return -1;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /** The decimal digits of {@code v}, with its sign. */
    static int digits(long v) {
        if (v == Long.MIN_VALUE) {
            return LONG_MIN.length;
        }
        int n = 1;
        if (v < 0) {
            n++;
            v = -v;
        }
        while (v >= 10) {
            v /= 10;
            n++;
        }
        return n;
    }

    /** Standard padded base64 of {@code n} bytes. */
    private static int base64Size(Payload p) {
        return (p.size() + 2) / 3 * 4;
    }

    // ------------------------------------------------------------------ writes

    private void raw(byte[] ascii) {
        System.arraycopy(ascii, 0, out, at, ascii.length);
        at += ascii.length;
    }

    private void number(long v) {
        if (v == Long.MIN_VALUE) {
            raw(LONG_MIN);
            return;
        }
        if (v < 0) {
            out[at++] = '-';
            v = -v;
        }
        int end = at + digits(v);
        for (int i = end - 1; i >= at; i--) {
            out[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        at = end;
    }

    /** A string {@link #size} measured, so it has no surrogate. */
    private void string(String s) {
        if (s == null) {
            raw(NULL);
            return;
        }
        byte[] b = out;
        int p = at;
        b[p++] = '"';
        for (int i = 0, len = s.length(); i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                byte e = ESCAPES[c];
                if (e == 0) {
                    b[p++] = (byte) c;
                } else {
                    b[p++] = '\\';
                    b[p++] = e;
                    if (e == 'u') {
                        b[p++] = '0';
                        b[p++] = '0';
                        b[p++] = HEX[c >> 4];
                        b[p++] = HEX[c & 0xF];
                    }
                }
            } else if (c < 0x800) {
                b[p++] = (byte) (0xC0 | (c >> 6));
                b[p++] = (byte) (0x80 | (c & 0x3F));
            } else {
                b[p++] = (byte) (0xE0 | (c >> 12));
                b[p++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                b[p++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        b[p++] = '"';
        at = p;
    }

    /**
     * The JDK's encoder (an intrinsic on current x86 and ARM, far faster than any loop here) into
     * a scratch array, then copied in: it cannot write at an offset. The payload copy it needs is
     * the price of {@link Payload} never handing out its array.
     */
    private void base64(Payload p) {
        if (p.size() == 0) {
            return;
        }
        byte[] encoded = Base64.getEncoder().encode(p.toByteArray());
        raw(encoded);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
