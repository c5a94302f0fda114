package io.agentorchestrator.core.a2a;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.ValidationException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A parsed, checked agent card: the fields the orchestrator needs, each validated with a
 * message naming it ({@code card.skills[2].id}).
 *
 * <p>Required: {@code name}, {@code version}, at least one skill with an {@code id}, and a
 * JSON-RPC interface with an absolute http(s) URL ({@code supportedInterfaces} in A2A 1.0,
 * {@code url} with {@code preferredTransport} and {@code additionalInterfaces} in 0.3). The
 * other fields are checked for their type when present and kept as metadata.
 */
record A2aCard(String name, String version, List<String> skillIds, URI interfaceUrl, A2aProtocol protocol,
        Map<String, String> metadata) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Reads and checks a card.
     *
     * @throws ValidationException naming the first field that breaks its rule
     */
    static A2aCard parse(byte[] json, URI cardUrl) {
        JsonNode card;
        try {
            card = JSON.readTree(json);
        } catch (IOException e) {
            throw new ValidationException("card", "must be valid JSON ("
                    + (e instanceof JsonProcessingException ? ((JsonProcessingException) e).getOriginalMessage() : e.getMessage()) + ")",
                    json.length + " bytes from " + cardUrl);
        }
        ValidationException.require(card != null && card.isObject(), "card", "must be a JSON object",
                card == null ? "empty" : card.getNodeType());

        String name = requiredText(card, "name", 256);
        String version = requiredText(card, "version", 64);

        JsonNode skills = card.get("skills");
        ValidationException.require(skills != null && skills.isArray(), "card.skills", "must be an array of skills",
                skills == null ? null : skills.getNodeType());
        ValidationException.require(skills.size() >= 1, "card.skills", "must hold at least one skill (its ids become the capabilities)",
                skills.toString());
        ValidationException.require(skills.size() <= AgentDescriptor.MAX_CAPABILITIES, "card.skills",
                "must hold at most " + AgentDescriptor.MAX_CAPABILITIES + " skills", skills.size());
        List<String> skillIds = new ArrayList<>();
        Map<String, String> skillNames = new LinkedHashMap<>();
        for (int i = 0; i < skills.size(); i++) {
            JsonNode skill = skills.get(i);
            String field = "card.skills[" + i + "]";
            ValidationException.require(skill.isObject(), field, "must be an object", skill.getNodeType());
            JsonNode id = skill.get("id");
            ValidationException.require(id != null && id.isTextual(), field + ".id", "must be present and a string",
                    id == null ? null : id.toString());
            String skillId = AgentDescriptor.requireCapability(id.textValue(), field + ".id");
            ValidationException.require(!skillIds.contains(skillId), field + ".id", "must be unique among the card's skills", skillId);
            skillIds.add(skillId);
            String skillName = optionalText(skill, "name", field + ".name");
            skillNames.put(skillId, skillName == null ? skillId : skillName);
        }

        Interface chosen = chooseInterface(card);

        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(A2aAgents.CARD_URL_KEY, cut(cardUrl.toString()));
        metadata.put(A2aAgents.PROTOCOL_VERSION_KEY, chosen.protocol().version());
        putText(metadata, A2aAgents.DESCRIPTION_KEY, optionalText(card, "description", "card.description"));
        JsonNode provider = card.get("provider");
        if (provider != null && !provider.isNull()) {
            ValidationException.require(provider.isObject(), "card.provider", "must be an object", provider.getNodeType());
            putText(metadata, A2aAgents.PROVIDER_ORGANIZATION_KEY, optionalText(provider, "organization", "card.provider.organization"));
            putText(metadata, A2aAgents.PROVIDER_URL_KEY, optionalText(provider, "url", "card.provider.url"));
        }
        putText(metadata, A2aAgents.DOCUMENTATION_URL_KEY, optionalText(card, "documentationUrl", "card.documentationUrl"));
        putText(metadata, A2aAgents.ICON_URL_KEY, optionalText(card, "iconUrl", "card.iconUrl"));
        JsonNode capabilities = card.get("capabilities");
        if (capabilities != null && !capabilities.isNull()) {
            ValidationException.require(capabilities.isObject(), "card.capabilities", "must be an object",
                    capabilities.getNodeType());
            putFlag(metadata, A2aAgents.STREAMING_KEY, capabilities, "streaming");
            putFlag(metadata, A2aAgents.PUSH_NOTIFICATIONS_KEY, capabilities, "pushNotifications");
        }
        putText(metadata, A2aAgents.INPUT_MODES_KEY, modes(card, "defaultInputModes"));
        putText(metadata, A2aAgents.OUTPUT_MODES_KEY, modes(card, "defaultOutputModes"));
        JsonNode schemes = card.get("securitySchemes");
        if (schemes != null && !schemes.isNull()) {
            ValidationException.require(schemes.isObject(), "card.securitySchemes", "must be an object", schemes.getNodeType());
            List<String> names = new ArrayList<>();
            schemes.fieldNames().forEachRemaining(names::add);
            putText(metadata, A2aAgents.SECURITY_SCHEMES_KEY, String.join(",", names));
        }
        for (Map.Entry<String, String> e : skillNames.entrySet()) {
            String key = A2aAgents.SKILL_KEY_PREFIX + e.getKey();
            // The descriptor holds a bounded number of labels; skill names are the first to go.
            if (metadata.size() < AgentDescriptor.MAX_METADATA_ENTRIES && key.length() <= AgentDescriptor.MAX_METADATA_KEY_LENGTH) {
                metadata.put(key, cut(e.getValue()));
            }
        }
        return new A2aCard(name, version, List.copyOf(skillIds), chosen.url(), chosen.protocol(), metadata);
    }

    /** The descriptor of the card's agent; {@code agentId} null means derived from the name. */
    AgentDescriptor toDescriptor(String agentId) {
        AgentDescriptor.Builder b = AgentDescriptor.builder(agentId != null ? agentId : idOf(name)).name(name).version(version)
                .endpoint(URI.create(A2aTransport.SCHEME + ":" + interfaceUrl)).metadata(metadata);
        skillIds.forEach(b::capability);
        return b.build();
    }

    /** The card's name as an agent id: runs of characters an id may not hold become one '-'. */
    static String idOf(String name) {
        String id = name.trim().replaceAll("[^A-Za-z0-9._:-]+", "-").replaceAll("^[^A-Za-z0-9]+", "");
        if (id.length() > 128) {
            id = id.substring(0, 128);
        }
        ValidationException.require(!id.isEmpty(), "card.name", "must hold at least one letter or digit (it becomes the agent id)", name);
        return id;
    }

    private record Interface(URI url, A2aProtocol protocol) {
    }

    /** The JSON-RPC interface to use: of A2A 1.0 when offered, else 0.3. */
    private static Interface chooseInterface(JsonNode card) {
        List<String> seen = new ArrayList<>();
        Interface best = null;
        JsonNode supported = card.get("supportedInterfaces");
        if (supported != null && !supported.isNull()) {
            ValidationException.require(supported.isArray(), "card.supportedInterfaces", "must be an array",
                    supported.getNodeType());
            for (int i = 0; i < supported.size(); i++) {
                JsonNode in = supported.get(i);
                String field = "card.supportedInterfaces[" + i + "]";
                ValidationException.require(in.isObject(), field, "must be an object", in.getNodeType());
                String binding = requiredText(in, "protocolBinding", field + ".protocolBinding", 64);
                String version = optionalText(in, "protocolVersion", field + ".protocolVersion");
                seen.add(binding + " " + (version == null ? "1.0" : version));
                A2aProtocol protocol = A2aProtocol.of(version);
                if (isJsonRpc(binding) && protocol != null && (best == null || better(protocol, best.protocol()))) {
                    best = new Interface(httpUrl(requiredText(in, "url", field + ".url", 2048), field + ".url"), protocol);
                }
            }
        }
        if (best == null && supported == null) {
            // An A2A 0.3 card: its main url, or one of its additional interfaces.
            JsonNode url = card.get("url");
            String preferred = optionalText(card, "preferredTransport", "card.preferredTransport");
            String version = optionalText(card, "protocolVersion", "card.protocolVersion");
            A2aProtocol protocol = A2aProtocol.of(version == null ? "0.3" : version);
            ValidationException.require(url != null || card.has("additionalInterfaces"), "card.supportedInterfaces",
                    "must be present (A2A 1.0), or card.url (A2A 0.3)", null);
            if (protocol != null && url != null && isJsonRpc(preferred == null ? "JSONRPC" : preferred)) {
                best = new Interface(httpUrl(requiredText(card, "url", 2048), "card.url"), protocol);
            }
            seen.add((preferred == null ? "JSONRPC" : preferred) + " " + (version == null ? "0.3" : version));
            JsonNode additional = card.get("additionalInterfaces");
            if (best == null && additional != null && additional.isArray() && protocol != null) {
                for (int i = 0; i < additional.size() && best == null; i++) {
                    JsonNode in = additional.get(i);
                    String field = "card.additionalInterfaces[" + i + "]";
                    String transport = requiredText(in, "transport", field + ".transport", 64);
                    seen.add(transport + " " + protocol.version());
                    if (isJsonRpc(transport)) {
                        best = new Interface(httpUrl(requiredText(in, "url", field + ".url", 2048), field + ".url"), protocol);
                    }
                }
            }
        }
        ValidationException.require(best != null, supported != null ? "card.supportedInterfaces" : "card.url",
                "must offer a JSONRPC interface of A2A 1.x or 0.3 (HTTP+JSON and GRPC are not supported yet)", seen.toString());
        return best;
    }

    private static boolean better(A2aProtocol candidate, A2aProtocol current) {
        return candidate == A2aProtocol.V1 && current != A2aProtocol.V1;
    }

    private static boolean isJsonRpc(String binding) {
        return binding.replace("-", "").replace("_", "").toUpperCase(Locale.ROOT).equals("JSONRPC");
    }

    private static URI httpUrl(String s, String field) {
        try {
            URI url = new URI(s);
            String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
            ValidationException.require((scheme.equals("http") || scheme.equals("https")) && url.getHost() != null, field,
                    "must be an absolute http or https URL", s);
            return url;
        } catch (URISyntaxException e) {
            throw new ValidationException(field, "must be a valid URL (" + e.getReason() + ")", s);
        }
    }

    private static String requiredText(JsonNode n, String key, int maxLength) {
        return requiredText(n, key, "card." + key, maxLength);
    }

    private static String requiredText(JsonNode n, String key, String field, int maxLength) {
        JsonNode v = n.get(key);
        ValidationException.require(v != null && !v.isNull(), field, "must be present", null);
        ValidationException.require(v.isTextual(), field, "must be a string", v);
        String s = v.textValue();
        ValidationException.require(!s.isBlank() && s.length() <= maxLength, field, "must be 1-" + maxLength + " characters and not blank", s);
        return s;
    }

    private static String optionalText(JsonNode n, String key, String field) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        ValidationException.require(v.isTextual(), field, "must be a string", v);
        return v.textValue();
    }

    private static String modes(JsonNode card, String key) {
        JsonNode v = card.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        String field = "card." + key;
        ValidationException.require(v.isArray(), field, "must be an array of media types", v);
        Set<String> modes = new LinkedHashSet<>();
        for (int i = 0; i < v.size(); i++) {
            ValidationException.require(v.get(i).isTextual(), field + "[" + i + "]", "must be a string", v.get(i));
            modes.add(v.get(i).textValue());
        }
        return String.join(",", modes);
    }

    private static void putFlag(Map<String, String> metadata, String key, JsonNode capabilities, String name) {
        JsonNode v = capabilities.get(name);
        if (v != null && !v.isNull()) {
            ValidationException.require(v.isBoolean(), "card.capabilities." + name, "must be true or false", v);
            metadata.put(key, Boolean.toString(v.booleanValue()));
        }
    }

    private static void putText(Map<String, String> metadata, String key, String value) {
        if (value != null && !value.isEmpty()) {
            metadata.put(key, cut(value));
        }
    }

    /** Metadata values are bounded; a longer card field is cut, marked with an ellipsis. */
    private static String cut(String s) {
        int max = AgentDescriptor.MAX_METADATA_VALUE_LENGTH;
        return s.length() <= max ? s : s.substring(0, max - 1) + "\u2026";
    }
}
