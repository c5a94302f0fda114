package io.agentorchestrator.kafka;

import io.agentorchestrator.api.ValidationException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * How a {@link KafkaTransport} connects and lays out its topics. Immutable; every value is checked
 * when set, and the message names the option.
 *
 * <p>Usually built from the transport URI ({@link #fromUri(URI)}):
 * <pre>{@code
 * kafka://broker-1:9092,broker-2:9092?instance=orders-api-1&capabilityPartitions=24
 * kafka://user:secret@broker:9093?saslMechanism=SCRAM-SHA-512&kafka.security.protocol=SASL_SSL
 * }</pre>
 * Query options carry the names of the builder's setters; options starting with {@code kafka.} are
 * handed to every Kafka client as they are (SSL and SASL settings, {@code client.rack}, ...).
 */
public final class KafkaTransportConfig {

    /** Prefix of every topic the transport names: {@value}. */
    public static final String DEFAULT_TOPIC_PREFIX = "ao.";
    /** Partitions of a capability's shared task topic when the transport creates it: {@value}. */
    public static final int DEFAULT_CAPABILITY_PARTITIONS = 12;
    /** Partitions of the shared reply topic when the transport creates it: {@value}. */
    public static final int DEFAULT_REPLY_PARTITIONS = 12;
    /** Replication factor of created topics; -1 takes the broker's {@code default.replication.factor}. */
    public static final short DEFAULT_REPLICATION_FACTOR = -1;
    /** Producer {@code linger.ms}, pinned rather than left to the client's default: {@value}. */
    public static final int DEFAULT_LINGER_MS = 5;
    /**
     * {@code linger.ms} of the agent side's replies: {@value}. A reply completes a caller that is
     * waiting for it; lingering would only add to its latency, and the replies to one poll's
     * tasks are produced back to back, so they share requests anyway while one is in flight.
     */
    public static final int DEFAULT_REPLY_LINGER_MS = 0;
    /** How long a send (task or reply) may take, retries included, before it fails: 30 s. */
    public static final Duration DEFAULT_DELIVERY_TIMEOUT = Duration.ofSeconds(30);
    /** Consumer group session timeout: a crashed agent's partitions move after this long: 10 s. */
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(10);
    /** How long a rebalance waits for tasks of revoked partitions to be answered: 10 s. */
    public static final Duration DEFAULT_REVOKE_GRACE = Duration.ofSeconds(10);
    /** Task ids an agent remembers to skip redeliveries: {@value}. */
    public static final int DEFAULT_DEDUPE_CAPACITY = 10_000;
    /** Retention of the reply topic when the transport creates it: 1 h. */
    public static final Duration DEFAULT_REPLY_RETENTION = Duration.ofHours(1);

    static final Pattern TOPIC_PART = Pattern.compile("[A-Za-z0-9._-]{0,100}");
    static final Pattern INSTANCE = Pattern.compile("[A-Za-z0-9._-]{1,100}");
    private static final Pattern SERVER = Pattern.compile("[^,:/\\s]+:\\d{1,5}");

    private final String bootstrapServers;
    private final String topicPrefix;
    private final String instance;
    private final int capabilityPartitions;
    private final int replyPartitions;
    private final short replicationFactor;
    private final boolean createTopics;
    private final int lingerMs;
    private final int replyLingerMs;
    private final Duration deliveryTimeout;
    private final Duration sessionTimeout;
    private final Duration revokeGrace;
    private final int dedupeCapacity;
    private final boolean keyOrdering;
    private final boolean joinCapabilityTopics;
    private final Duration replyRetention;
    private final Map<String, Object> clientProperties;
    private final Clock clock;

    private KafkaTransportConfig(Builder b) {
        this.bootstrapServers = b.bootstrapServers;
        this.topicPrefix = b.topicPrefix;
        this.instance = b.instance != null ? b.instance : "orch-" + UUID.randomUUID().toString().substring(0, 8);
        this.capabilityPartitions = b.capabilityPartitions;
        this.replyPartitions = b.replyPartitions;
        this.replicationFactor = b.replicationFactor;
        this.createTopics = b.createTopics;
        this.lingerMs = b.lingerMs;
        this.replyLingerMs = b.replyLingerMs;
        this.deliveryTimeout = b.deliveryTimeout;
        this.sessionTimeout = b.sessionTimeout;
        this.revokeGrace = b.revokeGrace;
        this.dedupeCapacity = b.dedupeCapacity;
        this.keyOrdering = b.keyOrdering;
        this.joinCapabilityTopics = b.joinCapabilityTopics;
        this.replyRetention = b.replyRetention;
        this.clientProperties = Collections.unmodifiableMap(new LinkedHashMap<>(b.clientProperties));
        this.clock = b.clock;
    }

    /** Starts a configuration for the brokers at {@code bootstrapServers} ({@code "host:9092,host2:9092"}). */
    public static Builder builder(String bootstrapServers) {
        return new Builder(bootstrapServers);
    }

    /**
     * Reads a configuration from a transport URI: {@code kafka://[user:password@]host:port[,host:port...][?option=value&...]}.
     *
     * @throws ValidationException naming the part of the URI or the option that is wrong
     */
    public static KafkaTransportConfig fromUri(URI uri) {
        ValidationException.requireNonNull(uri, "uri");
        String scheme = uri.getScheme();
        ValidationException.require(scheme != null && scheme.toLowerCase(Locale.ROOT).equals(KafkaTransport.SCHEME), "uri",
                "must use the scheme 'kafka'", uri.toString());
        String authority = uri.getRawAuthority();
        ValidationException.require(authority != null && !authority.isEmpty(), "uri",
                "must name the brokers, as in kafka://host:9092 or kafka://h1:9092,h2:9092", redact(uri));
        String userInfo = null;
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            userInfo = authority.substring(0, at);
            authority = authority.substring(at + 1);
        }
        String path = uri.getRawPath();
        ValidationException.require(path == null || path.isEmpty() || path.equals("/"), "uri path",
                "must be empty (options go in the query string)", path);
        Builder b = new Builder(authority);
        String query = uri.getRawQuery();
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                ValidationException.require(eq > 0, "uri query", "must hold option=value pairs", pair);
                b.option(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
            }
        }
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            ValidationException.require(colon > 0, "uri user info", "must be user:password", "<redacted>");
            b.credentials(decode(userInfo.substring(0, colon)), decode(userInfo.substring(colon + 1)));
        }
        return b.build();
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static String redact(URI uri) {
        String s = uri.toString();
        int at = s.indexOf('@');
        int start = s.indexOf("//");
        return at > 0 && start >= 0 && at > start ? s.substring(0, start + 2) + "<redacted>" + s.substring(at) : s;
    }

    /** The brokers to bootstrap from, {@code host:port[,host:port...]}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Prefix of every topic name; default {@value #DEFAULT_TOPIC_PREFIX}. */
    public String topicPrefix() {
        return topicPrefix;
    }

    /** This orchestrator instance's name, used to route its replies; generated when not set. */
    public String instance() {
        return instance;
    }

    /** Partitions of capability topics the transport creates. */
    public int capabilityPartitions() {
        return capabilityPartitions;
    }

    /** Partitions of the reply topic when the transport creates it. */
    public int replyPartitions() {
        return replyPartitions;
    }

    /** Replication factor of created topics, -1 for the broker's default. */
    public short replicationFactor() {
        return replicationFactor;
    }

    /** Whether missing topics are created with the admin client. */
    public boolean createTopics() {
        return createTopics;
    }

    /** The producer's {@code linger.ms} for tasks, announcements and dead letters. */
    public int lingerMs() {
        return lingerMs;
    }

    /** The reply producer's {@code linger.ms}. */
    public int replyLingerMs() {
        return replyLingerMs;
    }

    /** Upper bound of one send, retries included. */
    public Duration deliveryTimeout() {
        return deliveryTimeout;
    }

    /** Consumer group session timeout. */
    public Duration sessionTimeout() {
        return sessionTimeout;
    }

    /** How long a rebalance waits for in-flight tasks of revoked partitions. */
    public Duration revokeGrace() {
        return revokeGrace;
    }

    /** How many task ids an agent remembers for deduplication. */
    public int dedupeCapacity() {
        return dedupeCapacity;
    }

    /** Whether an agent runs tasks with the same key one after the other, in the order they were sent. */
    public boolean keyOrdering() {
        return keyOrdering;
    }

    /**
     * Whether an agent listening on its inbox ({@code kafka:<agent-id>}) also joins the consumer
     * groups of its capabilities' topics, taking both directly addressed and shared tasks.
     */
    public boolean joinCapabilityTopics() {
        return joinCapabilityTopics;
    }

    /** Retention of the reply topic when the transport creates it. */
    public Duration replyRetention() {
        return replyRetention;
    }

    /** Kafka client properties passed through to every client (the {@code kafka.*} URI options, credentials). */
    public Map<String, Object> clientProperties() {
        return clientProperties;
    }

    /** Wall clock for agent leases in the directory. */
    public Clock clock() {
        return clock;
    }

    /** The topic of tasks for one agent. */
    String inboxTopic(String agentId) {
        return topicPrefix + "agent." + Topics.escape(agentId);
    }

    /** The shared topic of tasks for one capability. */
    String capabilityTopic(String capability) {
        return topicPrefix + "capability." + Topics.escape(capability);
    }

    /** The consumer group of one capability's agents. */
    String capabilityGroup(String capability) {
        return topicPrefix + "capability." + Topics.escape(capability);
    }

    /** The consumer group (used for offset commits only) of one agent's inbox. */
    String inboxGroup(String agentId) {
        return topicPrefix + "agent." + Topics.escape(agentId);
    }

    String replyTopic() {
        return topicPrefix + "replies";
    }

    String registryTopic() {
        return topicPrefix + "agents";
    }

    String deadLetterTopic() {
        return topicPrefix + "dead-letter";
    }

    @Override
    public String toString() {
        // Client properties may hold secrets: only their names are shown.
        return "KafkaTransportConfig[bootstrapServers=" + bootstrapServers + ", topicPrefix=" + topicPrefix + ", instance=" + instance
                + ", capabilityPartitions=" + capabilityPartitions + ", clientProperties=" + clientProperties.keySet() + "]";
    }

    /** Collects the options of a {@link KafkaTransportConfig}. Not thread-safe. */
    public static final class Builder {
        private final String bootstrapServers;
        private String topicPrefix = DEFAULT_TOPIC_PREFIX;
        private String instance;
        private int capabilityPartitions = DEFAULT_CAPABILITY_PARTITIONS;
        private int replyPartitions = DEFAULT_REPLY_PARTITIONS;
        private short replicationFactor = DEFAULT_REPLICATION_FACTOR;
        private boolean createTopics = true;
        private boolean tls;
        private boolean saslProtocolDefaulted;
        private int lingerMs = DEFAULT_LINGER_MS;
        private int replyLingerMs = DEFAULT_REPLY_LINGER_MS;
        private Duration deliveryTimeout = DEFAULT_DELIVERY_TIMEOUT;
        private Duration sessionTimeout = DEFAULT_SESSION_TIMEOUT;
        private Duration revokeGrace = DEFAULT_REVOKE_GRACE;
        private int dedupeCapacity = DEFAULT_DEDUPE_CAPACITY;
        private boolean keyOrdering = true;
        private boolean joinCapabilityTopics;
        private Duration replyRetention = DEFAULT_REPLY_RETENTION;
        private final Map<String, Object> clientProperties = new LinkedHashMap<>();
        private Clock clock = Clock.systemUTC();

        private Builder(String bootstrapServers) {
            ValidationException.requireNonNull(bootstrapServers, "bootstrapServers");
            for (String server : bootstrapServers.split(",", -1)) {
                ValidationException.require(SERVER.matcher(server).matches(), "bootstrapServers",
                        "must be host:port[,host:port...]", bootstrapServers);
                int port = Integer.parseInt(server.substring(server.lastIndexOf(':') + 1));
                ValidationException.require(port >= 1 && port <= 65535, "bootstrapServers", "ports must be between 1 and 65535",
                        bootstrapServers);
            }
            this.bootstrapServers = bootstrapServers;
        }

        /** Prefix of every topic name, up to 100 of {@code [A-Za-z0-9._-]}; default {@value #DEFAULT_TOPIC_PREFIX}. */
        public Builder topicPrefix(String topicPrefix) {
            ValidationException.requireNonNull(topicPrefix, "topicPrefix");
            ValidationException.require(TOPIC_PART.matcher(topicPrefix).matches(), "topicPrefix",
                    "must be up to 100 characters of letters, digits, '.', '_' or '-'", topicPrefix);
            this.topicPrefix = topicPrefix;
            return this;
        }

        /**
         * This orchestrator instance's name, 1-100 of {@code [A-Za-z0-9._-]}; it picks the reply
         * partition. Default: generated per transport ({@code orch-xxxxxxxx}).
         */
        public Builder instance(String instance) {
            ValidationException.requireNonNull(instance, "instance");
            ValidationException.require(INSTANCE.matcher(instance).matches(), "instance",
                    "must be 1-100 characters of letters, digits, '.', '_' or '-'", instance);
            this.instance = instance;
            return this;
        }

        /** Partitions of capability topics the transport creates, 1 to 10000; default {@value #DEFAULT_CAPABILITY_PARTITIONS}. */
        public Builder capabilityPartitions(int partitions) {
            this.capabilityPartitions = ValidationException.requireInRange(partitions, 1, 10_000, "capabilityPartitions");
            return this;
        }

        /** Partitions of the reply topic when the transport creates it, 1 to 10000; default {@value #DEFAULT_REPLY_PARTITIONS}. */
        public Builder replyPartitions(int partitions) {
            this.replyPartitions = ValidationException.requireInRange(partitions, 1, 10_000, "replyPartitions");
            return this;
        }

        /** Replication factor of created topics, -1 (broker default) or 1 to 32; default -1. */
        public Builder replicationFactor(int replicationFactor) {
            ValidationException.require(replicationFactor == -1 || (replicationFactor >= 1 && replicationFactor <= 32),
                    "replicationFactor", "must be -1 or between 1 and 32", replicationFactor);
            this.replicationFactor = (short) replicationFactor;
            return this;
        }

        /** Whether missing topics are created with the admin client; default true. */
        public Builder createTopics(boolean createTopics) {
            this.createTopics = createTopics;
            return this;
        }

        /**
         * The producer's {@code linger.ms} for tasks, announcements and dead letters, 0 to 60000;
         * default {@value #DEFAULT_LINGER_MS}. Replies have their own, {@link #replyLingerMs}.
         */
        public Builder lingerMs(int lingerMs) {
            this.lingerMs = ValidationException.requireInRange(lingerMs, 0, 60_000, "lingerMs");
            return this;
        }

        /**
         * The agent side's {@code linger.ms} for replies (sent by a producer of their own), 0 to
         * 60000; default {@value #DEFAULT_REPLY_LINGER_MS}: see {@link KafkaTransportConfig#DEFAULT_REPLY_LINGER_MS}.
         */
        public Builder replyLingerMs(int replyLingerMs) {
            this.replyLingerMs = ValidationException.requireInRange(replyLingerMs, 0, 60_000, "replyLingerMs");
            return this;
        }

        /** Upper bound of one send, retries included, 1 s to 1 h; default 30 s. */
        public Builder deliveryTimeout(Duration timeout) {
            this.deliveryTimeout = requireBetween(timeout, Duration.ofSeconds(1), Duration.ofHours(1), "deliveryTimeout");
            return this;
        }

        /** Consumer group session timeout, 1 s to 30 min (the broker may narrow it); default 10 s. */
        public Builder sessionTimeout(Duration timeout) {
            this.sessionTimeout = requireBetween(timeout, Duration.ofSeconds(1), Duration.ofMinutes(30), "sessionTimeout");
            return this;
        }

        /** How long a rebalance waits for in-flight tasks of revoked partitions, 0 to 5 min; default 10 s. */
        public Builder revokeGrace(Duration grace) {
            this.revokeGrace = requireBetween(grace, Duration.ZERO, Duration.ofMinutes(5), "revokeGrace");
            return this;
        }

        /** How many task ids an agent remembers to skip redeliveries, 16 to 10 000 000; default {@value #DEFAULT_DEDUPE_CAPACITY}. */
        public Builder dedupeCapacity(int capacity) {
            this.dedupeCapacity = ValidationException.requireInRange(capacity, 16, 10_000_000, "dedupeCapacity");
            return this;
        }

        /** Whether an agent runs tasks of one key one at a time, in order; default true. */
        public Builder keyOrdering(boolean keyOrdering) {
            this.keyOrdering = keyOrdering;
            return this;
        }

        /**
         * Whether an agent listening on its inbox also joins its capabilities' consumer groups,
         * within the same {@code maxConcurrency}; default false.
         */
        public Builder joinCapabilityTopics(boolean join) {
            this.joinCapabilityTopics = join;
            return this;
        }

        /** Retention of the reply topic when the transport creates it, 1 min to 7 days; default 1 h. */
        public Builder replyRetention(Duration retention) {
            this.replyRetention = requireBetween(retention, Duration.ofMinutes(1), Duration.ofDays(7), "replyRetention");
            return this;
        }

        /**
         * A Kafka client property handed to every client as it is ({@code security.protocol},
         * {@code ssl.truststore.location}, {@code sasl.jaas.config}, ...). Overrides what the
         * transport would set, except the settings its guarantees rest on (see the README).
         */
        public Builder clientProperty(String name, Object value) {
            ValidationException.requireNonNull(name, "clientProperty name");
            ValidationException.require(!name.isBlank(), "clientProperty name", "must not be blank", name);
            ValidationException.requireNonNull(value, "clientProperty '" + name + "'");
            clientProperties.put(name, value);
            return this;
        }

        /**
         * SASL credentials. Sets {@code sasl.jaas.config} for the mechanism (PLAIN unless
         * {@code sasl.mechanism} is set; SCRAM-SHA-256/512 supported) and {@code security.protocol}
         * to SASL_PLAINTEXT unless one is set.
         */
        public Builder credentials(String user, String password) {
            ValidationException.requireNonNull(user, "user");
            ValidationException.requireNonNull(password, "password");
            String mechanism = String.valueOf(clientProperties.getOrDefault("sasl.mechanism", "PLAIN")).toUpperCase(Locale.ROOT);
            String module = switch (mechanism) {
                case "PLAIN" -> "org.apache.kafka.common.security.plain.PlainLoginModule";
                case "SCRAM-SHA-256", "SCRAM-SHA-512" -> "org.apache.kafka.common.security.scram.ScramLoginModule";
                default -> throw new ValidationException("saslMechanism", "must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 with user info",
                        mechanism);
            };
            clientProperties.put("sasl.mechanism", mechanism);
            clientProperties.put("sasl.jaas.config", module + " required username=\"" + jaasEscape(user) + "\" password=\""
                    + jaasEscape(password) + "\";");
            if (!clientProperties.containsKey("security.protocol")) {
                clientProperties.put("security.protocol", "SASL_PLAINTEXT");
                saslProtocolDefaulted = true;
            }
            return this;
        }

        /**
         * TLS to the brokers with PKCS12 stores: {@code truststore} (the brokers' CA; null for the
         * JVM's default) and, for client certificates, {@code keystore}. Sets {@code security.protocol}
         * to SSL, or SASL_SSL with {@link #credentials}, unless one is set explicitly. Passwords may be null.
         */
        public Builder tls(String truststore, String truststorePassword, String keystore, String keystorePassword) {
            if (truststore != null) {
                clientProperty("ssl.truststore.location", storeFile(truststore, "truststore"));
                clientProperty("ssl.truststore.type", "PKCS12");
            }
            if (truststorePassword != null) {
                clientProperty("ssl.truststore.password", truststorePassword);
            }
            if (keystore != null) {
                clientProperty("ssl.keystore.location", storeFile(keystore, "keystore"));
                clientProperty("ssl.keystore.type", "PKCS12");
            }
            if (keystorePassword != null) {
                clientProperty("ssl.keystore.password", keystorePassword);
                clientProperty("ssl.key.password", keystorePassword);
            }
            tls = true;
            return this;
        }

        private static String storeFile(String file, String option) {
            ValidationException.require(new java.io.File(file).isFile(), option, "must be a readable PKCS12 file", file);
            return file;
        }

        private static String jaasEscape(String s) {
            return s.replace("\\", "\\\\").replace("\"", "\\\"");
        }

        /** Wall clock for agent leases in the directory; default UTC system clock. */
        public Builder clock(Clock clock) {
            this.clock = ValidationException.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Sets one option by its URI name, as {@link #fromUri(URI)} does.
         *
         * @throws ValidationException for an unknown option or a bad value
         */
        public Builder option(String name, String value) {
            ValidationException.requireNonNull(name, "option name");
            ValidationException.requireNonNull(value, "option '" + name + "'");
            if (name.startsWith("kafka.") && name.length() > "kafka.".length()) {
                return clientProperty(name.substring("kafka.".length()), value);
            }
            return switch (name) {
                case "topicPrefix" -> topicPrefix(value);
                case "instance" -> instance(value);
                case "capabilityPartitions" -> capabilityPartitions(parseInt(name, value));
                case "replyPartitions" -> replyPartitions(parseInt(name, value));
                case "replicationFactor" -> replicationFactor(parseInt(name, value));
                case "createTopics" -> createTopics(parseBoolean(name, value));
                case "lingerMs" -> lingerMs(parseInt(name, value));
                case "replyLingerMs" -> replyLingerMs(parseInt(name, value));
                case "deliveryTimeoutMs" -> deliveryTimeout(Duration.ofMillis(parseInt(name, value)));
                case "sessionTimeoutMs" -> sessionTimeout(Duration.ofMillis(parseInt(name, value)));
                case "revokeGraceMs" -> revokeGrace(Duration.ofMillis(parseInt(name, value)));
                case "dedupeCapacity" -> dedupeCapacity(parseInt(name, value));
                case "keyOrdering" -> keyOrdering(parseBoolean(name, value));
                case "joinCapabilityTopics" -> joinCapabilityTopics(parseBoolean(name, value));
                case "replyRetentionMs" -> replyRetention(Duration.ofMillis(parseInt(name, value)));
                case "saslMechanism" -> clientProperty("sasl.mechanism", value);
                case "securityProtocol" -> clientProperty("security.protocol", value);
                case "truststore" -> tls(value, null, null, null);
                case "truststorePassword" -> tls(null, value, null, null);
                case "keystore" -> tls(null, null, value, null);
                case "keystorePassword" -> tls(null, null, null, value);
                default -> throw new ValidationException("uri option", "must be one of topicPrefix, instance, capabilityPartitions, "
                        + "replyPartitions, replicationFactor, createTopics, lingerMs, replyLingerMs, deliveryTimeoutMs, sessionTimeoutMs, "
                        + "revokeGraceMs, dedupeCapacity, keyOrdering, joinCapabilityTopics, replyRetentionMs, saslMechanism, securityProtocol, "
                        + "truststore, truststorePassword, keystore, keystorePassword or kafka.<client property>",
                        name);
            };
        }

        private static int parseInt(String name, String value) {
            try {
                return Integer.parseInt(value.trim());
            } catch (NumberFormatException e) {
                throw new ValidationException(name, "must be an integer", value);
            }
        }

        private static boolean parseBoolean(String name, String value) {
            ValidationException.require(value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false"), name,
                    "must be true or false", value);
            return Boolean.parseBoolean(value);
        }

        private static Duration requireBetween(Duration d, Duration min, Duration max, String field) {
            ValidationException.requireNonNull(d, field);
            ValidationException.require(d.compareTo(min) >= 0 && d.compareTo(max) <= 0, field,
                    "must be between " + min + " and " + max, d);
            return d;
        }

        /** Builds the configuration. */
        public KafkaTransportConfig build() {
            if (tls) {
                Object protocol = clientProperties.get("security.protocol");
                if (protocol == null) {
                    clientProperties.put("security.protocol", "SSL");
                } else if (saslProtocolDefaulted && "SASL_PLAINTEXT".equals(protocol)) {
                    clientProperties.put("security.protocol", "SASL_SSL");
                }
            }
            return new KafkaTransportConfig(this);
        }
    }
}
