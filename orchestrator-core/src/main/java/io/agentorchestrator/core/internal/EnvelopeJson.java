package io.agentorchestrator.core.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.ValidationException;
import java.io.IOException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JSON form of the envelopes: field names are the envelopes' own, the payload is base64
 * (standard alphabet), unknown fields are ignored and a newer major {@code version} is refused.
 * Decoding failures are {@link ValidationException}s naming the field.
 */
public final class EnvelopeJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private EnvelopeJson() {
    }

    /** The task as JSON bytes. */
    public static byte[] encode(TaskEnvelope t) {
        ObjectNode n = JSON.createObjectNode();
        n.put("version", t.version());
        n.put("taskId", t.taskId());
        n.put("capability", t.capability());
        n.put("payload", Base64.getEncoder().encodeToString(t.payload().toByteArray()));
        n.put("priority", t.priority());
        n.put("deadlineEpochMillis", t.deadlineEpochMillis());
        if (t.key() != null) {
            n.put("key", t.key());
        }
        if (!t.headers().isEmpty()) {
            ObjectNode headers = n.putObject("headers");
            t.headers().forEach(headers::put);
        }
        n.put("attempt", t.attempt());
        if (t.replyTo() != null) {
            n.put("replyTo", t.replyTo());
        }
        return write(n);
    }

    /** The result as JSON bytes. */
    public static byte[] encode(ResultEnvelope r) {
        ObjectNode n = JSON.createObjectNode();
        n.put("version", r.version());
        n.put("taskId", r.taskId());
        n.put("agentId", r.agentId());
        n.put("success", r.success());
        n.put("payload", Base64.getEncoder().encodeToString(r.payload().toByteArray()));
        if (!r.success()) {
            n.put("errorCode", r.errorCode());
            n.put("errorMessage", r.errorMessage());
            n.put("retryable", r.retryable());
        }
        return write(n);
    }

    /**
     * Reads a task.
     *
     * @throws ValidationException naming the first missing or malformed field
     */
    public static TaskEnvelope decodeTask(byte[] json) {
        JsonNode n = read(json);
        int version = version(n);
        Map<String, String> headers = new LinkedHashMap<>();
        JsonNode h = n.get("headers");
        if (h != null && !h.isNull()) {
            ValidationException.require(h.isObject(), "headers", "must be an object of strings", h.getNodeType());
            h.fields().forEachRemaining(e -> {
                ValidationException.require(e.getValue().isTextual(), "headers['" + e.getKey() + "']", "must be a string",
                        e.getValue().getNodeType());
                headers.put(e.getKey(), e.getValue().textValue());
            });
        }
        return new TaskEnvelope(version, text(n, "taskId", true), text(n, "capability", true), payload(n),
                integer(n, "priority", 4), longValue(n, "deadlineEpochMillis", 0), text(n, "key", false), headers,
                integer(n, "attempt", 1), text(n, "replyTo", false));
    }

    /**
     * Reads a result.
     *
     * @throws ValidationException naming the first missing or malformed field
     */
    public static ResultEnvelope decodeResult(byte[] json) {
        JsonNode n = read(json);
        int version = version(n);
        JsonNode success = n.get("success");
        ValidationException.require(success != null && success.isBoolean(), "success", "must be true or false",
                success == null ? null : success.toString());
        JsonNode retryable = n.get("retryable");
        return new ResultEnvelope(version, text(n, "taskId", true), text(n, "agentId", true), success.booleanValue(), payload(n),
                text(n, "errorCode", false), text(n, "errorMessage", false), retryable != null && retryable.asBoolean(false));
    }

    private static byte[] write(ObjectNode n) {
        try {
            return JSON.writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write an envelope as JSON", e);
        }
    }

    private static JsonNode read(byte[] json) {
        ValidationException.requireNonNull(json, "envelope");
        try {
            JsonNode n = JSON.readTree(json);
            ValidationException.require(n != null && n.isObject(), "envelope", "must be a JSON object",
                    n == null ? "empty" : n.getNodeType().toString());
            return n;
        } catch (IOException e) {
            throw new ValidationException("envelope", "must be valid JSON (" + (e instanceof JsonProcessingException ? ((JsonProcessingException) e).getOriginalMessage() : e.getMessage()) + ")", json.length + " bytes");
        }
    }

    private static int version(JsonNode n) {
        int version = integer(n, "version", -1);
        ValidationException.require(version >= 1, "version", "must be present and >= 1", version);
        ValidationException.require(version <= TaskEnvelope.WIRE_VERSION, "version",
                "must be at most " + TaskEnvelope.WIRE_VERSION + " (newer than this library)", version);
        return version;
    }

    private static Payload payload(JsonNode n) {
        String base64 = text(n, "payload", false);
        if (base64 == null || base64.isEmpty()) {
            return Payload.empty();
        }
        try {
            return Payload.wrap(Base64.getDecoder().decode(base64));
        } catch (IllegalArgumentException e) {
            throw new ValidationException("payload", "must be base64 (" + e.getMessage() + ")", base64.length() + " characters");
        }
    }

    private static String text(JsonNode n, String field, boolean required) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            ValidationException.require(!required, field, "must be present", null);
            return null;
        }
        ValidationException.require(v.isTextual(), field, "must be a string", v.getNodeType());
        return v.textValue();
    }

    private static int integer(JsonNode n, String field, int absent) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return absent;
        }
        ValidationException.require(v.isIntegralNumber() && v.canConvertToInt(), field, "must be an integer", v.toString());
        return v.intValue();
    }

    private static long longValue(JsonNode n, String field, long absent) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return absent;
        }
        ValidationException.require(v.isIntegralNumber() && v.canConvertToLong(), field, "must be an integer", v.toString());
        return v.longValue();
    }
}
