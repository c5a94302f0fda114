package io.agentorchestrator.redis;

import io.agentorchestrator.api.ValidationException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The connection and delivery settings of one Redis transport, parsed and validated from its URI:
 * {@code redis[s]://[user:password@]host[:port][/db][?option=value&...]}. Immutable.
 *
 * @param uri            the URI as given, for messages (the password is never shown: see {@link #redacted()})
 * @param tls            {@code rediss://}
 * @param host           the server host
 * @param port           the server port, default 6379
 * @param user           ACL user, or {@code null}
 * @param password       password, or {@code null}
 * @param database       database index, default 0
 * @param prefix         prefix of every key the transport uses, default {@value #DEFAULT_PREFIX}
 * @param maxLen         approximate cap on each task stream's length (XADD MAXLEN ~)
 * @param claimIdle      how long a delivered, unacknowledged task may sit idle before another consumer reclaims it
 * @param block          how long one blocking read waits
 * @param timeout        connect and command timeout
 * @param poolSize       most pooled connections
 * @param replyTtl       how long an orchestrator's reply stream outlives its last refresh
 * @param dedupeTtl      how long an agent remembers that it answered a task attempt
 * @param leaseCheck     how often a directory watcher looks for expired leases
 * @param deadLetterMaxLen approximate cap on the dead-letter stream's length
 * @param clientName     the CLIENT SETNAME of every connection
 * @param truststore     for TLS: a PKCS12 trust store file holding the server's CA, or {@code null}
 *                       for the JVM's default trust store
 * @param truststorePassword its password, or {@code null}
 * @param keystore       for TLS with client certificates: a PKCS12 key store holding this client's
 *                       key and certificate, or {@code null}
 * @param keystorePassword its password, or {@code null}
 */
record RedisSettings(
        String uri,
        boolean tls,
        String host,
        int port,
        String user,
        String password,
        int database,
        String prefix,
        long maxLen,
        Duration claimIdle,
        Duration block,
        Duration timeout,
        int poolSize,
        Duration replyTtl,
        Duration dedupeTtl,
        Duration leaseCheck,
        long deadLetterMaxLen,
        String clientName,
        String truststore,
        String truststorePassword,
        String keystore,
        String keystorePassword) {

    static final String DEFAULT_PREFIX = "ao";
    static final int DEFAULT_PORT = 6379;
    static final long DEFAULT_MAX_LEN = 100_000;
    static final Duration DEFAULT_CLAIM_IDLE = Duration.ofSeconds(30);
    static final Duration DEFAULT_BLOCK = Duration.ofSeconds(1);
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    static final int DEFAULT_POOL_SIZE = 64;
    static final Duration DEFAULT_REPLY_TTL = Duration.ofMinutes(10);
    static final Duration DEFAULT_DEDUPE_TTL = Duration.ofHours(1);
    static final Duration DEFAULT_LEASE_CHECK = Duration.ofSeconds(1);
    static final long DEFAULT_DEAD_LETTER_MAX_LEN = 10_000;
    static final String DEFAULT_CLIENT_NAME = "agent-orchestrator";

    private static final Set<String> OPTIONS = Set.of("prefix", "maxLen", "claimIdle", "block", "timeout", "poolSize",
            "replyTtl", "dedupeTtl", "leaseCheck", "deadLetterMaxLen", "clientName", "db", "truststore", "truststorePassword",
            "keystore", "keystorePassword");
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)?");
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,63}");

    /**
     * Parses and checks a transport URI.
     *
     * @throws ValidationException naming the first part of the URI that breaks its rule
     */
    static RedisSettings parse(URI uri) {
        ValidationException.requireNonNull(uri, "transport");
        String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
        ValidationException.require("redis".equals(scheme) || "rediss".equals(scheme), "transport",
                "must use the scheme redis:// or rediss://", uri.toString());
        ValidationException.require(!uri.isOpaque(), "transport", "must be of the form redis://host:port", uri.toString());
        String host = uri.getHost();
        ValidationException.require(host != null && !host.isEmpty(), "host", "must be set, as in redis://127.0.0.1:6379", uri.getAuthority());
        int port = uri.getPort() == -1 ? DEFAULT_PORT : uri.getPort();
        ValidationException.requireInRange(port, 1, 65535, "port");

        String user = null;
        String password = null;
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            ValidationException.require(colon >= 0, "userinfo", "must be user:password or :password (the password is required)",
                    "(hidden)");
            user = colon == 0 ? null : decode(userInfo.substring(0, colon));
            password = decode(userInfo.substring(colon + 1));
            ValidationException.require(!password.isEmpty(), "password", "must not be empty when userinfo is given", "");
        }

        Map<String, String> options = query(uri);
        int database = 0;
        String path = uri.getPath();
        if (path != null && !path.isEmpty() && !path.equals("/")) {
            database = parseInt(path.substring(1), "database (URI path)");
        }
        if (options.containsKey("db")) {
            database = parseInt(options.get("db"), "db");
        }
        ValidationException.require(database >= 0, "database", "must be >= 0", database);

        String prefix = options.getOrDefault("prefix", DEFAULT_PREFIX);
        ValidationException.require(PREFIX.matcher(prefix).matches(), "prefix",
                "must be 1-64 characters of letters, digits, '.', '_', ':' or '-', starting with a letter or digit", prefix);
        long maxLen = parseLong(options.getOrDefault("maxLen", String.valueOf(DEFAULT_MAX_LEN)), "maxLen");
        ValidationException.require(maxLen >= 100, "maxLen", "must be >= 100", maxLen);
        long deadLetterMaxLen = parseLong(options.getOrDefault("deadLetterMaxLen", String.valueOf(DEFAULT_DEAD_LETTER_MAX_LEN)),
                "deadLetterMaxLen");
        ValidationException.require(deadLetterMaxLen >= 1, "deadLetterMaxLen", "must be >= 1", deadLetterMaxLen);
        Duration claimIdle = duration(options, "claimIdle", DEFAULT_CLAIM_IDLE, Duration.ofMillis(100));
        Duration block = duration(options, "block", DEFAULT_BLOCK, Duration.ofMillis(10));
        ValidationException.require(block.compareTo(Duration.ofSeconds(60)) <= 0, "block", "must be at most 60s", options.get("block"));
        Duration timeout = duration(options, "timeout", DEFAULT_TIMEOUT, Duration.ofMillis(50));
        Duration replyTtl = duration(options, "replyTtl", DEFAULT_REPLY_TTL, Duration.ofSeconds(10));
        Duration dedupeTtl = duration(options, "dedupeTtl", DEFAULT_DEDUPE_TTL, Duration.ofSeconds(1));
        Duration leaseCheck = duration(options, "leaseCheck", DEFAULT_LEASE_CHECK, Duration.ofMillis(50));
        int poolSize = parseInt(options.getOrDefault("poolSize", String.valueOf(DEFAULT_POOL_SIZE)), "poolSize");
        ValidationException.requireInRange(poolSize, 2, 10_000, "poolSize");
        String clientName = options.getOrDefault("clientName", DEFAULT_CLIENT_NAME);
        ValidationException.require(!clientName.isEmpty() && clientName.chars().noneMatch(c -> c <= ' '), "clientName",
                "must be non-empty without spaces", clientName);
        String truststore = options.get("truststore");
        ValidationException.require(truststore == null || "rediss".equals(scheme), "truststore", "needs rediss:// (TLS)", truststore);
        ValidationException.require(truststore == null || new java.io.File(truststore).isFile(), "truststore",
                "must be a readable trust store file", truststore);
        String truststorePassword = options.get("truststorePassword");
        String keystore = options.get("keystore");
        ValidationException.require(keystore == null || "rediss".equals(scheme), "keystore", "needs rediss:// (TLS)", keystore);
        ValidationException.require(keystore == null || new java.io.File(keystore).isFile(), "keystore",
                "must be a readable key store file", keystore);
        String keystorePassword = options.get("keystorePassword");

        return new RedisSettings(uri.toString(), "rediss".equals(scheme), host, port, user, password, database, prefix, maxLen,
                claimIdle, block, timeout, poolSize, replyTtl, dedupeTtl, leaseCheck, deadLetterMaxLen, clientName, truststore,
                truststorePassword, keystore, keystorePassword);
    }

    /** The broker address for messages and exceptions, without credentials. */
    String redacted() {
        return (tls ? "rediss://" : "redis://") + host + ":" + port + "/" + database;
    }

    @Override
    public String toString() {
        return "RedisSettings[" + redacted() + ", prefix=" + prefix + "]";
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> options = new LinkedHashMap<>();
        String raw = uri.getRawQuery();
        if (raw == null || raw.isEmpty()) {
            return options;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            ValidationException.require(OPTIONS.contains(name), "transport option",
                    "must be one of " + new java.util.TreeSet<>(OPTIONS), name);
            ValidationException.require(!options.containsKey(name), name, "must be given once", value);
            options.put(name, value);
        }
        return options;
    }

    private static Duration duration(Map<String, String> options, String name, Duration fallback, Duration min) {
        String value = options.get(name);
        if (value == null) {
            return fallback;
        }
        Matcher m = DURATION.matcher(value.trim());
        ValidationException.require(m.matches(), name, "must be a duration such as 500ms, 30s, 5m or 1h (a bare number is ms)", value);
        long amount;
        try {
            amount = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new ValidationException(name, "must be a duration that fits in a long", value);
        }
        String unit = m.group(2) == null ? "ms" : m.group(2);
        Duration d = switch (unit) {
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofMillis(amount);
        };
        ValidationException.require(d.compareTo(min) >= 0, name, "must be at least " + min.toMillis() + "ms", value);
        return d;
    }

    private static int parseInt(String value, String field) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new ValidationException(field, "must be an integer", value);
        }
    }

    private static long parseLong(String value, String field) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new ValidationException(field, "must be an integer", value);
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
