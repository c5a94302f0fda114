package io.agentorchestrator.core.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Reads test bodies as trees, to take them apart field by field. */
final class EnvelopeCodecTestSupport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private EnvelopeCodecTestSupport() {
    }

    static JsonNode parse(byte[] json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
