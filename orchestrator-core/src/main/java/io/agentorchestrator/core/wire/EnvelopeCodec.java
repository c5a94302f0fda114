package io.agentorchestrator.core.wire;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
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
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The one wire format of every transport: tasks, results and directory messages as UTF-8 JSON
 * objects, specified field by field in {@code docs/wire-format.md} and by the JSON Schema
 * {@value #SCHEMA_RESOURCE} in {@code orchestrator-api}. Each broker module maps these bodies onto
 * its messages (stream entry fields, AMQP properties, Kafka headers and keys) and nothing more.
 *
 * <p>Reading is strict about what matters and lenient about the rest: a missing required field, a
 * wrong type or a {@code version} newer than {@link TaskEnvelope#WIRE_VERSION} is a
 * {@link ValidationException} naming the field (never echoing a payload); fields it does not know
 * are ignored, so a writer may add some without a new version. Stateless and thread-safe.
 */
public final class EnvelopeCodec {

    /** The media type of every body. */
    public static final String CONTENT_TYPE = "application/json";
    /** Class-path resource of the JSON Schema of every body (in {@code orchestrator-api}). */
    public static final String SCHEMA_RESOURCE = "/io/agentorchestrator/api/wire-format.schema.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private EnvelopeCodec() {
    }

    // ------------------------------------------------------------------ tasks

    /** A task as JSON bytes; every field but {@code key} and {@code replyTo} is always written. */
    public static byte[] encodeTask(TaskEnvelope t) {
        byte[] fast = EnvelopeWriter.task(t);
        return fast != null ? fast : referenceTask(t);
    }

    /**
     * The reference writer of tasks, Jackson's generator: what {@link EnvelopeWriter} must match
     * byte for byte, and what writes the rare task whose strings hold surrogates.
     */
    static byte[] referenceTask(TaskEnvelope t) {
        // Streamed rather than built as a tree: the payload goes from its bytes straight into base64
        // in the output, with no intermediate string or nodes (the same bytes as the tree wrote).
        try (Out out = new Out()) {
            JsonGenerator g = out.generator;
            g.writeStartObject();
            g.writeNumberField("version", t.version());
            g.writeStringField("taskId", t.taskId());
            g.writeStringField("capability", t.capability());
            writePayload(g, t.payload());
            g.writeNumberField("priority", t.priority());
            g.writeNumberField("deadlineEpochMillis", t.deadlineEpochMillis());
            if (t.key() != null) {
                g.writeStringField("key", t.key());
            }
            g.writeObjectFieldStart("headers");
            for (Map.Entry<String, String> h : t.headers().entrySet()) {
                g.writeStringField(h.getKey(), h.getValue());
            }
            g.writeEndObject();
            g.writeNumberField("attempt", t.attempt());
            if (t.replyTo() != null) {
                g.writeStringField("replyTo", t.replyTo());
            }
            g.writeEndObject();
            return out.bytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads a task.
     *
     * @throws ValidationException naming the first missing or malformed field
     */
    public static TaskEnvelope decodeTask(byte[] json) {
        if (json == null) {
            return treeTask(null);
        }
        // The writer's own layout first (every Java peer), then any JSON a parser can stream, then the tree.
        TaskEnvelope fast = LayoutReader.task(json);
        if (fast == null) {
            fast = FastReader.task(json);
        }
        return fast != null ? fast : treeTask(json);
    }

    /** The reference reader: a JSON tree, checked field by field; also what names the field of a bad task. */
    static TaskEnvelope treeTask(byte[] json) {
        JsonNode n = read(json, "task");
        int version = version(n);
        return new TaskEnvelope(version, requiredText(n, "taskId"), requiredText(n, "capability"), payload(n, true),
                requiredInt(n, "priority"), requiredLong(n, "deadlineEpochMillis"), optionalText(n, "key"),
                stringMap(n, "headers"), requiredInt(n, "attempt"), optionalText(n, "replyTo"));
    }

    // ------------------------------------------------------------------ results

    /**
     * A result as JSON bytes: {@code attempt} when stated (> 0), and the error fields only on
     * failure.
     */
    public static byte[] encodeResult(ResultEnvelope r) {
        byte[] fast = EnvelopeWriter.result(r);
        return fast != null ? fast : referenceResult(r);
    }

    /** The reference writer of results; see {@link #referenceTask}. */
    static byte[] referenceResult(ResultEnvelope r) {
        try (Out out = new Out()) {
            JsonGenerator g = out.generator;
            g.writeStartObject();
            g.writeNumberField("version", r.version());
            g.writeStringField("taskId", r.taskId());
            if (r.attempt() > 0) {
                g.writeNumberField("attempt", r.attempt());
            }
            g.writeStringField("agentId", r.agentId());
            g.writeBooleanField("success", r.success());
            writePayload(g, r.payload());
            if (!r.success()) {
                g.writeStringField("errorCode", r.errorCode());
                g.writeStringField("errorMessage", r.errorMessage());
                g.writeBooleanField("retryable", r.retryable());
            }
            g.writeEndObject();
            return out.bytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Standard base64 with padding and no line breaks, as {@link Base64#getEncoder()} writes it. */
    private static void writePayload(JsonGenerator g, Payload payload) throws IOException {
        g.writeFieldName("payload");
        // The JDK's encoder, written as is: base64 needs no escaping, and Jackson's writeBinary,
        // three bytes at a time, was the largest single cost of encoding a 1 KiB task.
        byte[] base64 = Base64.getEncoder().encode(payload.toByteArray());
        g.writeRawUTF8String(base64, 0, base64.length);
    }

    /** A generator writing into a byte array; I/O errors cannot happen in memory. */
    private static final class Out implements AutoCloseable {
        final ByteArrayBuilder buffer = new ByteArrayBuilder(2048);
        final JsonGenerator generator;

        Out() {
            try {
                generator = JSON.getFactory().createGenerator(buffer, JsonEncoding.UTF8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        byte[] bytes() {
            try {
                generator.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return buffer.toByteArray();
        }

        @Override
        public void close() {
            try {
                generator.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            buffer.release();
        }
    }

    /**
     * Reads a result; {@code attempt} 0 when it does not say.
     *
     * @throws ValidationException naming the first missing or malformed field
     */
    public static ResultEnvelope decodeResult(byte[] json) {
        if (json == null) {
            return treeResult(null);
        }
        ResultEnvelope fast = LayoutReader.result(json);
        if (fast == null) {
            fast = FastReader.result(json);
        }
        return fast != null ? fast : treeResult(json);
    }

    /** The reference reader of results; also what names the field of a bad result. */
    static ResultEnvelope treeResult(byte[] json) {
        JsonNode n = read(json, "result");
        int version = version(n);
        boolean success = requiredBoolean(n, "success");
        JsonNode attempt = n.get("attempt");
        int stated = attempt == null || attempt.isNull() ? 0 : requiredInt(n, "attempt");
        ValidationException.require(attempt == null || attempt.isNull() || stated >= 1, "attempt", "must be >= 1 when present", stated);
        String errorCode = optionalText(n, "errorCode");
        ValidationException.require(success || errorCode != null, "errorCode", "must be present when success is false", null);
        return new ResultEnvelope(version, requiredText(n, "taskId"), requiredText(n, "agentId"), success, payload(n, false),
                errorCode, optionalText(n, "errorMessage"), optionalBoolean(n, "retryable"), stated);
    }

    // ------------------------------------------------------------------ directory

    /** The JSON object of a descriptor, as announced and as kept in a broker's registry. */
    public static byte[] encodeDescriptor(AgentDescriptor d) {
        return write(descriptorNode(d));
    }

    /**
     * Reads a descriptor.
     *
     * @throws ValidationException naming the first missing or malformed field
     */
    public static AgentDescriptor decodeDescriptor(byte[] json) {
        return descriptor(read(json, "agent"), "");
    }

    /** An announcement (the heartbeat is the same message again) of {@code agent} with a lease of {@code ttlMillis}. */
    public static byte[] encodeAnnouncement(AgentDescriptor agent, long ttlMillis) {
        ValidationException.require(ttlMillis > 0, "ttlMillis", "must be > 0", ttlMillis);
        ObjectNode n = directoryNode(DirectoryMessage.ANNOUNCE);
        n.put("agentId", agent.id());
        n.put("ttlMillis", ttlMillis);
        n.set("agent", descriptorNode(agent));
        return write(n);
    }

    /** A withdrawal of an agent; {@code reason} is {@value DirectoryMessage#WITHDRAWN} or {@value DirectoryMessage#EXPIRED}. */
    public static byte[] encodeWithdrawal(String agentId, String reason) {
        ObjectNode n = directoryNode(DirectoryMessage.WITHDRAW);
        n.put("agentId", ValidationException.requireNonNull(agentId, "agentId"));
        n.put("reason", ValidationException.requireNonNull(reason, "reason"));
        return write(n);
    }

    /** A query asking every agent to announce itself again. */
    public static byte[] encodeQuery() {
        return write(directoryNode(DirectoryMessage.QUERY));
    }

    /**
     * Reads a directory message.
     *
     * @throws ValidationException naming the first missing or malformed field
     */
    public static DirectoryMessage decodeDirectoryMessage(byte[] json) {
        JsonNode n = read(json, "directory message");
        version(n);
        String type = requiredText(n, "type");
        switch (type) {
            case DirectoryMessage.ANNOUNCE -> {
                long ttl = requiredLong(n, "ttlMillis");
                ValidationException.require(ttl > 0, "ttlMillis", "must be > 0", ttl);
                JsonNode agent = n.get("agent");
                ValidationException.require(agent != null && agent.isObject(), "agent", "must be a JSON object", kind(agent));
                AgentDescriptor d = descriptor(agent, "agent.");
                String agentId = optionalText(n, "agentId");
                ValidationException.require(agentId == null || agentId.equals(d.id()), "agentId", "must equal agent.id '" + d.id() + "'",
                        agentId);
                return new DirectoryMessage.Announcement(d, ttl);
            }
            case DirectoryMessage.WITHDRAW -> {
                return new DirectoryMessage.Withdrawal(AgentDescriptor.requireId(requiredText(n, "agentId"), "agentId"),
                        optionalText(n, "reason"));
            }
            case DirectoryMessage.QUERY -> {
                return new DirectoryMessage.Query();
            }
            default -> throw new ValidationException("type", "must be announce, withdraw or query", type);
        }
    }

    // ------------------------------------------------------------------ helpers

    private static ObjectNode directoryNode(String type) {
        ObjectNode n = JSON.createObjectNode();
        n.put("version", TaskEnvelope.WIRE_VERSION);
        n.put("type", type);
        return n;
    }

    private static ObjectNode descriptorNode(AgentDescriptor d) {
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

    private static AgentDescriptor descriptor(JsonNode o, String path) {
        try {
            AgentDescriptor.Builder b = AgentDescriptor.builder(requiredText(o, "id")).endpoint(requiredText(o, "endpoint"));
            String name = optionalText(o, "name");
            if (name != null) {
                b.name(name);
            }
            JsonNode caps = o.get("capabilities");
            ValidationException.require(caps != null && caps.isArray(), "capabilities", "must be a JSON array of strings", kind(caps));
            for (JsonNode c : caps) {
                ValidationException.require(c.isTextual(), "capabilities", "must hold strings only", kind(c));
                b.capability(c.textValue());
            }
            if (o.hasNonNull("weight")) {
                b.weight(requiredInt(o, "weight"));
            }
            if (o.hasNonNull("maxConcurrency")) {
                b.maxConcurrency(requiredInt(o, "maxConcurrency"));
            }
            b.metadata(stringMap(o, "metadata"));
            String version = optionalText(o, "version");
            if (version != null) {
                b.version(version);
            }
            return b.build();
        } catch (ValidationException e) {
            throw path.isEmpty() ? e : new ValidationException(path + e.field(), e.rule(), e.value());
        }
    }

    private static byte[] write(ObjectNode n) {
        try {
            return JSON.writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("A tree of strings and numbers always serialises", e);
        }
    }

    private static JsonNode read(byte[] json, String what) {
        ValidationException.require(json != null && json.length > 0, what, "must be a JSON object", "empty");
        JsonNode n;
        boolean trailing;
        try (JsonParser p = JSON.createParser(json)) {
            n = JSON.readTree(p);
            // readTree stops after the first value: what follows it would otherwise go unread, unseen.
            try {
                trailing = p.nextToken() != null;
            } catch (JsonProcessingException e) {
                trailing = true;
            }
        } catch (JsonProcessingException e) {
            // Never echo the text: it may carry a payload.
            long at = e.getLocation() == null ? -1
                    : e.getLocation().getCharOffset() >= 0 ? e.getLocation().getCharOffset() : e.getLocation().getByteOffset();
            throw new ValidationException(what, "must be valid JSON (broken at byte " + at + ")", json.length + " bytes");
        } catch (IOException e) {
            throw new ValidationException(what, "must be valid JSON (" + e.getMessage() + ")", json.length + " bytes");
        }
        // A parser over nothing but whitespace gives no tree at all (readTree of the bytes gave a missing node).
        ValidationException.require(n != null && n.isObject(), what, "must be a JSON object", n == null ? "missing" : kind(n));
        ValidationException.require(!trailing, what, "must be one JSON object with nothing after it but whitespace", json.length + " bytes");
        return n;
    }

    private static int version(JsonNode n) {
        int version = requiredInt(n, "version");
        ValidationException.require(version >= 1, "version", "must be >= 1", version);
        ValidationException.require(version <= TaskEnvelope.WIRE_VERSION, "version", "must be at most " + TaskEnvelope.WIRE_VERSION
                + " (a newer wire format than this library reads: upgrade io.agentorchestrator)", version);
        return version;
    }

    private static Payload payload(JsonNode n, boolean required) {
        String base64 = required ? requiredText(n, "payload") : optionalText(n, "payload");
        if (base64 == null || base64.isEmpty()) {
            return Payload.empty();
        }
        try {
            return Payload.wrap(Base64.getDecoder().decode(base64));
        } catch (IllegalArgumentException e) {
            throw new ValidationException("payload", "must be standard base64 (" + e.getMessage() + ")", base64.length() + " characters");
        }
    }

    private static Map<String, String> stringMap(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return Map.of();
        }
        ValidationException.require(v.isObject(), field, "must be a JSON object of strings", kind(v));
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : v.properties()) {
            ValidationException.require(e.getValue().isTextual(), field + "['" + e.getKey() + "']", "must be a string", kind(e.getValue()));
            out.put(e.getKey(), e.getValue().textValue());
        }
        return out;
    }

    private static String requiredText(JsonNode n, String field) {
        JsonNode v = n.get(field);
        ValidationException.require(v != null && !v.isNull(), field, "must be present", null);
        ValidationException.require(v.isTextual(), field, "must be a string", kind(v));
        return v.textValue();
    }

    private static String optionalText(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        ValidationException.require(v.isTextual(), field, "must be a string", kind(v));
        return v.textValue();
    }

    private static int requiredInt(JsonNode n, String field) {
        JsonNode v = n.get(field);
        ValidationException.require(v != null && !v.isNull(), field, "must be present", null);
        ValidationException.require(v.isIntegralNumber() && v.canConvertToInt(), field, "must be an integer", v.toString());
        return v.intValue();
    }

    private static long requiredLong(JsonNode n, String field) {
        JsonNode v = n.get(field);
        ValidationException.require(v != null && !v.isNull(), field, "must be present", null);
        ValidationException.require(v.isIntegralNumber() && v.canConvertToLong(), field, "must be an integer", v.toString());
        return v.longValue();
    }

    private static boolean requiredBoolean(JsonNode n, String field) {
        JsonNode v = n.get(field);
        ValidationException.require(v != null && v.isBoolean(), field, "must be true or false", v == null ? null : v.toString());
        return v.booleanValue();
    }

    private static boolean optionalBoolean(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return false;
        }
        ValidationException.require(v.isBoolean(), field, "must be true or false", v.toString());
        return v.booleanValue();
    }

    /** What a value is, for messages, without echoing it (strings may be payloads). */
    private static String kind(JsonNode v) {
        return v == null ? null : v.isTextual() ? "a string" : v.getNodeType().toString().toLowerCase(Locale.ROOT);
    }

    /**
     * Reads well-formed tasks and results in one pass over the bytes with Jackson's streaming
     * parser: no tree of nodes and no error text built while all is well, which was half the CPU
     * of a broker round trip. It gives up (returns null) on anything it is not sure of &mdash; a
     * missing field, a wrong type, an out-of-range version, bad base64, broken JSON &mdash; and
     * the caller then runs the tree reader, which decides and words the error exactly as before.
     * So both readers accept the same input and only the reference one ever rejects.
     */
    static final class FastReader {
        private FastReader() {
        }

        static TaskEnvelope task(byte[] json) {
            try (JsonParser p = JSON.getFactory().createParser(json)) {
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    return null;
                }
                int version = -1;
                int priority = -1;
                int attempt = -1;
                long deadline = -1;
                boolean hasDeadline = false;
                String taskId = null;
                String capability = null;
                Payload payload = null;
                String key = null;
                String replyTo = null;
                Map<String, String> headers = Map.of();
                String name;
                while ((name = p.nextFieldName()) != null) {
                    JsonToken t = p.nextToken();
                    switch (name) {
                        case "version" -> version = smallInt(p, t);
                        case "taskId" -> taskId = text(p, t);
                        case "capability" -> capability = text(p, t);
                        case "payload" -> {
                            if (t != JsonToken.VALUE_STRING) {
                                return null;
                            }
                            payload = base64(p, json);
                            if (payload == null) {
                                return null;
                            }
                        }
                        case "priority" -> priority = smallInt(p, t);
                        case "deadlineEpochMillis" -> {
                            if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                                return null;
                            }
                            deadline = p.getLongValue();
                            hasDeadline = true;
                        }
                        case "key" -> key = optionalText(p, t);
                        case "replyTo" -> replyTo = optionalText(p, t);
                        case "headers" -> headers = headers(p, t);
                        case "attempt" -> attempt = smallInt(p, t);
                        default -> p.skipChildren();
                    }
                }
                if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null || version < 1 || version > TaskEnvelope.WIRE_VERSION
                        || taskId == null || capability == null || payload == null || priority == -1 || !hasDeadline || attempt == -1) {
                    return null;
                }
                return new TaskEnvelope(version, taskId, capability, payload, priority, deadline, key, headers, attempt, replyTo);
            } catch (IOException | RuntimeException e) {
                // Broken JSON, a wrong type (UNSURE) or a value the constructors refuse: the tree reader says which.
                return null;
            }
        }

        static ResultEnvelope result(byte[] json) {
            try (JsonParser p = JSON.getFactory().createParser(json)) {
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    return null;
                }
                int version = -1;
                int attempt = 0;
                String taskId = null;
                String agentId = null;
                Payload payload = Payload.empty();
                String errorCode = null;
                String errorMessage = null;
                int success = -1;
                boolean retryable = false;
                String name;
                while ((name = p.nextFieldName()) != null) {
                    JsonToken t = p.nextToken();
                    switch (name) {
                        case "version" -> version = smallInt(p, t);
                        case "taskId" -> taskId = text(p, t);
                        case "agentId" -> agentId = text(p, t);
                        case "attempt" -> {
                            // Absent or null means "not stated" (0); stated, it must be >= 1.
                            attempt = t == JsonToken.VALUE_NULL ? 0 : smallInt(p, t);
                            if (attempt < (t == JsonToken.VALUE_NULL ? 0 : 1)) {
                                return null;
                            }
                        }
                        case "success" -> success = t == JsonToken.VALUE_TRUE ? 1 : t == JsonToken.VALUE_FALSE ? 0 : -1;
                        case "payload" -> {
                            if (t == JsonToken.VALUE_NULL) {
                                payload = Payload.empty();
                            } else if (t != JsonToken.VALUE_STRING) {
                                throw UNSURE;
                            } else {
                                payload = base64(p, json);
                                if (payload == null) {
                                    return null;
                                }
                            }
                        }
                        case "errorCode" -> errorCode = optionalText(p, t);
                        case "errorMessage" -> errorMessage = optionalText(p, t);
                        case "retryable" -> retryable = optionalBoolean(t);
                        default -> p.skipChildren();
                    }
                }
                if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null || version < 1 || version > TaskEnvelope.WIRE_VERSION
                        || taskId == null || agentId == null || success == -1 || (success == 0 && errorCode == null)) {
                    return null;
                }
                return new ResultEnvelope(version, taskId, agentId, success == 1, payload, errorCode, errorMessage, retryable, attempt);
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }

        /**
         * Thrown by the helpers below on a value of the wrong type, and caught as "not sure": the
         * tree reader then names the field. Shared and without a stack trace, as it says nothing more.
         */
        private static final RuntimeException UNSURE = new RuntimeException("left to the tree reader", null, false, false) {
            private static final long serialVersionUID = 1L;
        };

        /** A string value, or null for any other token (including JSON null): a required field then counts as missing. */
        private static String text(JsonParser p, JsonToken t) throws IOException {
            return t == JsonToken.VALUE_STRING ? p.getText() : null;
        }

        /** A string value, null for JSON null, {@link #UNSURE} for any other type. */
        private static String optionalText(JsonParser p, JsonToken t) throws IOException {
            if (t == JsonToken.VALUE_NULL) {
                return null;
            }
            if (t != JsonToken.VALUE_STRING) {
                throw UNSURE;
            }
            return p.getText();
        }

        /** true or false, false for JSON null, {@link #UNSURE} for any other type. */
        private static boolean optionalBoolean(JsonToken t) {
            if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE && t != JsonToken.VALUE_NULL) {
                throw UNSURE;
            }
            return t == JsonToken.VALUE_TRUE;
        }

        /** An integer that fits an int and is >= 0, else -1 (the tree reader then judges it). */
        private static int smallInt(JsonParser p, JsonToken t) throws IOException {
            if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT) {
                return -1;
            }
            int v = p.getIntValue();
            return v < 0 ? -1 : v;
        }

        /** An object of strings in order, empty for JSON null, {@link #UNSURE} for anything else. */
        private static Map<String, String> headers(JsonParser p, JsonToken t) throws IOException {
            if (t == JsonToken.VALUE_NULL) {
                return Map.of();
            }
            if (t != JsonToken.START_OBJECT) {
                throw UNSURE;
            }
            Map<String, String> out = new LinkedHashMap<>();
            String name;
            while ((name = p.nextFieldName()) != null) {
                if (p.nextToken() != JsonToken.VALUE_STRING) {
                    throw UNSURE;
                }
                out.put(name, p.getText());
            }
            return out;
        }

        /**
         * The string value the parser stands on, base64-decoded; empty for "", null when it is not
         * base64. Plain base64 (no escape in it) is decoded straight from the input bytes, so no
         * String of a kilobyte is built only to be decoded and dropped; an escaped one goes through
         * the parser's text, as the tree reader takes it.
         */
        private static Payload base64(JsonParser p, byte[] json) throws IOException {
            long quote = p.currentTokenLocation().getByteOffset();
            if (quote >= 0 && quote < json.length && json[(int) quote] == '"') {
                int start = (int) quote + 1;
                int end = endOfPlainString(json, start);
                if (end < json.length && json[end] == '"') {
                    if (end == start) {
                        return Payload.empty();
                    }
                    try {
                        ByteBuffer decoded = Base64.getDecoder().decode(ByteBuffer.wrap(json, start, end - start));
                        byte[] out = decoded.array();
                        return Payload.wrap(decoded.remaining() == out.length ? out : Arrays.copyOf(out, decoded.remaining()));
                    } catch (IllegalArgumentException e) {
                        return null;
                    }
                }
            }
            return payload(p.getText());
        }

        private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
        private static final long ONES = 0x0101010101010101L;
        private static final long HIGHS = 0x8080808080808080L;
        private static final long QUOTES = ONES * '"';
        private static final long BACKSLASHES = ONES * '\\';

        /**
         * The index of the first quote or backslash at or after {@code from}, or the length. Eight
         * bytes at a time (a word has such a byte when one of its bytes XOR the character is zero):
         * a byte at a time, this scan of a kilobyte of base64 was the largest cost of reading a task.
         */
        static int endOfPlainString(byte[] b, int from) {
            int i = from;
            for (; i + Long.BYTES <= b.length; i += Long.BYTES) {
                long w = (long) LONGS.get(b, i);
                long q = w ^ QUOTES;
                long e = w ^ BACKSLASHES;
                // Nonzero exactly when the word has a zero byte; the byte loop below then finds which.
                if (((((q - ONES) & ~q) | ((e - ONES) & ~e)) & HIGHS) != 0) {
                    break;
                }
            }
            while (i < b.length && b[i] != '"' && b[i] != '\\') {
                i++;
            }
            return i;
        }

        /** Decoded base64, empty for "", null when it is not base64. */
        private static Payload payload(String base64) {
            if (base64.isEmpty()) {
                return Payload.empty();
            }
            try {
                return Payload.wrap(Base64.getDecoder().decode(base64));
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
    }
}
