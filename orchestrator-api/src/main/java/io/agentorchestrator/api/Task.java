package io.agentorchestrator.api;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A unit of work for an agent with a given capability: what the host hands to
 * {@code Orchestrator.dispatch}. Immutable and validated.
 *
 * <pre>{@code
 * Task t = Task.of("route-planning", Payload.ofUtf8("{\"from\":\"KUL\",\"to\":\"PEN\"}"));
 * Task urgent = Task.builder("cold-chain-monitoring")
 *     .payload(reading).priority(Task.MAX_PRIORITY).timeout(Duration.ofSeconds(2)).key("shipment-42").build();
 * }</pre>
 */
public final class Task {

    /** Lowest priority. */
    public static final int MIN_PRIORITY = 0;
    /** Highest priority. */
    public static final int MAX_PRIORITY = 9;
    /** Priority when none is set. */
    public static final int DEFAULT_PRIORITY = 4;
    /** Most headers a task may carry. */
    public static final int MAX_HEADERS = 64;
    /** Longest header value. */
    public static final int MAX_HEADER_VALUE_LENGTH = 4096;

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
    private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private final String id;
    private final String capability;
    private final Payload payload;
    private final int priority;
    private final Duration timeout;
    private final Instant deadline;
    private final String key;
    private final Map<String, String> headers;
    private final Map<String, String> requirements;
    private final String preferredZone;
    private final boolean cacheable;
    private final String cacheKey;

