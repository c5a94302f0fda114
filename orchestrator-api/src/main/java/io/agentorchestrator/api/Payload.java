package io.agentorchestrator.api;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The opaque bytes of a task or a result. Immutable: the bytes are copied once on the way in and
 * never handed out for writing, so a payload can be shared between threads and attempts freely.
 *
 * <p>{@link #toString()} shows only the size: payloads may hold personal data and are never logged.
 */
public final class Payload {

    private static final Payload EMPTY = new Payload(new byte[0]);

    private final byte[] bytes;

    private Payload(byte[] bytes) {
        this.bytes = bytes;
    }

    /** A payload holding a copy of {@code bytes}. */
    public static Payload of(byte[] bytes) {
        ValidationException.requireNonNull(bytes, "payload");
        return bytes.length == 0 ? EMPTY : new Payload(bytes.clone());
    }

    /** A payload holding {@code text} encoded as UTF-8. */
    public static Payload ofUtf8(String text) {
        ValidationException.requireNonNull(text, "payload");
        return text.isEmpty() ? EMPTY : new Payload(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The empty payload. */
    public static Payload empty() {
        return EMPTY;
    }

    /**
     * A payload that takes ownership of {@code bytes} without copying. For transports that have
     * just decoded a fresh array from the wire; the caller must not touch the array afterwards.
     */
    public static Payload wrap(byte[] bytes) {
        ValidationException.requireNonNull(bytes, "payload");
        return bytes.length == 0 ? EMPTY : new Payload(bytes);
    }

    /** The number of bytes. */
    public int size() {
        return bytes.length;
    }

    /** A copy of the bytes. */
    public byte[] toByteArray() {
        return bytes.clone();
    }

    /** A read-only view of the bytes, without copying. */
    public ByteBuffer asReadOnlyBuffer() {
        return ByteBuffer.wrap(bytes).asReadOnlyBuffer();
    }

    /** The bytes decoded as UTF-8. */
    public String asUtf8() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Payload && Arrays.equals(bytes, ((Payload) o).bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "Payload[" + bytes.length + " bytes]";
    }
}
