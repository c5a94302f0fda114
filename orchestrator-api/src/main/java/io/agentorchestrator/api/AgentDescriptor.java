package io.agentorchestrator.api;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What an agent is: its id, the capabilities it serves, where it is reached, how much work it
 * takes. An immutable, validated value: a descriptor that exists is valid.
 *
 * <p>Build one with {@link #builder(String)}:
 * <pre>{@code
 * AgentDescriptor planner = AgentDescriptor.builder("planner-1")
 *     .capability("route-planning")
 *     .endpoint("inproc:planner-1")
 *     .weight(2)
 *     .maxConcurrency(8)
 *     .build();
 * }</pre>
 *
 * @param id             unique id, {@value #ID_RULE}
 * @param name           human-readable name, defaults to the id
 * @param capabilities   what tasks it takes, at least one, each {@value #CAPABILITY_RULE}
 * @param endpoint       where it is reached; the scheme picks the transport ({@code inproc:}, {@code redis:}, ...)
 * @param weight         its share of traffic for weighted balancers, 1 to {@value #MAX_WEIGHT}
 * @param maxConcurrency how many tasks it runs at once, 1 to {@value #MAX_CONCURRENCY_LIMIT}
 * @param metadata       free-form labels (zone, model, region), at most {@value #MAX_METADATA_ENTRIES}
 *                       entries, keys up to {@value #MAX_METADATA_KEY_LENGTH} and values up to
 *                       {@value #MAX_METADATA_VALUE_LENGTH} characters
 * @param version        the agent's own version string
 */
public record AgentDescriptor(
        String id,
        String name,
        Set<String> capabilities,
        URI endpoint,
        int weight,
        int maxConcurrency,
        Map<String, String> metadata,
        String version) {

    /** Weight when none is set. */
    public static final int DEFAULT_WEIGHT = 1;
    /** Largest allowed weight. */
    public static final int MAX_WEIGHT = 1000;
    /** Max concurrency when none is set. */
    public static final int DEFAULT_MAX_CONCURRENCY = 16;
    /** Largest allowed max concurrency. */
    public static final int MAX_CONCURRENCY_LIMIT = 100_000;
    /** Most metadata entries an agent may carry. */
    public static final int MAX_METADATA_ENTRIES = 64;
    /** Longest metadata key. */
    public static final int MAX_METADATA_KEY_LENGTH = 128;
    /** Longest metadata value. */
    public static final int MAX_METADATA_VALUE_LENGTH = 1024;
    /** Most capabilities one agent may declare. */
    public static final int MAX_CAPABILITIES = 64;
    /** Metadata key holding the agent's zone (rack, data centre, region) for zone-aware routing. */
    public static final String ZONE_KEY = "zone";
    /** Version when none is set. */
    public static final String DEFAULT_VERSION = "unspecified";

    static final String ID_RULE = "must be 1-128 characters of letters, digits, '.', '_', ':' or '-', starting with a letter or digit";
    static final String CAPABILITY_RULE = "must be 1-128 characters of letters, digits, '.', '_', '/', ':' or '-', starting with a letter or digit";

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
    private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*");

    /**
     * Validates every field and makes the collections immutable.
     *
     * @throws ValidationException naming the first field that breaks its rule
     */
    public AgentDescriptor {
        requireId(id, "id");
        ValidationException.requireNonNull(name, "name");
        ValidationException.require(!name.isBlank() && name.length() <= 256, "name", "must be 1-256 characters and not blank", name);
        ValidationException.requireNonNull(capabilities, "capabilities");
        ValidationException.require(!capabilities.isEmpty(), "capabilities", "must hold at least one capability", capabilities);
        ValidationException.require(capabilities.size() <= MAX_CAPABILITIES, "capabilities",
                "must hold at most " + MAX_CAPABILITIES + " capabilities", capabilities.size());
        for (String capability : capabilities) {
            requireCapability(capability, "capability");
        }
        capabilities = Collections.unmodifiableSet(new LinkedHashSet<>(capabilities));
        requireEndpoint(endpoint);
        ValidationException.requireInRange(weight, 1, MAX_WEIGHT, "weight");
        ValidationException.requireInRange(maxConcurrency, 1, MAX_CONCURRENCY_LIMIT, "maxConcurrency");
        ValidationException.requireNonNull(metadata, "metadata");
        ValidationException.require(metadata.size() <= MAX_METADATA_ENTRIES, "metadata",
                "must hold at most " + MAX_METADATA_ENTRIES + " entries", metadata.size());
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            String key = e.getKey();
            ValidationException.requireNonNull(key, "metadata key");
            ValidationException.require(!key.isBlank() && key.length() <= MAX_METADATA_KEY_LENGTH, "metadata key",
                    "must be 1-" + MAX_METADATA_KEY_LENGTH + " characters and not blank", key);
            ValidationException.requireNonNull(e.getValue(), "metadata['" + key + "']");
            ValidationException.require(e.getValue().length() <= MAX_METADATA_VALUE_LENGTH, "metadata['" + key + "']",
                    "must be at most " + MAX_METADATA_VALUE_LENGTH + " characters long", e.getValue().length());
        }
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        ValidationException.requireNonNull(version, "version");
        ValidationException.require(!version.isBlank() && version.length() <= 64, "version", "must be 1-64 characters and not blank", version);
    }

    /** Starts a descriptor for the agent with this id. */
    public static Builder builder(String id) {
        return new Builder(id);
    }

    /** A builder holding this descriptor's values, to derive a changed copy. */
    public Builder toBuilder() {
        Builder b = new Builder(id).name(name).endpoint(endpoint).weight(weight).maxConcurrency(maxConcurrency).version(version);
        b.capabilities.addAll(capabilities);
        b.metadata.putAll(metadata);
        return b;
    }

    /** Whether this agent declares {@code capability}. */
    public boolean hasCapability(String capability) {
        return capabilities.contains(capability);
    }

    /** The agent's zone, from its {@value #ZONE_KEY} metadata, or {@code null}. */
    public String zone() {
        return metadata.get(ZONE_KEY);
    }

    /** The endpoint's URI scheme, lower-case ({@code "inproc"}, {@code "redis"}). */
    public String scheme() {
        // Read on every send: skip the lower-casing (a measurable part of an in-process dispatch) when there is nothing to lower.
        String scheme = endpoint.getScheme();
        for (int i = 0, n = scheme.length(); i < n; i++) {
            char c = scheme.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                return scheme.toLowerCase(java.util.Locale.ROOT);
            }
        }
        return scheme;
    }

    /**
     * Checks an agent id against {@value #ID_RULE}.
     *
     * @throws ValidationException naming {@code field}
     */
    public static String requireId(String id, String field) {
        ValidationException.requireNonNull(id, field);
        ValidationException.require(ID.matcher(id).matches(), field, ID_RULE, id);
        return id;
    }

    /**
     * Checks a capability name against {@value #CAPABILITY_RULE}.
     *
     * @throws ValidationException naming {@code field}
     */
    public static String requireCapability(String capability, String field) {
        ValidationException.requireNonNull(capability, field);
        ValidationException.require(isCapability(capability), field, CAPABILITY_RULE, capability);
        return capability;
    }

    /**
     * {@code [A-Za-z0-9][A-Za-z0-9._/:-]{0,127}}, checked by hand: every task and envelope is
     * checked, and a regex matcher per task was a measurable part of an in-process dispatch.
     */
    private static boolean isCapability(String s) {
        int n = s.length();
        if (n == 0 || n > 128 || !isAsciiLetterOrDigit(s.charAt(0))) {
            return false;
        }
        for (int i = 1; i < n; i++) {
            char c = s.charAt(i);
            if (!isAsciiLetterOrDigit(c) && c != '.' && c != '_' && c != '/' && c != ':' && c != '-') {
                return false;
            }
        }
        return true;
    }

    private static boolean isAsciiLetterOrDigit(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    private static void requireEndpoint(URI endpoint) {
        ValidationException.requireNonNull(endpoint, "endpoint");
        String scheme = endpoint.getScheme();
        ValidationException.require(scheme != null && SCHEME.matcher(scheme).matches(), "endpoint",
                "must be an absolute URI with a scheme such as inproc:, redis:, amqp:, kafka: or http:", endpoint.toString());
        ValidationException.require(endpoint.getRawSchemeSpecificPart() != null && !endpoint.getRawSchemeSpecificPart().isEmpty(),
                "endpoint", "must name the agent after the scheme", endpoint.toString());
    }

    /** Collects a descriptor's values; {@link #build()} validates them all. Not thread-safe. */
    public static final class Builder {
        private final String id;
        private String name;
        private final Set<String> capabilities = new LinkedHashSet<>();
        private URI endpoint;
        private int weight = DEFAULT_WEIGHT;
        private int maxConcurrency = DEFAULT_MAX_CONCURRENCY;
        private final Map<String, String> metadata = new LinkedHashMap<>();
        private String version = DEFAULT_VERSION;

        private Builder(String id) {
            this.id = requireId(id, "id");
        }

        /** Human-readable name; defaults to the id. */
        public Builder name(String name) {
            this.name = ValidationException.requireNonNull(name, "name");
            return this;
        }

        /** Adds a capability this agent serves. At least one is required. */
        public Builder capability(String capability) {
            capabilities.add(requireCapability(capability, "capability"));
            return this;
        }

        /** Adds several capabilities. */
        public Builder capabilities(String... capabilities) {
            ValidationException.requireNonNull(capabilities, "capabilities");
            for (String c : capabilities) {
                capability(c);
            }
            return this;
        }

        /** Where the agent is reached. Required. */
        public Builder endpoint(URI endpoint) {
            requireEndpoint(endpoint);
            this.endpoint = endpoint;
            return this;
        }

        /**
         * Where the agent is reached, as a URI string such as {@code "inproc:planner-1"}.
         *
         * @throws ValidationException when the string is not a URI with a scheme
         */
        public Builder endpoint(String endpoint) {
            ValidationException.requireNonNull(endpoint, "endpoint");
            try {
                return endpoint(new URI(endpoint));
            } catch (URISyntaxException e) {
                throw new ValidationException("endpoint", "must be a valid URI (" + e.getReason() + ")", endpoint);
            }
        }

        /** Share of traffic for weighted balancers, 1 to {@value #MAX_WEIGHT}; default {@value #DEFAULT_WEIGHT}. */
        public Builder weight(int weight) {
            this.weight = ValidationException.requireInRange(weight, 1, MAX_WEIGHT, "weight");
            return this;
        }

        /** Tasks run at once, 1 to {@value #MAX_CONCURRENCY_LIMIT}; default {@value #DEFAULT_MAX_CONCURRENCY}. */
        public Builder maxConcurrency(int maxConcurrency) {
            this.maxConcurrency = ValidationException.requireInRange(maxConcurrency, 1, MAX_CONCURRENCY_LIMIT, "maxConcurrency");
            return this;
        }

        /** Adds one metadata label. */
        public Builder metadata(String key, String value) {
            ValidationException.requireNonNull(key, "metadata key");
            ValidationException.requireNonNull(value, "metadata['" + key + "']");
            metadata.put(key, value);
            return this;
        }

        /** Adds all these metadata labels. */
        public Builder metadata(Map<String, String> metadata) {
            ValidationException.requireNonNull(metadata, "metadata");
            metadata.forEach(this::metadata);
            return this;
        }

        /** The agent's own version; default {@value #DEFAULT_VERSION}. */
        public Builder version(String version) {
            this.version = ValidationException.requireNonNull(version, "version");
            return this;
        }

        /**
         * Validates the values and builds the descriptor.
         *
         * @throws ValidationException naming the first field that breaks its rule
         */
        public AgentDescriptor build() {
            ValidationException.require(endpoint != null, "endpoint", "must be set", null);
            return new AgentDescriptor(id, name == null ? id : name, capabilities, endpoint, weight, maxConcurrency, metadata, version);
        }
    }
}
