package io.agentorchestrator.rabbitmq;

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
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JSON envelopes this transport puts in message bodies: tasks, results and directory
 * messages. The README's "Wire format" section is the contract for workers in other languages;
 * keep the two in step.
 *
 * <p>Decoding is strict about what matters (types, required fields, the version) and lenient
 * about the rest (unknown fields are ignored, so later versions may add some).
 */
final class WireFormat {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64 = Base64.getEncoder();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    private WireFormat() {
    }

    /** A message that cannot be turned into an envelope; the reason names the offending field. */
    static final class MalformedMessageException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedMessageException(String reason) {
            super(reason);
        }
    }

    // ---------------------------------------------------------------- tasks

    static byte[] encodeTask(TaskEnvelope t) {
        ObjectNode n = JSON.createObjectNode();
        n.put("version", t.version());
        n.put("taskId", t.taskId());
        n.put("capability", t.capability());
        n.put("payload", B64.encodeToString(t.payload().toByteArray()));
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
        return bytes(n);
    }

    static TaskEnvelope decodeTask(byte[] body) throws MalformedMessageException {
        JsonNode n = parse(body, "task");
        int version = version(n);
        try {
            return new TaskEnvelope(version, text(n, "taskId", true), text(n, "capability", true), payload(n),
                    integer(n, "priority", 4), longValue(n, "deadlineEpochMillis", 0), text(n, "key", false), headers(n),
                    integer(n, "attempt", 1), text(n, "replyTo", false));
        } catch (ValidationException e) {
            throw new MalformedMessageException("task " + e.getMessage());
        }
    }

    // ---------------------------------------------------------------- results

    static byte[] encodeResult(ResultEnvelope r) {
        ObjectNode n = JSON.createObjectNode();
        n.put("version", r.version());
        n.put("taskId", r.taskId());
        n.put("agentId", r.agentId());
        n.put("success", r.success());
        n.put("payload", B64.encodeToString(r.payload().toByteArray()));
        if (!r.success()) {
            n.put("errorCode", r.errorCode());
            n.put("errorMessage", r.errorMessage());
            n.put("retryable", r.retryable());
        }
        return bytes(n);
    }

    static ResultEnvelope decodeResult(byte[] body) throws MalformedMessageException {
        JsonNode n = parse(body, "result");
        int version = version(n);
        JsonNode success = n.get("success");
        if (success == null || !success.isBoolean()) {
            throw new MalformedMessageException("result field 'success' must be true or false");
        }
        JsonNode retryable = n.get("retryable");
        if (retryable != null && !retryable.isNull() && !retryable.isBoolean()) {
            throw new MalformedMessageException("result field 'retryable' must be true or false");
        }
        try {
            return new ResultEnvelope(version, text(n, "taskId", true), text(n, "agentId", true), success.booleanValue(), payload(n),
                    text(n, "errorCode", false), text(n, "errorMessage", false), retryable != null && retryable.booleanValue());
        } catch (ValidationException e) {
            throw new MalformedMessageException("result " + e.getMessage());
        }
    }

    // ---------------------------------------------------------------- directory

    /** A message on the directory exchange. */
    sealed interface DirectoryMessage {
    }

    /** An agent announced itself (or renewed its lease). */
    record Announce(AgentDescriptor agent, Duration ttl) implements DirectoryMessage {
    }

    /** An agent withdrew. */
    record Withdraw(String agentId) implements DirectoryMessage {
    }

    /** A watcher asks every agent to announce itself again. */
    record Query() implements DirectoryMessage {
    }

    static byte[] encodeAnnounce(AgentDescriptor a, Duration ttl) {
        ObjectNode n = JSON.createObjectNode();
        n.put("version", TaskEnvelope.WIRE_VERSION);
        n.put("type", "announce");
        n.put("ttlMillis", ttl.toMillis());
        ObjectNode agent = n.putObject("agent");
        agent.put("id", a.id());
        agent.put("name", a.name());
        ArrayNode caps = agent.putArray("capabilities");
        a.capabilities().forEach(caps::add);
        agent.put("endpoint", a.endpoint().toString());
        agent.put("weight", a.weight());
        agent.put("maxConcurrency", a.maxConcurrency());
        ObjectNode meta = agent.putObject("metadata");
        a.metadata().forEach(meta::put);
        agent.put("version", a.version());
        return bytes(n);
    }

    static byte[] encodeWithdraw(String agentId) {
        ObjectNode n = JSON.createObjectNode();
        n.put("version", TaskEnvelope.WIRE_VERSION);
        n.put("type", "withdraw");
        n.put("agentId", agentId);
        return bytes(n);
    }

    static byte[] encodeQuery() {
        ObjectNode n = JSON.createObjectNode();
        n.put("version", TaskEnvelope.WIRE_VERSION);
        n.put("type", "query");
        return bytes(n);
    }

    static DirectoryMessage decodeDirectory(byte[] body) throws MalformedMessageException {
        JsonNode n = parse(body, "directory message");
        version(n);
        String type = text(n, "type", true);
        try {
            switch (type) {
                case "announce": {
                    long ttl = longValue(n, "ttlMillis", -1);
                    if (ttl <= 0) {
                        throw new MalformedMessageException("directory field 'ttlMillis' must be > 0");
                    }
                    JsonNode a = n.get("agent");
                    if (a == null || !a.isObject()) {
                        throw new MalformedMessageException("directory field 'agent' must be an object");
                    }
                    AgentDescriptor.Builder b = AgentDescriptor.builder(text(a, "id", true)).endpoint(text(a, "endpoint", true));
                    String name = text(a, "name", false);
                    if (name != null) {
                        b.name(name);
                    }
                    JsonNode caps = a.get("capabilities");
                    if (caps == null || !caps.isArray()) {
                        throw new MalformedMessageException("directory field 'agent.capabilities' must be an array");
                    }
                    for (JsonNode c : caps) {
                        b.capability(c.asText());
                    }
                    b.weight(integer(a, "weight", AgentDescriptor.DEFAULT_WEIGHT));
                    b.maxConcurrency(integer(a, "maxConcurrency", AgentDescriptor.DEFAULT_MAX_CONCURRENCY));
                    b.metadata(stringMap(a, "metadata"));
                    String version = text(a, "version", false);
                    if (version != null) {
                        b.version(version);
                    }
                    return new Announce(b.build(), Duration.ofMillis(ttl));
                }
                case "withdraw":
                    return new Withdraw(AgentDescriptor.requireId(text(n, "agentId", true), "agentId"));
                case "query":
                    return new Query();
                default:
                    throw new MalformedMessageException("directory field 'type' must be announce, withdraw or query, but was '" + type + "'");
            }
        } catch (ValidationException e) {
            throw new MalformedMessageException("directory " + e.getMessage());
        }
    }

    // ---------------------------------------------------------------- helpers

    private static byte[] bytes(JsonNode n) {
        try {
            return JSON.writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot happen: a tree of strings and numbers always serialises", e);
        }
    }

    private static JsonNode parse(byte[] body, String what) throws MalformedMessageException {
        if (body == null || body.length == 0) {
            throw new MalformedMessageException(what + " body is empty");
        }
        JsonNode n;
        try {
            n = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new MalformedMessageException(what + " body is not JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new MalformedMessageException(what + " body could not be read (" + e.getMessage() + ")");
        }
        if (n == null || !n.isObject()) {
            throw new MalformedMessageException(what + " body must be a JSON object");
        }
        return n;
    }

    private static int version(JsonNode n) throws MalformedMessageException {
        JsonNode v = n.get("version");
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new MalformedMessageException("field 'version' must be an integer");
        }
        int version = v.intValue();
        if (version < 1 || version > TaskEnvelope.WIRE_VERSION) {
            throw new MalformedMessageException("field 'version' must be between 1 and " + TaskEnvelope.WIRE_VERSION + ", but was " + version);
        }
        return version;
    }

    private static String text(JsonNode n, String field, boolean required) throws MalformedMessageException {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new MalformedMessageException("field '" + field + "' is missing");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw new MalformedMessageException("field '" + field + "' must be a string");
        }
        return v.textValue();
    }

    private static int integer(JsonNode n, String field, int dflt) throws MalformedMessageException {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new MalformedMessageException("field '" + field + "' must be an integer");
        }
        return v.intValue();
    }

    private static long longValue(JsonNode n, String field, long dflt) throws MalformedMessageException {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new MalformedMessageException("field '" + field + "' must be an integer");
        }
        return v.longValue();
    }

    private static Payload payload(JsonNode n) throws MalformedMessageException {
        String b64 = text(n, "payload", false);
        if (b64 == null || b64.isEmpty()) {
            return Payload.empty();
        }
        try {
            return Payload.wrap(B64D.decode(b64));
        } catch (IllegalArgumentException e) {
            throw new MalformedMessageException("field 'payload' must be standard base64 (" + e.getMessage() + ")");
        }
    }

    private static Map<String, String> headers(JsonNode n) throws MalformedMessageException {
        return stringMap(n, "headers");
    }

    private static Map<String, String> stringMap(JsonNode n, String field) throws MalformedMessageException {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return Map.of();
        }
        if (!v.isObject()) {
            throw new MalformedMessageException("field '" + field + "' must be an object of strings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : v.properties()) {
            if (!e.getValue().isTextual()) {
                throw new MalformedMessageException("field '" + field + "." + e.getKey() + "' must be a string");
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return out;
    }
}
