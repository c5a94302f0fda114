package io.agentorchestrator.core.a2a;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * The two JSON-RPC dialects of A2A this library speaks: 1.0 ({@code SendMessage},
 * {@code TASK_STATE_COMPLETED}, parts as {@code {"text": ...}}) and 0.3 ({@code message/send},
 * {@code completed}, parts as {@code {"kind": "text", "text": ...}}).
 */
enum A2aProtocol {

    V1("1.0", "SendMessage", "GetTask", "CancelTask"),
    V03("0.3", "message/send", "tasks/get", "tasks/cancel");

    /** HTTP header carrying the protocol version (A2A 1.0). */
    static final String VERSION_HEADER = "A2A-Version";

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final String version;
    final String sendMethod;
    final String getMethod;
    final String cancelMethod;

    A2aProtocol(String version, String sendMethod, String getMethod, String cancelMethod) {
        this.version = version;
        this.sendMethod = sendMethod;
        this.getMethod = getMethod;
        this.cancelMethod = cancelMethod;
    }

    /** The version as cards and the {@code A2A-Version} header write it. */
    String version() {
        return version;
    }

    /** The dialect for a card's or a descriptor's protocol version; {@code null} and 1.x mean 1.0. */
    static A2aProtocol of(String version) {
        if (version == null || version.isBlank() || version.startsWith("1.")) {
            return V1;
        }
        if (version.startsWith("0.3") || version.startsWith("0.2")) {
            return V03;
        }
        return null;
    }

    /** The states a task can be in, as both dialects name them. */
    enum State {
        SUBMITTED, WORKING, INPUT_REQUIRED, AUTH_REQUIRED, COMPLETED, FAILED, CANCELED, REJECTED, UNKNOWN;

        /** Whether the task ended or waits for someone else (we stop following it). */
        boolean settled() {
            return this != SUBMITTED && this != WORKING && this != UNKNOWN;
        }

        /** Reads {@code "TASK_STATE_INPUT_REQUIRED"} (1.0) or {@code "input-required"} (0.3); anything else is UNKNOWN. */
        static State parse(String s) {
            if (s == null) {
                return UNKNOWN;
            }
            String n = s.toUpperCase(Locale.ROOT).replace('-', '_');
            if (n.startsWith("TASK_STATE_")) {
                n = n.substring("TASK_STATE_".length());
            }
            if (n.equals("CANCELLED")) {
                n = "CANCELED";
            }
            try {
                return valueOf(n);
            } catch (IllegalArgumentException e) {
                return UNKNOWN;
            }
        }

        /** The 0.3 wire name, as our error codes use it: {@code input-required}. */
        String wireName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * The params of a send: one user message holding the payload as one part (text when it is
     * valid UTF-8, else raw bytes), with our task's fields in its metadata, sent without
     * blocking so the task id comes back at once.
     */
    ObjectNode sendParams(String messageId, byte[] payload, ObjectNode metadata) {
        ObjectNode message = JSON.objectNode();
        if (this == V03) {
            message.put("kind", "message");
        }
        message.put("messageId", messageId);
        message.put("role", this == V1 ? "ROLE_USER" : "user");
        ArrayNode parts = message.putArray("parts");
        String text = utf8(payload);
        ObjectNode part = parts.addObject();
        if (this == V1) {
            if (text != null) {
                part.put("text", text);
                part.put("mediaType", "text/plain");
            } else {
                part.put("raw", Base64.getEncoder().encodeToString(payload));
                part.put("mediaType", "application/octet-stream");
            }
        } else if (text != null) {
            part.put("kind", "text");
            part.put("text", text);
        } else {
            part.put("kind", "file");
            ObjectNode file = part.putObject("file");
            file.put("bytes", Base64.getEncoder().encodeToString(payload));
            file.put("mimeType", "application/octet-stream");
        }
        message.set("metadata", metadata);
        ObjectNode params = JSON.objectNode();
        params.set("message", message);
        ObjectNode configuration = params.putObject("configuration");
        if (this == V1) {
            configuration.put("returnImmediately", true);
        } else {
            configuration.put("blocking", false);
        }
        return params;
    }

    /** The params of a get or a cancel. */
    ObjectNode taskIdParams(String remoteTaskId) {
        ObjectNode params = JSON.objectNode();
        params.put("id", remoteTaskId);
        return params;
    }

    /**
     * The task in a send's result, or {@code null} when the agent answered with a message
     * instead of a task (which A2A allows for interactions that need no task).
     */
    JsonNode taskOfSendResult(JsonNode result) {
        if (this == V1) {
            return result.get("task");
        }
        JsonNode kind = result.get("kind");
        return kind != null && "message".equals(kind.asText()) ? null : result;
    }

    /** The message in a send's result when the agent answered with one. */
    JsonNode messageOfSendResult(JsonNode result) {
        return this == V1 ? result.get("message") : result;
    }

    /** Concatenates the content of parts: text as UTF-8, raw or file bytes as they are, data as JSON. */
    static void appendParts(JsonNode parts, ByteArrayOutputStream out) {
        if (parts == null || !parts.isArray()) {
            return;
        }
        for (JsonNode part : parts) {
            JsonNode text = part.get("text");
            if (text != null && text.isTextual()) {
                out.writeBytes(text.textValue().getBytes(StandardCharsets.UTF_8));
                continue;
            }
            JsonNode raw = part.get("raw");
            JsonNode file = part.get("file");
            JsonNode bytes = raw != null ? raw : file != null ? file.get("bytes") : null;
            if (bytes != null && bytes.isTextual()) {
                out.writeBytes(Base64.getDecoder().decode(bytes.textValue()));
                continue;
            }
            JsonNode data = part.get("data");
            if (data != null && !data.isNull()) {
                out.writeBytes(data.toString().getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    /** The text of a message's parts, or {@code ""}. */
    static String textOf(JsonNode message) {
        if (message == null || message.isNull()) {
            return "";
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            appendParts(message.get("parts"), out);
        } catch (IllegalArgumentException e) {
            return "(unreadable message: " + e.getMessage() + ")";
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The bytes as a string when they are valid UTF-8, else {@code null}. */
    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
