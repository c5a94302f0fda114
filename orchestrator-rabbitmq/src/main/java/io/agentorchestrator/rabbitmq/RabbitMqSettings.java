package io.agentorchestrator.rabbitmq;

import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.ValidationException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What a transport URI such as {@code amqp://user:pass@host:5672/vhost?prefix=orders} says: the
 * broker connection and the transport's options, validated. See the module README for each
 * option.
 *
 * @param tls                 {@code amqps}: TLS with host name verification, trusting {@code truststore} or the JVM's default
 * @param host                broker host
 * @param port                broker port
 * @param virtualHost         virtual host
 * @param username            user name
 * @param password            password (never logged)
 * @param prefix              first segment of every exchange and queue name
 * @param confirmTimeout      how long a publish waits for the broker's confirm before it fails
 * @param publishRetries      how often a publish the broker nacked is tried again
 * @param deliveryLimit       deliveries of one task message before it is dead-lettered
 * @param heartbeat           AMQP heartbeat
 * @param connectionTimeout   TCP connect and handshake timeout
 * @param recoveryInterval    pause between reconnection attempts
 * @param recoveryTimeout     how long replies are awaited across a lost connection before they fail
 * @param queueExpires        {@code x-expires} of agent and capability queues, {@link Duration#ZERO} for none
 * @param replyQueueExpires   {@code x-expires} of the orchestrator's reply queue
 * @param maxPriority         {@code x-max-priority} of agent and capability queues, 0 for plain (non-priority) queues; the
 *                            ten task priorities fall into {@code maxPriority + 1} equal bands ({@link #messagePriority})
 * @param connectionName      the name the broker shows for the connection
 * @param truststore          for TLS: a PKCS12 trust store file holding the broker's CA, or {@code null} for the JVM's
 *                            default trust store
 * @param truststorePassword  that trust store's password, or {@code null} (never logged)
 * @param keystore            for TLS with client certificates: a PKCS12 key store holding this client's key and
 *                            certificate, or {@code null}
 * @param keystorePassword    that key store's password, or {@code null} (never logged)
 */
record RabbitMqSettings(
        boolean tls,
        String host,
        int port,
        String virtualHost,
        String username,
        String password,
        String prefix,
        Duration confirmTimeout,
        int publishRetries,
        int deliveryLimit,
        Duration heartbeat,
        Duration connectionTimeout,
        Duration recoveryInterval,
        Duration recoveryTimeout,
        Duration queueExpires,
        Duration replyQueueExpires,
        int maxPriority,
        String connectionName,
        String truststore,
        String truststorePassword,
        String keystore,
        String keystorePassword) {

    static final String DEFAULT_PREFIX = "orchestrator";
    static final Duration DEFAULT_CONFIRM_TIMEOUT = Duration.ofSeconds(5);
    static final int DEFAULT_PUBLISH_RETRIES = 2;
    static final int DEFAULT_DELIVERY_LIMIT = 5;
    static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(10);
    static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(10);
    static final Duration DEFAULT_RECOVERY_INTERVAL = Duration.ofSeconds(1);
    static final Duration DEFAULT_RECOVERY_TIMEOUT = Duration.ofSeconds(30);
    static final Duration DEFAULT_REPLY_QUEUE_EXPIRES = Duration.ofMinutes(5);
    /**
     * Queues order waiting tasks in three bands of task priority (0-3, 4-6, 7-9) unless told
     * otherwise: a classic priority queue costs the broker work per level on every message (in
     * {@code bench rabbitmq} the queue process spent 1,170 reductions a message as a plain queue,
     * 1,500 with three levels and 2,080 with ten, a quarter more for the whole request/reply), and
     * the orchestrator's own waiting queue orders by all ten anyway.
     */
    static final int DEFAULT_MAX_PRIORITY = 2;

    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Set<String> OPTIONS = new TreeSet<>(Set.of("prefix", "confirmTimeout", "publishRetries", "deliveryLimit",
            "heartbeat", "connectionTimeout", "recoveryInterval", "recoveryTimeout", "queueExpires", "replyQueueExpires",
            "maxPriority", "connectionName", "truststore", "truststorePassword", "keystore", "keystorePassword"));

    /**
     * Parses and validates a transport URI.
     *
     * @throws ValidationException naming the part of the URI that is wrong
     */
    static RabbitMqSettings parse(URI uri) {
        ValidationException.requireNonNull(uri, "uri");
        String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
        ValidationException.require("amqp".equals(scheme) || "amqps".equals(scheme), "uri scheme", "must be amqp or amqps", scheme);
        boolean tls = "amqps".equals(scheme);
        ValidationException.require(!uri.isOpaque(), "uri", "must look like amqp://user:pass@host:5672/vhost", uri.toString());
        String host = uri.getHost();
        if (uri.getRawAuthority() != null && host == null) {
            throw new ValidationException("uri host", "must be a valid host name or address", uri.getRawAuthority());
        }
        host = host == null || host.isEmpty() ? "127.0.0.1" : host;
        int port = uri.getPort() == -1 ? (tls ? 5671 : 5672) : uri.getPort();
        ValidationException.requireInRange(port, 1, 65535, "uri port");

        String username = "guest";
        String password = "guest";
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            username = decode(colon < 0 ? userInfo : userInfo.substring(0, colon), "uri user");
            password = colon < 0 ? "" : decode(userInfo.substring(colon + 1), "uri password");
            ValidationException.require(!username.isEmpty(), "uri user", "must not be empty when user info is given", "");
        }

        String rawPath = uri.getRawPath();
        String rawVirtualHost = rawPath == null || rawPath.length() <= 1 ? "" : rawPath.substring(1);
        ValidationException.require(!rawVirtualHost.contains("/"), "uri virtual host", "must be one path segment (encode '/' as %2F)",
                rawPath);
        String virtualHost = rawVirtualHost.isEmpty() ? "/" : decode(rawVirtualHost, "uri virtual host");

        Map<String, String> q = query(uri.getRawQuery());
        for (String key : q.keySet()) {
            ValidationException.require(OPTIONS.contains(key), "uri option '" + key + "'", "is not known; known options: " + OPTIONS, key);
        }
        String prefix = q.getOrDefault("prefix", DEFAULT_PREFIX);
        ValidationException.require(PREFIX.matcher(prefix).matches(), "prefix",
                "must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit", prefix);
        Duration confirmTimeout = positive(q, "confirmTimeout", DEFAULT_CONFIRM_TIMEOUT);
        int publishRetries = integer(q, "publishRetries", DEFAULT_PUBLISH_RETRIES, 0, 100);
        int deliveryLimit = integer(q, "deliveryLimit", DEFAULT_DELIVERY_LIMIT, 1, 1000);
        Duration heartbeat = nonNegative(q, "heartbeat", DEFAULT_HEARTBEAT);
        Duration connectionTimeout = positive(q, "connectionTimeout", DEFAULT_CONNECTION_TIMEOUT);
        Duration recoveryInterval = positive(q, "recoveryInterval", DEFAULT_RECOVERY_INTERVAL);
        Duration recoveryTimeout = positive(q, "recoveryTimeout", DEFAULT_RECOVERY_TIMEOUT);
        Duration queueExpires = nonNegative(q, "queueExpires", Duration.ZERO);
        Duration replyQueueExpires = positive(q, "replyQueueExpires", DEFAULT_REPLY_QUEUE_EXPIRES);
        int maxPriority = integer(q, "maxPriority", DEFAULT_MAX_PRIORITY, 0, Task.MAX_PRIORITY);
        String connectionName = q.get("connectionName");
        if (connectionName != null) {
            ValidationException.require(!connectionName.isBlank() && connectionName.length() <= 255, "connectionName",
                    "must be 1-255 characters", connectionName);
        }
        String truststore = q.get("truststore");
        ValidationException.require(truststore == null || tls, "truststore", "needs amqps:// (TLS)", truststore);
        ValidationException.require(truststore == null || new java.io.File(truststore).isFile(), "truststore",
                "must be a readable trust store file", truststore);
        String truststorePassword = q.get("truststorePassword");
        ValidationException.require(truststorePassword == null || truststore != null, "truststorePassword",
                "needs the truststore option", "(hidden)");
        String keystore = q.get("keystore");
        ValidationException.require(keystore == null || tls, "keystore", "needs amqps:// (TLS)", keystore);
        ValidationException.require(keystore == null || new java.io.File(keystore).isFile(), "keystore",
                "must be a readable key store file", keystore);
        String keystorePassword = q.get("keystorePassword");
        ValidationException.require(keystorePassword == null || keystore != null, "keystorePassword",
                "needs the keystore option", "(hidden)");
        return new RabbitMqSettings(tls, host, port, virtualHost, username, password, prefix, confirmTimeout, publishRetries,
                deliveryLimit, heartbeat, connectionTimeout, recoveryInterval, recoveryTimeout, queueExpires, replyQueueExpires,
                maxPriority, connectionName, truststore, truststorePassword, keystore, keystorePassword);
    }

    /** The broker address without credentials, for messages and logs. */
    String address() {
        String vh = virtualHost.equals("/") ? "" : virtualHost;
        return (tls ? "amqps" : "amqp") + "://" + username + "@" + host + ":" + port + "/" + vh;
    }

    String tasksExchange() {
        return prefix + ".tasks";
    }

    String deadLetterExchange() {
        return prefix + ".dead-letter";
    }

    String deadLetterQueue() {
        return prefix + ".dead-letter";
    }

    /** The topic exchange of the event channels: one routing key per channel. */
    String eventsExchange() {
        return prefix + ".events";
    }

    String directoryExchange() {
        return prefix + ".directory";
    }

    String directoryQueriesExchange() {
        return prefix + ".directory-queries";
    }

    @Override
    public String toString() {
        // The record's default would print the password.
        return "RabbitMqSettings[" + address() + ", prefix=" + prefix + "]";
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            ValidationException.require(eq > 0, "uri option", "must be name=value", pair);
            String key = decode(pair.substring(0, eq), "uri option");
            ValidationException.require(!out.containsKey(key), "uri option '" + key + "'", "must be given once", pair);
            out.put(key, decode(pair.substring(eq + 1), "uri option '" + key + "'"));
        }
        return out;
    }

    private static String decode(String s, String field) {
        try {
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new ValidationException(field, "must be valid percent-encoding", s);
        }
    }

    private static int integer(Map<String, String> q, String key, int dflt, int min, int max) {
        String v = q.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            return ValidationException.requireInRange(Integer.parseInt(v.trim()), min, max, key);
        } catch (NumberFormatException e) {
            throw new ValidationException(key, "must be an integer between " + min + " and " + max, v);
        }
    }

    private static Duration positive(Map<String, String> q, String key, Duration dflt) {
        Duration d = nonNegative(q, key, dflt);
        ValidationException.require(!d.isZero(), key, "must be > 0", q.get(key));
        return d;
    }

    /** Durations are milliseconds ({@code 1500}) or a number with a unit: {@code 250ms}, {@code 5s}, {@code 2m}. */
    private static Duration nonNegative(Map<String, String> q, String key, Duration dflt) {
        String v = q.get(key);
        if (v == null) {
            return dflt;
        }
        String s = v.trim().toLowerCase(Locale.ROOT);
        try {
            long n;
            Duration d;
            if (s.endsWith("ms")) {
                d = Duration.ofMillis(n = Long.parseLong(s.substring(0, s.length() - 2)));
            } else if (s.endsWith("s")) {
                d = Duration.ofSeconds(n = Long.parseLong(s.substring(0, s.length() - 1)));
            } else if (s.endsWith("m")) {
                d = Duration.ofMinutes(n = Long.parseLong(s.substring(0, s.length() - 1)));
            } else {
                d = Duration.ofMillis(n = Long.parseLong(s));
            }
            ValidationException.require(n >= 0, key, "must be >= 0", v);
            return d;
        } catch (NumberFormatException | ArithmeticException e) {
            throw new ValidationException(key, "must be a duration such as 1500, 250ms, 5s or 2m", v);
        }
    }

    /**
     * The AMQP message priority of a task of priority {@code taskPriority} (0-9): its band among
     * {@code maxPriority + 1} equal bands, {@code taskPriority * (maxPriority + 1) / 10}. With 9
     * that is the task priority itself; with the default 2, 0-3 go to 0, 4-6 to 1 and 7-9 to 2,
     * so tasks of different bands come out of the queue in priority order and those of one band
     * in arrival order. With 0 (a plain queue) it is 0.
     */
    int messagePriority(int taskPriority) {
        return taskPriority * (maxPriority + 1) / (Task.MAX_PRIORITY + 1);
    }
}
