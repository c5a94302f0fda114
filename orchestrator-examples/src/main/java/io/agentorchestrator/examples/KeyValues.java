package io.agentorchestrator.examples;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The demo's payload format: {@code key=value} pairs separated by {@code ;}, as UTF-8 text. Small
 * enough to read in a log, and what an agent written in any language could parse in one line.
 */
final class KeyValues {

    private KeyValues() {
    }

    /** Formats the pairs in iteration order. */
    static String format(Map<String, String> fields) {
        StringJoiner out = new StringJoiner(";");
        fields.forEach((k, v) -> out.add(k + "=" + v));
        return out.toString();
    }

    /**
     * Parses {@code text}; the value of a repeated key is the last one.
     *
     * @throws IllegalArgumentException when a pair has no {@code =}
     */
    static Map<String, String> parse(String text) {
        Map<String, String> fields = new LinkedHashMap<>();
        if (text.isEmpty()) {
            return fields;
        }
        for (String pair : text.split(";")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected key=value, but was '" + pair + "'");
            }
            fields.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return fields;
    }

    /**
     * The value of {@code key}.
     *
     * @throws IllegalArgumentException when it is missing
     */
    static String require(Map<String, String> fields, String key) {
        String value = fields.get(key);
        if (value == null) {
            throw new IllegalArgumentException("missing field '" + key + "'");
        }
        return value;
    }
}
