package io.agentorchestrator.core.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.agentorchestrator.api.TaskEnvelope;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** The wire format's JSON Schema as shipped in {@code orchestrator-api}, for tests to check bodies against. */
final class WireSchema {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNode SCHEMA = load();

    private WireSchema() {
    }

    private static JsonNode load() {
        try (InputStream in = TaskEnvelope.class.getResourceAsStream(EnvelopeCodec.SCHEMA_RESOURCE)) {
            assertThat(in).as("schema resource " + EnvelopeCodec.SCHEMA_RESOURCE + " in orchestrator-api").isNotNull();
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** What is wrong with {@code body} as any envelope ({@code definition} null) or as one definition ("task", "result", ...). */
    static List<Error> errors(String definition, JsonNode body) {
        ObjectNode s = SCHEMA.deepCopy();
        if (definition != null) {
            s.remove("oneOf");
            s.put("$ref", "#/$defs/" + definition);
        }
        return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(s.toString()).validate(body);
    }

    static List<Error> errors(String definition, byte[] body) throws IOException {
        return errors(definition, JSON.readTree(body));
    }

    /** The fields of {@code body} (and of an announcement's agent) that {@code definition} does not declare. */
    static Set<String> undeclared(String definition, JsonNode body) {
        Set<String> out = new TreeSet<>();
        Set<String> declared = declared(definition);
        body.fieldNames().forEachRemaining(f -> {
            if (!declared.contains(f)) {
                out.add(f);
            }
        });
        if ("announcement".equals(definition) && body.has("agent")) {
            undeclared("descriptor", body.get("agent")).forEach(f -> out.add("agent." + f));
        }
        return out;
    }

    /** The property names a definition declares. */
    static Set<String> declared(String definition) {
        Set<String> names = new HashSet<>();
        SCHEMA.path("$defs").path(definition).path("properties").fieldNames().forEachRemaining(names::add);
        assertThat(names).as("properties of $defs/" + definition).isNotEmpty();
        return names;
    }
}
