package io.agentorchestrator.redis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.ValidationException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The JSON wire format of the Redis transport (documented field by field in the module README).
 * A task is one stream entry with a field {@value #TASK_FIELD}, a reply one with a field
 * {@value #REPLY_FIELD}; each holds a JSON object whose payload is base64. Decoding is strict about
 * types and names the offending field; unknown fields are ignored so newer writers can add some.
 * Thread-safe.
 */
final class WireCodec {

    /** Stream entry field holding a task. */
    static final String TASK_FIELD = "task";
    /** Stream entry field holding a reply. */
    static final String REPLY_FIELD = "reply";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64 = Base64.getEncoder();
    private static final Base64.Decoder B64_DECODER = Base64.getDecoder();

    private WireCodec() {
    }

    /** A reply as read from the wire: the envelope plus the attempt it answers. */
    record Reply(ResultEnvelope result, int attempt) {
    }

    // ------------------------------------------------------------------ tasks

    static String encodeTask(TaskEnvelope t) {
        ObjectNode o = JSON.createObjectNode();
        o.put("version", t.version());
        o.put("taskId", t.taskId());
        o.put("capability", t.capability());
        o.put("payload", B64.encodeToString(t.payload().toByteArray()));
        o.put("priority", t.priority());
        o.put("deadlineEpochMillis", t.deadlineEpochMillis());
        if (t.key() != null) {
            o.put("key", t.key());
        }
        ObjectNode headers = o.putObject("headers");
        t.headers().forEach(headers::put);
        o.put("attempt", t.attempt());
        if (t.replyTo() != null) {
            o.put("replyTo", t.replyTo());
        }
        return o.toString();
    }

    /**
     * Decodes a task entry's fields.
     *
     * @throws ValidationException naming the missing or malformed field
     */
    static TaskEnvelope decodeTask(Map<String, String> fields) {
        JsonNode o = parse(fields, TASK_FIELD);
        int version = requiredInt(o, "version");
        requireVersion(version);
        Map<String, String> headers = new LinkedHashMap<>();
        JsonNode h = o.get("headers");
        if (h != null && !h.isNull()) {
            ValidationException.require(h.isObject(), "headers", "must be a JSON object of strings", h.toString());
            for (Map.Entry<String, JsonNode> e : h.properties()) {
                ValidationException.require(e.getValue().isTextual(), "headers['" + e.getKey() + "']", "must be a string",
                        e.getValue().toString());
                headers.put(e.getKey(), e.getValue().textValue());
            }
        }
        return new TaskEnvelope(version, requiredText(o, "taskId"), requiredText(o, "capability"), payload(o),
                requiredInt(o, "priority"), requiredLong(o, "deadlineEpochMillis"), optionalText(o, "key"), headers,
                requiredInt(o, "attempt"), requiredText(o, "replyTo"));
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
        ObjectNode o = JSON.createObjectNode();
        o.put("version", r.version());
        o.put("taskId", r.taskId());
        o.put("attempt", attempt);
        o.put("agentId", r.agentId());
        o.put("success", r.success());
        o.put("payload", B64.encodeToString(r.payload().toByteArray()));
        if (!r.success()) {
            o.put("errorCode", r.errorCode());
            o.put("errorMessage", r.errorMessage());
            o.put("retryable", r.retryable());
        }
        return o.toString();
    }

    /**
     * Decodes a reply entry's fields.
     *
     * @throws ValidationException naming the missing or malformed field
     */
    static Reply decodeReply(Map<String, String> fields) {
        JsonNode o = parse(fields, REPLY_FIELD);
        int version = requiredInt(o, "version");
        requireVersion(version);
        JsonNode success = o.get("success");
        ValidationException.require(success != null && success.isBoolean(), "success", "must be true or false",
                success == null ? null : success.toString());
        JsonNode retryable = o.get("retryable");
        ValidationException.require(retryable == null || retryable.isNull() || retryable.isBoolean(), "retryable",
                "must be true or false", retryable == null ? null : retryable.toString());
        ResultEnvelope result = new ResultEnvelope(version, requiredText(o, "taskId"), requiredText(o, "agentId"),
                success.booleanValue(), o.hasNonNull("payload") ? payload(o) : Payload.empty(), optionalText(o, "errorCode"),
                optionalText(o, "errorMessage"), retryable != null && retryable.booleanValue());
        int attempt = requiredInt(o, "attempt");
        ValidationException.require(attempt >= 1, "attempt", "must be >= 1", attempt);
        return new Reply(result, attempt);
    }

    // ------------------------------------------------------------------ descriptors

    static ObjectNode descriptorNode(AgentDescriptor d) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", d.id());
        o.put("name", d.name());
        ArrayNode caps = o.putArray("capabilities");
        d.capabilities().forEach(caps::add);
        o.put("endpoint", d.endpoint().toString());
        o.put("weight", d.weight());
        o.put("maxConcurrency", d.maxConcurrency());
        ObjectNode metadata = o.putObject("metadata");
        d.metadata().forEach(metadata::put);
        o.put("version", d.version());
        return o;
    }

    static String encodeDescriptor(AgentDescriptor d) {
        return descriptorNode(d).toString();
    }

    static AgentDescriptor decodeDescriptor(String json) {
        JsonNode o;
        try {
            o = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ValidationException("agent", "must be a JSON object (" + e.getOriginalMessage() + ")", json);
        }
        return decodeDescriptor(o);
    }

    static AgentDescriptor decodeDescriptor(JsonNode o) {
        ValidationException.require(o != null && o.isObject(), "agent", "must be a JSON object", o == null ? null : o.toString());
        AgentDescriptor.Builder b = AgentDescriptor.builder(requiredText(o, "id")).endpoint(requiredText(o, "endpoint"));
        if (o.hasNonNull("name")) {
            b.name(requiredText(o, "name"));
        }
        JsonNode caps = o.get("capabilities");
        ValidationException.require(caps != null && caps.isArray(), "capabilities", "must be a JSON array of strings",
                caps == null ? null : caps.toString());
        Set<String> capabilities = new LinkedHashSet<>();
        caps.forEach(c -> capabilities.add(c.asText()));
        capabilities.forEach(b::capability);
        if (o.hasNonNull("weight")) {
            b.weight(requiredInt(o, "weight"));
        }
        if (o.hasNonNull("maxConcurrency")) {
            b.maxConcurrency(requiredInt(o, "maxConcurrency"));
        }
        JsonNode metadata = o.get("metadata");
        if (metadata != null && metadata.isObject()) {
            metadata.properties().forEach(e -> b.metadata(e.getKey(), e.getValue().asText()));
        }
        if (o.hasNonNull("version")) {
            b.version(requiredText(o, "version"));
        }
        return b.build();
    }

    // ------------------------------------------------------------------ directory events

    /** One message on the registry channel. */
    record DirectoryEvent(String type, String agentId, long ttlMillis, AgentDescriptor agent, String reason) {

        /** A withdrawal because the lease lapsed (a crash), not an orderly stop. */
        boolean expired() {
            return "expired".equals(reason);
        }
    }

    static String encodeAnnounce(AgentDescriptor d, long ttlMillis) {
        ObjectNode o = JSON.createObjectNode();
        o.put("type", "announce");
        o.put("agentId", d.id());
        o.put("ttlMillis", ttlMillis);
        o.set("agent", descriptorNode(d));
        return o.toString();
    }

    static String encodeWithdraw(String agentId, String reason) {
        ObjectNode o = JSON.createObjectNode();
        o.put("type", "withdraw");
        o.put("agentId", agentId);
        o.put("reason", reason);
        return o.toString();
    }

    static DirectoryEvent decodeDirectoryEvent(String message) {
        JsonNode o;
        try {
            o = JSON.readTree(message);
        } catch (JsonProcessingException e) {
            throw new ValidationException("registry event", "must be a JSON object (" + e.getOriginalMessage() + ")", message);
        }
        String type = requiredText(o, "type");
        String agentId = requiredText(o, "agentId");
        return switch (type) {
            case "announce" -> new DirectoryEvent(type, agentId, requiredLong(o, "ttlMillis"), decodeDescriptor(o.get("agent")), null);
            case "withdraw" -> new DirectoryEvent(type, agentId, 0, null, optionalText(o, "reason"));
            default -> throw new ValidationException("type", "must be announce or withdraw", type);
        };
    }

    // ------------------------------------------------------------------ helpers

    private static JsonNode parse(Map<String, String> fields, String field) {
        String text = fields.get(field);
        ValidationException.require(text != null, "entry", "must have a field '" + field + "'", fields.keySet().toString());
        JsonNode o;
        try {
            o = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            // Never echo the text: it may carry a payload.
            throw new ValidationException(field, "must be a JSON object (invalid JSON at character "
                    + (e.getLocation() == null ? "?" : e.getLocation().getCharOffset()) + ")", size(text));
        }
        ValidationException.require(o != null && o.isObject(), field, "must be a JSON object", size(text));
        return o;
    }

    private static String size(String text) {
        return "(" + text.length() + " characters)";
    }

    private static void requireVersion(int version) {
        ValidationException.require(version == TaskEnvelope.WIRE_VERSION, "version",
                "must be " + TaskEnvelope.WIRE_VERSION + " (the wire version this library reads)", version);
    }

    private static Payload payload(JsonNode o) {
        String text = requiredText(o, "payload");
        try {
            return Payload.wrap(B64_DECODER.decode(text));
        } catch (IllegalArgumentException e) {
            throw new ValidationException("payload", "must be standard base64 (" + e.getMessage() + ")", size(text));
        }
    }

    private static String requiredText(JsonNode o, String field) {
        JsonNode n = o.get(field);
        ValidationException.require(n != null && n.isTextual(), field, "must be a JSON string", n == null ? null : n.toString());
        return n.textValue();
    }

    private static String optionalText(JsonNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        ValidationException.require(n.isTextual(), field, "must be a JSON string or null", n.toString());
        return n.textValue();
    }

    private static int requiredInt(JsonNode o, String field) {
        JsonNode n = o.get(field);
        ValidationException.require(n != null && n.isIntegralNumber() && n.canConvertToInt(), field, "must be a JSON integer",
                n == null ? null : n.toString());
        return n.intValue();
    }

    private static long requiredLong(JsonNode o, String field) {
        JsonNode n = o.get(field);
        ValidationException.require(n != null && n.isIntegralNumber() && n.canConvertToLong(), field, "must be a JSON integer",
                n == null ? null : n.toString());
        return n.longValue();
    }
}