    private Task(Builder b) {
        this(b.id == null ? TaskIds.next() : b.id, b.capability, b.payload, b.priority, b.timeout, b.deadline, b.key,
                b.headers == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(b.headers)),
                b.requirements == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(b.requirements)),
                b.preferredZone, b.cacheable, b.cacheKey);
    }

    private Task(String id, String capability, Payload payload, int priority, Duration timeout, Instant deadline, String key,
            Map<String, String> headers, Map<String, String> requirements, String preferredZone, boolean cacheable, String cacheKey) {
        this.id = id;
        this.capability = capability;
        this.payload = payload;
        this.priority = priority;
        this.timeout = timeout;
        this.deadline = deadline;
        this.key = key;
        this.headers = headers;
        this.requirements = requirements;
        this.preferredZone = preferredZone;
        this.cacheable = cacheable;
        this.cacheKey = cacheKey;
    }

    /** A task for {@code capability} carrying {@code payload}, with default priority and timeout. */
    public static Task of(String capability, Payload payload) {
        return plain(AgentDescriptor.requireCapability(capability, "capability"), ValidationException.requireNonNull(payload, "payload"));
    }

    /** A task for {@code capability} carrying {@code text} as UTF-8. */
    public static Task of(String capability, String text) {
        return plain(AgentDescriptor.requireCapability(capability, "capability"), Payload.ofUtf8(text));
    }

    /** A task for {@code capability} carrying a copy of {@code bytes}. */
    public static Task of(String capability, byte[] bytes) {
        return plain(AgentDescriptor.requireCapability(capability, "capability"), Payload.of(bytes));
    }

    /**
     * A task with every default, built without a builder: {@code of} is the call of a host's hot
     * path, and the builder with its two empty maps was about a sixth of what an in-process
     * dispatch allocated. Both values are checked already.
     */
    private static Task plain(String capability, Payload payload) {
        return new Task(TaskIds.next(), capability, payload, DEFAULT_PRIORITY, null, null, null, Map.of(), Map.of(), null, false, null);
    }

    /** Starts a task for {@code capability}. */
    public static Builder builder(String capability) {
        return new Builder(capability);
    }

    /** A builder holding this task's values (including its id). */
    public Builder toBuilder() {
        Builder b = new Builder(capability).id(id).payload(payload).priority(priority).key(key);
        b.timeout = timeout;
        b.deadline = deadline;
        if (!headers.isEmpty()) {
            b.headers().putAll(headers);
        }
        if (!requirements.isEmpty()) {
            b.requirements().putAll(requirements);
        }
        b.preferredZone = preferredZone;
        b.cacheable = cacheable;
        b.cacheKey = cacheKey;
        return b;
    }

    /** Unique id; generated when not set. Agents use it to recognise redelivered tasks. */
    public String id() {
        return id;
    }

    /** The capability an agent needs to take this task. */
    public String capability() {
        return capability;
    }

    /** The task's input, opaque to the orchestrator. */
    public Payload payload() {
        return payload;
    }

    /** {@value #MIN_PRIORITY} (lowest) to {@value #MAX_PRIORITY} (highest); waiting tasks are served highest first. */
    public int priority() {
        return priority;
    }

    /** How long the caller waits for a result; empty means the orchestrator's default. */
    public Optional<Duration> timeout() {
        return Optional.ofNullable(timeout);
    }

    /** An absolute deadline; the earlier of this and the timeout applies. */
    public Optional<Instant> deadline() {
        return Optional.ofNullable(deadline);
    }

    /** A routing key (session, shipment) for balancers that keep related tasks together. */
    public Optional<String> key() {
        return Optional.ofNullable(key);
    }

    /** Headers carried to the agent, such as W3C {@code traceparent}. */
    public Map<String, String> headers() {
        return headers;
    }

    /**
     * Metadata an agent must carry to take this task, e.g. {@code region=eu}, {@code model=gpt-x}:
     * agents whose {@link AgentDescriptor#metadata()} lacks any of these entries are not eligible.
     */
    public Map<String, String> requirements() {
        return requirements;
    }

    /**
     * The zone whose agents are preferred (matched against the agents' {@value AgentDescriptor#ZONE_KEY}
     * metadata); agents elsewhere are used only when no eligible agent is in this zone. Empty
     * means the orchestrator's own zone, if it has one.
     */
    public Optional<String> preferredZone() {
        return Optional.ofNullable(preferredZone);
    }

    /**
     * Whether the result may be served from the orchestrator's result cache, and concurrent
     * identical tasks may share one dispatch. Only for tasks whose result depends on nothing but
     * their capability and payload (or {@link #cacheKey()}). Local to the orchestrator: it is not
     * sent to the agent.
     */
    public boolean cacheable() {
        return cacheable;
    }

    /** The key the result is cached under within its capability; empty means a hash of the payload. */
    public Optional<String> cacheKey() {
        return Optional.ofNullable(cacheKey);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Task)) {
            return false;
        }
        Task t = (Task) o;
        return id.equals(t.id) && capability.equals(t.capability) && payload.equals(t.payload) && priority == t.priority
                && Objects.equals(timeout, t.timeout) && Objects.equals(deadline, t.deadline) && Objects.equals(key, t.key)
                && headers.equals(t.headers) && requirements.equals(t.requirements) && Objects.equals(preferredZone, t.preferredZone)
                && cacheable == t.cacheable && Objects.equals(cacheKey, t.cacheKey);
    }

    @Override
    public int hashCode() {
        return id.hashCode();
    }

    @Override
    public String toString() {
        return "Task[id=" + id + ", capability=" + capability + ", priority=" + priority + ", " + payload + "]";
    }

    /** Collects a task's values, checking each when set. Not thread-safe. */
    public static final class Builder {
        private String id;
        private final String capability;
        private Payload payload = Payload.empty();
        private int priority = DEFAULT_PRIORITY;
        private Duration timeout;
        private Instant deadline;
        private String key;
        /** Null until the first header: most tasks carry none. */
        private Map<String, String> headers;
        /** Null until the first requirement. */
        private Map<String, String> requirements;
        private String preferredZone;
        private boolean cacheable;
        private String cacheKey;

        private Builder(String capability) {
            this.capability = AgentDescriptor.requireCapability(capability, "capability");
        }

        /** Sets the id, 1-128 letters, digits, '.', '_', ':' or '-'; default a random UUID. */
        public Builder id(String id) {
            ValidationException.requireNonNull(id, "id");
            ValidationException.require(ID.matcher(id).matches(), "id",
                    "must be 1-128 characters of letters, digits, '.', '_', ':' or '-', starting with a letter or digit", id);
            this.id = id;
            return this;
        }

        /** Sets the input; default empty. */
        public Builder payload(Payload payload) {
            this.payload = ValidationException.requireNonNull(payload, "payload");
            return this;
        }

        /** Sets the input as UTF-8 text. */
        public Builder payload(String text) {
            return payload(Payload.ofUtf8(text));
        }

        /** Sets the priority, {@value #MIN_PRIORITY} to {@value #MAX_PRIORITY}; default {@value #DEFAULT_PRIORITY}. */
        public Builder priority(int priority) {
            this.priority = ValidationException.requireInRange(priority, MIN_PRIORITY, MAX_PRIORITY, "priority");
            return this;
        }

        /** Sets how long to wait for a result, > 0; default the orchestrator's {@code defaultTimeout}. */
        public Builder timeout(Duration timeout) {
            ValidationException.requireNonNull(timeout, "timeout");
            ValidationException.require(!timeout.isNegative() && !timeout.isZero(), "timeout", "must be > 0", timeout);
            this.timeout = timeout;
            return this;
        }

        /** Sets an absolute deadline; the task fails with a timeout if it is in the past when dispatched. */
        public Builder deadline(Instant deadline) {
            this.deadline = ValidationException.requireNonNull(deadline, "deadline");
            return this;
        }

        /** Sets the routing key, 1-256 characters; {@code null} clears it. */
        public Builder key(String key) {
            if (key != null) {
                ValidationException.require(!key.isEmpty() && key.length() <= 256, "key", "must be 1-256 characters", key);
            }
            this.key = key;
            return this;
        }

        /** Adds a header; names are letters, digits, '.', '_' or '-'. */
        public Builder header(String name, String value) {
            ValidationException.requireNonNull(name, "header name");
            ValidationException.require(HEADER_NAME.matcher(name).matches(), "header name",
                    "must be 1-128 characters of letters, digits, '.', '_' or '-'", name);
            ValidationException.requireNonNull(value, "header '" + name + "'");
            ValidationException.require(value.length() <= MAX_HEADER_VALUE_LENGTH, "header '" + name + "'",
                    "must be at most " + MAX_HEADER_VALUE_LENGTH + " characters long", value.length());
            Map<String, String> headers = headers();
            ValidationException.require(headers.size() < MAX_HEADERS || headers.containsKey(name), "headers",
                    "must hold at most " + MAX_HEADERS + " entries", headers.size() + 1);
            headers.put(name, value);
            return this;
        }

        /** Requires agents whose metadata has {@code key=value}; see {@link Task#requirements()}. */
        public Builder require(String key, String value) {
            ValidationException.requireNonNull(key, "requirement key");
            ValidationException.require(!key.isBlank() && key.length() <= AgentDescriptor.MAX_METADATA_KEY_LENGTH, "requirement key",
                    "must be 1-" + AgentDescriptor.MAX_METADATA_KEY_LENGTH + " characters and not blank", key);
            ValidationException.requireNonNull(value, "requirement '" + key + "'");
            Map<String, String> requirements = requirements();
            ValidationException.require(requirements.size() < AgentDescriptor.MAX_METADATA_ENTRIES || requirements.containsKey(key),
                    "requirements", "must hold at most " + AgentDescriptor.MAX_METADATA_ENTRIES + " entries", requirements.size() + 1);
            requirements.put(key, value);
            return this;
        }

        /** Prefers agents in {@code zone}, falling back to others; see {@link Task#preferredZone()}. */
        public Builder preferZone(String zone) {
            ValidationException.requireNonNull(zone, "preferredZone");
            ValidationException.require(!zone.isBlank() && zone.length() <= 128, "preferredZone", "must be 1-128 characters and not blank", zone);
            this.preferredZone = zone;
            return this;
        }

        /** Marks the task cacheable; see {@link Task#cacheable()}. */
        public Builder cacheable() {
            this.cacheable = true;
            return this;
        }

        /** Marks the task cacheable under this key (1-256 characters) instead of a hash of its payload. */
        public Builder cacheKey(String cacheKey) {
            ValidationException.requireNonNull(cacheKey, "cacheKey");
            ValidationException.require(!cacheKey.isEmpty() && cacheKey.length() <= 256, "cacheKey", "must be 1-256 characters", cacheKey);
            this.cacheKey = cacheKey;
            this.cacheable = true;
            return this;
        }

        private Map<String, String> headers() {
            if (headers == null) {
                headers = new LinkedHashMap<>();
            }
            return headers;
        }

        private Map<String, String> requirements() {
            if (requirements == null) {
                requirements = new LinkedHashMap<>();
            }
            return requirements;
        }

        /** Builds the task. */
        public Task build() {
            return new Task(this);
        }
    }
}
