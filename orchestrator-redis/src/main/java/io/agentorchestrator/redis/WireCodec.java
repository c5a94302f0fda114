package io.agentorchestrator.redis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.wire.DirectoryMessage;
import io.agentorchestrator.core.wire.EnvelopeCodec;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * How the Redis transport puts the library's one wire format ({@link EnvelopeCodec},
 * {@code docs/wire-format.md}) into Redis: a task is a stream entry with one field
 * {@value #TASK_FIELD}, a reply one with a field {@value #REPLY_FIELD}, each holding the envelope's
 * JSON; the registry hash holds descriptors and the registry channel carries directory messages.
 * On Redis a task must name its reply stream and a reply its attempt. Thread-safe.
 */
final class WireCodec {

    /** Stream entry field holding a task. */
    static final String TASK_FIELD = "task";
    /** Stream entry field holding a reply. */
    static final String REPLY_FIELD = "reply";

    private static final ObjectMapper JSON = new ObjectMapper();

    private WireCodec() {
    }

    /** A reply as read from the wire: the envelope plus the attempt it answers. */
    record Reply(ResultEnvelope result, int attempt) {
    }

    // ------------------------------------------------------------------ tasks

    static String encodeTask(TaskEnvelope t) {
        return text(EnvelopeCodec.encodeTask(t));
    }

    /** The task's JSON as the bytes that go into the stream entry. */
    static byte[] encodeTaskBytes(TaskEnvelope t) {
        return EnvelopeCodec.encodeTask(t);
    }

    /**
     * Decodes a task entry's fields.
     *
     * @throws ValidationException naming the missing or malformed field
     */
    static TaskEnvelope decodeTask(Map<String, String> fields) {
        return decodeTask(field(fields, TASK_FIELD));
    }

    /**
     * Decodes the JSON of a task entry's {@value #TASK_FIELD} field.
     *
     * @throws ValidationException naming the missing or malformed field
     */
    static TaskEnvelope decodeTask(byte[] json) {
        TaskEnvelope t = EnvelopeCodec.decodeTask(json);
        ValidationException.require(t.replyTo() != null, "replyTo", "must be present (the reply stream)", null);
        return t;
    }

    /**
     * What can be salvaged from a malformed task to tell its caller: task id, attempt and reply
     * stream, or {@code null} when even those are missing.
     */
    static Reply salvageAddress(Map<String, String> fields, String agentId, String why) {
        try {
            JsonNode o = JSON.readTree(fields.get(TASK_FIELD));
            String taskId = o.path("taskId").textValue();
            String replyTo = o.path("replyTo").textValue();
            JsonNode attempt = o.get("attempt");
            if (taskId == null || taskId.isEmpty() || replyTo == null || attempt == null || !attempt.canConvertToInt()) {
                return null;
            }
            return new Reply(ResultEnvelope.failure(taskId, agentId, "malformed-task", why, false), attempt.intValue());
        } catch (JsonProcessingException | RuntimeException e) {
            return null;
        }
    }

    /** The reply stream named in a malformed task, or {@code null}. */
    static String salvageReplyTo(Map<String, String> fields) {
        try {
            return JSON.readTree(fields.get(TASK_FIELD)).path("replyTo").textValue();
        } catch (JsonProcessingException | RuntimeException e) {
            return null;
        }
    }

    // ------------------------------------------------------------------ replies

    static String encodeReply(ResultEnvelope r, int attempt) {
        return text(encodeReplyBytes(r, attempt));
    }

    /** The reply's JSON as the bytes that go into the stream entry. */
    static byte[] encodeReplyBytes(ResultEnvelope r, int attempt) {
        return EnvelopeCodec.encodeResult(r.withAttempt(attempt));
    }

    /**
     * Decodes a reply entry's fields.
     *
     * @throws ValidationException naming the missing or malformed field
     */
    static Reply decodeReply(Map<String, String> fields) {
        return decodeReply(field(fields, REPLY_FIELD));
    }

    /**
     * Decodes the JSON of a reply entry's {@value #REPLY_FIELD} field.
     *
     * @throws ValidationException naming the missing or malformed field
     */
    static Reply decodeReply(byte[] json) {
        ResultEnvelope r = EnvelopeCodec.decodeResult(json);
        ValidationException.require(r.attempt() >= 1, "attempt", "must be present (the attempt answered)", null);
        return new Reply(r, r.attempt());
    }

    // ------------------------------------------------------------------ descriptors and directory events

    static String encodeDescriptor(AgentDescriptor d) {
        return text(EnvelopeCodec.encodeDescriptor(d));
    }

    static AgentDescriptor decodeDescriptor(String json) {
        return EnvelopeCodec.decodeDescriptor(json.getBytes(StandardCharsets.UTF_8));
    }

    /** One message on the registry channel. */
    record DirectoryEvent(String type, String agentId, long ttlMillis, AgentDescriptor agent, String reason) {

        /** A withdrawal because the lease lapsed (a crash), not an orderly stop. */
        boolean expired() {
            return DirectoryMessage.EXPIRED.equals(reason);
        }
    }

    static String encodeAnnounce(AgentDescriptor d, long ttlMillis) {
        return text(EnvelopeCodec.encodeAnnouncement(d, ttlMillis));
    }

    static String encodeWithdraw(String agentId, String reason) {
        return text(EnvelopeCodec.encodeWithdrawal(agentId, reason));
    }

    /**
     * Decodes a registry channel message (queries have no use on Redis: the registry hash answers them).
     *
     * @throws ValidationException naming the missing or malformed field
     */
    static DirectoryEvent decodeDirectoryEvent(String message) {
        DirectoryMessage m = EnvelopeCodec.decodeDirectoryMessage(message.getBytes(StandardCharsets.UTF_8));
        if (m instanceof DirectoryMessage.Announcement a) {
            return new DirectoryEvent(DirectoryMessage.ANNOUNCE, a.agent().id(), a.ttlMillis(), a.agent(), null);
        }
        if (m instanceof DirectoryMessage.Withdrawal w) {
            return new DirectoryEvent(DirectoryMessage.WITHDRAW, w.agentId(), 0, null, w.reason());
        }
        throw new ValidationException("type", "must be announce or withdraw on the registry channel", DirectoryMessage.QUERY);
    }

    // ------------------------------------------------------------------ helpers

    /** {@value #TASK_FIELD} as the binary commands name it. */
    static final byte[] TASK_FIELD_BYTES = TASK_FIELD.getBytes(StandardCharsets.UTF_8);
    /** {@value #REPLY_FIELD} as the binary commands name it. */
    static final byte[] REPLY_FIELD_BYTES = REPLY_FIELD.getBytes(StandardCharsets.UTF_8);

    /** The value of {@code name} in an entry read with a binary command, or {@code null}. */
    static byte[] field(Map<byte[], byte[]> fields, byte[] name) {
        for (Map.Entry<byte[], byte[]> f : fields.entrySet()) {
            if (java.util.Arrays.equals(f.getKey(), name)) {
                return f.getValue();
            }
        }
        return null;
    }

    /** An entry read with a binary command as text, for the rare paths (dead letters) that want text. */
    static Map<String, String> text(Map<byte[], byte[]> fields) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        fields.forEach((k, v) -> out.put(text(k), text(v)));
        return out;
    }

    private static byte[] field(Map<String, String> fields, String field) {
        String text = fields.get(field);
        ValidationException.require(text != null, "entry", "must have a field '" + field + "'", fields.keySet().toString());
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] json) {
        return new String(json, StandardCharsets.UTF_8);
    }
}
