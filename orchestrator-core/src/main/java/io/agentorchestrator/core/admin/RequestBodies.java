package io.agentorchestrator.core.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentStatus;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.ValidationException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Reads the admin API's request bodies into the library's own value types, so a bad field gets
 * the very {@link ValidationException} message the library gives everywhere else.
 */
final class RequestBodies {

    private static final Set<String> AGENT_FIELDS = Set.of("id", "name", "capabilities", "endpoint", "weight", "maxConcurrency",
            "metadata", "version");
    private static final Set<String> STATUS_FIELDS = Set.of("status", "reason");
    private static final Set<String> TASK_FIELDS = Set.of("id", "capability", "payload", "priority", "timeoutMillis", "key", "headers");
    /** Longest task timeout the API accepts: it holds a server thread while the task runs. */
    static final long MAX_TASK_TIMEOUT_MILLIS = 600_000;

    private RequestBodies() {
    }

    static ObjectNode object(byte[] body, Set<String> known) {
        JsonNode node;
        try {
            node = JsonViews.JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ValidationException("body", "must be a JSON object (" + e.getOriginalMessage() + ")",
                    new String(body, StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw new ValidationException("body", "must be readable JSON", e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw new ValidationException("body", "must be a JSON object", node == null ? "empty" : node.toString());
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext();) {
            String name = names.next();
            ValidationException.require(known.contains(name), name, "is not a known field (known: " + new java.util.TreeSet<>(known) + ")",
                    node.get(name).toString());
        }
        return (ObjectNode) node;
    }

    private static String text(ObjectNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        ValidationException.require(v.isTextual(), field, "must be a string", v.toString());
        return v.asText();
    }

    private static Integer integer(ObjectNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        ValidationException.require(v.canConvertToInt() && v.isIntegralNumber(), field, "must be an integer", v.toString());
        return v.asInt();
    }

    private static Long longValue(ObjectNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        ValidationException.require(v.canConvertToLong() && v.isIntegralNumber(), field, "must be an integer", v.toString());
        return v.asLong();
    }

    /** An agent descriptor from a register or update body; {@code pathId} is the id in the URL of an update, else null. */
    static AgentDescriptor agent(byte[] body, String pathId) {
        ObjectNode n = object(body, AGENT_FIELDS);
        String id = text(n, "id");
        if (pathId != null) {
            ValidationException.require(id == null || id.equals(pathId), "id", "must match the id in the path ('" + pathId + "')", id);
            id = pathId;
        }
        ValidationException.requireNonNull(id, "id");
        AgentDescriptor.Builder b = AgentDescriptor.builder(id);
        String name = text(n, "name");
        if (name != null) {
            b.name(name);
        }
        JsonNode caps = n.get("capabilities");
        if (caps != null && !caps.isNull()) {
            ValidationException.require(caps.isArray(), "capabilities", "must be an array of strings", caps.toString());
            for (JsonNode c : caps) {
                ValidationException.require(c.isTextual(), "capability", "must be a string", c.toString());
                b.capability(c.asText());
            }
        }
        String endpoint = text(n, "endpoint");
        if (endpoint != null) {
            b.endpoint(endpoint);
        }
        Integer weight = integer(n, "weight");
        if (weight != null) {
            b.weight(weight);
        }
        Integer max = integer(n, "maxConcurrency");
        if (max != null) {
            b.maxConcurrency(max);
        }
        JsonNode meta = n.get("metadata");
        if (meta != null && !meta.isNull()) {
            ValidationException.require(meta.isObject(), "metadata", "must be an object of strings", meta.toString());
            for (Iterator<Map.Entry<String, JsonNode>> it = meta.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                ValidationException.require(e.getValue().isTextual(), "metadata['" + e.getKey() + "']", "must be a string", e.getValue().toString());
                b.metadata(e.getKey(), e.getValue().asText());
            }
        }
        String version = text(n, "version");
        if (version != null) {
            b.version(version);
        }
        return b.build();
    }

    /** A status change: the status, and the reason (a default one when the body gives none). */
    record StatusChange(AgentStatus status, String reason) {
    }

    static StatusChange status(byte[] body) {
        ObjectNode n = object(body, STATUS_FIELDS);
        String s = text(n, "status");
        ValidationException.requireNonNull(s, "status");
        AgentStatus status;
        try {
            status = AgentStatus.valueOf(s);
        } catch (IllegalArgumentException e) {
            throw new ValidationException("status", "must be one of HEALTHY, UNHEALTHY, DRAINING", s);
        }
        String reason = text(n, "reason");
        if (reason == null) {
            reason = "set through the admin API";
        }
        ValidationException.require(!reason.isBlank() && reason.length() <= 256, "reason", "must be 1-256 characters and not blank", reason);
        return new StatusChange(status, reason);
    }

    static Task task(byte[] body) {
        ObjectNode n = object(body, TASK_FIELDS);
        String capability = text(n, "capability");
        Task.Builder b = Task.builder(capability);
        String id = text(n, "id");
        if (id != null) {
            b.id(id);
        }
        String payload = text(n, "payload");
        if (payload != null) {
            b.payload(payload);
        }
        Integer priority = integer(n, "priority");
        if (priority != null) {
            b.priority(priority);
        }
        Long timeout = longValue(n, "timeoutMillis");
        if (timeout != null) {
            ValidationException.require(timeout >= 1 && timeout <= MAX_TASK_TIMEOUT_MILLIS, "timeoutMillis",
                    "must be between 1 and " + MAX_TASK_TIMEOUT_MILLIS, timeout);
            b.timeout(Duration.ofMillis(timeout));
        }
        String key = text(n, "key");
        if (key != null) {
            b.key(key);
        }
        JsonNode headers = n.get("headers");
        if (headers != null && !headers.isNull()) {
            ValidationException.require(headers.isObject(), "headers", "must be an object of strings", headers.toString());
            for (Iterator<Map.Entry<String, JsonNode>> it = headers.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                ValidationException.require(e.getValue().isTextual(), "header '" + e.getKey() + "'", "must be a string", e.getValue().toString());
                b.header(e.getKey(), e.getValue().asText());
            }
        }
        return b.build();
    }
}
