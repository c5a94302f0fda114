package io.agentorchestrator.kafka;

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
import java.io.IOException;
import java.net.URI;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The JSON records on the wire (see the README's "Wire format"): tasks, results and agent
 * announcements, each a JSON object with a {@code version}; payloads are base64. Decoding checks
 * every field and throws {@link MalformedRecordException} naming the first bad one.
 */
final class WireFormat {

    private static final ObjectMapper JSON = new ObjectMapper();

    private WireFormat() {
    }

    /** A record that does not hold a valid envelope; its message is the dead-letter reason. */
    static final class MalformedRecordException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedRecordException(String message) {
            super(message);
        }
    }

    // ------------------------------------------------------------------ tasks

    static byte[] encodeTask(TaskEnvelope t) {
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
        ObjectNode headers = n.putObject("headers");
        t.headers().forEach(headers::put);
        n.put("attempt", t.attempt());
        if (t.replyTo() != null) {
            n.put("replyTo", t.replyTo());
        }
        return write(n);
    }

    static TaskEnvelope decodeTask(byte[] value) throws MalformedRecordException {
        JsonNode n = read(value);
        int version = version(n);
        try {
            return new TaskEnvelope(version, text(n, "taskId", true), text(n, "capability", true), payload(n),
                    integer(n, "priority", 5), longValue(n, "deadlineEpochMillis", 0L), text(n, "key", false),
                    stringMap(n, "headers"), integer(n, "attempt", 1), text(n, "replyTo", false));
        } catch (ValidationException e) {
            throw new MalformedRecordException("invalid task: " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------ results

    static byte[] encodeResult(ResultEnvelope r, int attempt) {
        ObjectNode n = JSON.createObjectNode();
        n.put("version", r.version());
        n.put("taskId", r.taskId());
        n.put("agentId", r.agentId());
        if (attempt > 0) {
            n.put("attempt", attempt);
        }
        n.put("success", r.success());
        n.put("payload", Base64.getEncoder().encodeToString(r.payload().toByteArray()));
        if (!r.success()) {
            n.put("errorCode", r.errorCode());
            n.put("errorMessage", r.errorMessage());
            n.put("retryable", r.retryable());
        }
        return write(n);
    }

    /** A decoded result and the attempt it answers (0 when the sender did not say). */
    record Reply(ResultEnvelope result, int attempt) {
    }

    static Reply decodeResult(byte[] value) throws MalformedRecordException {
        JsonNode n = read(value);
        int version = version(n);
        JsonNode success = n.get("success");
        if (success == null || !success.isBoolean()) {
            throw new MalformedRecordException("field 'success' must be true or false");
        }
        try {
            ResultEnvelope r = new ResultEnvelope(version, text(n, "taskId", true), text(n, "agentId", true), success.booleanValue(),
                    payload(n), text(n, "errorCode", false), text(n, "errorMessage", false), bool(n, "retryable"));
            return new Reply(r, integer(n, "attempt", 0));
        } catch (ValidationException e) {
            throw new MalformedRecordException("invalid result: " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------ agent announcements

    static byte[] encodeAnnouncement(AgentDescriptor a, long ttlMillis) {
        ObjectNode n = JSON.createObjectNode();
        n.put("version", TaskEnvelope.WIRE_VERSION);
        ObjectNode agent = n.putObject("agent");
        agent.put("id", a.id());
        agent.put("name", a.name());
        ArrayNode caps = agent.putArray("capabilities");
        a.capabilities().forEach(caps::add);
        agent.put("endpoint", a.endpoint().toString());
        agent.put("weight", a.weight());
        agent.put("maxConcurrency", a.maxConcurrency());
        ObjectNode metadata = agent.putObject("metadata");
        a.metadata().forEach(metadata::put);
        agent.put("version", a.version());
        n.put("ttlMillis", ttlMillis);
        return write(n);
    }

    /** A decoded announcement. */
    record Announcement(AgentDescriptor agent, long ttlMillis) {
    }

    static Announcement decodeAnnouncement(byte[] value) throws MalformedRecordException {
        JsonNode n = read(value);
        version(n);
        JsonNode a = n.get("agent");
        if (a == null || !a.isObject()) {
            throw new MalformedRecordException("field 'agent' must be an object");
        }
        long ttl = longValue(n, "ttlMillis", -1);
        if (ttl <= 0) {
            throw new MalformedRecordException("field 'ttlMillis' must be > 0");
        }
        JsonNode caps = a.get("capabilities");
        if (caps == null || !caps.isArray()) {
            throw new MalformedRecordException("field 'agent.capabilities' must be an array");
        }
        Set<String> capabilities = new LinkedHashSet<>();
        for (JsonNode c : caps) {
            if (!c.isTextual()) {
                throw new MalformedRecordException("field 'agent.capabilities' must hold strings");
            }
            capabilities.add(c.textValue());
        }
        try {
            String id = text(a, "id", true);
            String name = text(a, "name", false);
            String endpoint = text(a, "endpoint", true);
            String version = text(a, "version", false);
            AgentDescriptor d = new AgentDescriptor(id, name == null ? id : name, capabilities, URI.create(endpoint),
                    integer(a, "weight", AgentDescriptor.DEFAULT_WEIGHT), integer(a, "maxConcurrency", AgentDescriptor.DEFAULT_MAX_CONCURRENCY),
                    stringMap(a, "metadata"), version == null ? AgentDescriptor.DEFAULT_VERSION : version);
            return new Announcement(d, ttl);
        } catch (ValidationException | IllegalArgumentException e) {
            throw new MalformedRecordException("invalid agent: " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------ helpers

    private static byte[] write(ObjectNode n) {
        try {
            return JSON.writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot encode JSON", e);
        }
    }

    private static JsonNode read(byte[] value) throws MalformedRecordException {
        if (value == null || value.length == 0) {
            throw new MalformedRecordException("empty record value");
        }
        JsonNode n;
        try {
            n = JSON.readTree(value);
        } catch (JsonProcessingException e) {
            throw new MalformedRecordException("not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new MalformedRecordException("not JSON: " + e.getMessage());
        }
        if (n == null || !n.isObject()) {
            throw new MalformedRecordException("not a JSON object");
        }
        return n;
    }

    private static int version(JsonNode n) throws MalformedRecordException {
        JsonNode v = n.get("version");
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new MalformedRecordException("field 'version' must be an integer");
        }
        int version = v.intValue();
        if (version < 1 || version > TaskEnvelope.WIRE_VERSION) {
            throw new MalformedRecordException("unsupported version " + version + " (this library reads 1 to " + TaskEnvelope.WIRE_VERSION + ")");
        }
        return version;
    }

    private static String text(JsonNode n, String field, boolean required) throws MalformedRecordException {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new MalformedRecordException("field '" + field + "' is missing");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw new MalformedRecordException("field '" + field + "' must be a string");
        }
        return v.textValue();
    }

    private static int integer(JsonNode n, String field, int absent) throws MalformedRecordException {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return absent;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new MalformedRecordException("field '" + field + "' must be an integer");
        }
        return v.intValue();
    }

    private static long longValue(JsonNode n, String field, long absent) throws MalformedRecordException {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return absent;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new MalformedRecordException("field '" + field + "' must be an integer");
        }
        return v.longValue();
    }

    private static boolean bool(JsonNode n, String field) throws MalformedRecordException {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw new MalformedRecordException("field '" + field + "' must be true or false");
        }
        return v.booleanValue();
    }

    private static Payload payload(JsonNode n) throws MalformedRecordException {
        String b64 = text(n, "payload", false);
        if (b64 == null) {
            return Payload.empty();
        }
        try {
            return Payload.wrap(Base64.getDecoder().decode(b64));
        } catch (IllegalArgumentException e) {
            throw new MalformedRecordException("field 'payload' must be base64: " + e.getMessage());
        }
    }

    private static Map<String, String> stringMap(JsonNode n, String field) throws MalformedRecordException {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return Map.of();
        }
        if (!v.isObject()) {
            throw new MalformedRecordException("field '" + field + "' must be an object of strings");
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : v.properties()) {
            if (!e.getValue().isTextual()) {
                throw new MalformedRecordException("field '" + field + "." + e.getKey() + "' must be a string");
            }
            map.put(e.getKey(), e.getValue().textValue());
        }
        return map;
    }
}
