package io.agentorchestrator.core.security;

import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.api.security.KeyProvider;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * Builds {@link KeyProvider}s from a map, environment variables or a file. Keys are base64
 * (standard or URL-safe alphabet), at least {@value #MIN_KEY_BYTES} bytes. None of the providers
 * show key material in {@code toString()} or in exception messages.
 *
 * <p>The environment and file forms share one layout: {@code <PREFIX>_CURRENT} (or
 * {@code current} in the file) names the key id new messages use, and {@code <PREFIX>_<keyId>}
 * (or {@code <keyId>} in the file) holds each key. Rotating a key: add the new key, make it
 * current, and remove the old one once nothing signed or encrypted with it is in flight.
 */
public final class KeyProviders {

    /** Shortest key accepted: 256 bits, enough for HMAC-SHA256 and AES-256. */
    public static final int MIN_KEY_BYTES = 32;
    /** Longest key id; ids travel in every message. */
    public static final int MAX_KEY_ID_LENGTH = 64;

    private KeyProviders() {
    }

    /**
     * A fixed set of keys handed over by the host application.
     *
     * @param currentKeyId the id new messages use; must be one of {@code keys}
     * @param keys         raw key bytes by key id; copied
     * @throws ValidationException when a key is shorter than {@value #MIN_KEY_BYTES} bytes or
     *                             {@code currentKeyId} is missing
     */
    public static KeyProvider of(String currentKeyId, Map<String, byte[]> keys) {
        ValidationException.requireNonNull(keys, "keys");
        Map<String, SecretKey> copy = new LinkedHashMap<>();
        keys.forEach((id, bytes) -> copy.put(checkId(id), key(id, bytes)));
        return new FixedKeys(checkCurrent(currentKeyId, copy), copy);
    }

    /**
     * Keys from environment variables {@code <prefix>_CURRENT} and {@code <prefix>_<keyId>}, read
     * once now, e.g. {@code BILLING_SIGNING_KEY_CURRENT=k2}, {@code BILLING_SIGNING_KEY_k2=<base64>}. (The
     * orchestrator's own settings use {@code ORCHESTRATOR_SECURITY_SIGNING_KEYS} instead, see
     * {@link SecurityConfig#fromEnvironment()}.)
     *
     * @throws ValidationException when no current key is set or a key is invalid; the message
     *                             names the variable, never its value
     */
    public static KeyProvider fromEnvironment(String prefix) {
        return fromVariables(prefix, System.getenv());
    }

    /** Like {@link #fromEnvironment(String)}, reading from {@code variables} instead; for tests and custom sources. */
    public static KeyProvider fromVariables(String prefix, Map<String, String> variables) {
        ValidationException.requireNonNull(prefix, "prefix");
        ValidationException.requireNonNull(variables, "variables");
        String start = prefix + "_";
        Map<String, String> entries = new LinkedHashMap<>();
        variables.forEach((name, value) -> {
            if (name.startsWith(start) && name.length() > start.length()) {
                entries.put(name.substring(start.length()), value);
            }
        });
        return parse(entries, "current", prefix + "_");
    }

    /**
     * Keys from a properties file: {@code current=<keyId>} and one {@code <keyId>=<base64>} line
     * per key. The file is read again when its modification time changes, so keys rotate without
     * a restart; if a new version cannot be read, the keys read last stay in use.
     *
     * @throws ValidationException when the file cannot be read or holds no valid current key
     */
    public static KeyProvider fromFile(Path file) {
        ValidationException.requireNonNull(file, "file");
        return new FileKeys(file);
    }

    /**
     * Keys from one line of text, as a configuration value holds them: {@code keyId:base64} pairs,
     * comma-separated; the first is the current key, e.g. {@code k2:<base64>,k1:<base64>}. To
     * rotate, put the new key first and drop the old one once nothing signed with it is in flight.
     *
     * @throws ValidationException when the text is empty, a pair lacks its {@code :}, an id repeats
     *                             or a key is invalid; the message never shows key material
     */
    public static KeyProvider fromList(String text) {
        ValidationException.requireNonNull(text, "keys");
        Map<String, SecretKey> keys = new LinkedHashMap<>();
        String current = null;
        int n = 0;
        for (String pair : text.split(",")) {
            n++;
            if (pair.isBlank()) {
                continue;
            }
            int colon = pair.indexOf(':');
            ValidationException.require(colon > 0, "keys", "must be keyId:base64 pairs, comma-separated", "(pair " + n + ", not shown)");
            String id = checkId(pair.substring(0, colon).trim());
            String field = "key '" + id + "'";
            ValidationException.require(!keys.containsKey(id), "keys", "must name each key id once", id);
            keys.put(id, key(field, decode(field, pair.substring(colon + 1))));
            current = current == null ? id : current;
        }
        ValidationException.require(current != null, "keys", "must hold at least one keyId:base64 pair", "(empty)");
        return new FixedKeys(current, keys);
    }

    private static byte[] decode(String field, String base64) {
        try {
            return Base64.getMimeDecoder().decode(base64.trim().replace('-', '+').replace('_', '/'));
        } catch (IllegalArgumentException bad) {
            throw new ValidationException(field, "must be base64", "(" + base64.trim().length() + " characters, not shown)");
        }
    }

    /** Whether {@code <prefix>_CURRENT} is set in the environment. */
    public static boolean presentInEnvironment(String prefix) {
        return System.getenv(prefix + "_CURRENT") != null;
    }

    static KeyProvider parse(Map<String, String> entries, String currentName, String where) {
        String current = null;
        Map<String, SecretKey> keys = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : entries.entrySet()) {
            if (e.getKey().equalsIgnoreCase(currentName)) {
                current = e.getValue() == null ? null : e.getValue().trim();
                continue;
            }
            keys.put(checkId(e.getKey()), key(where + e.getKey(), decode(where + e.getKey(), e.getValue())));
        }
        ValidationException.require(current != null, where + currentName, "must name the current key id", null);
        return new FixedKeys(checkCurrent(current, keys), keys);
    }

    private static String checkId(String id) {
        ValidationException.requireNonNull(id, "keyId");
        ValidationException.require(id.matches("[A-Za-z0-9._-]{1," + MAX_KEY_ID_LENGTH + "}"), "keyId",
                "must be 1-" + MAX_KEY_ID_LENGTH + " letters, digits, '.', '_' or '-'", id);
        return id;
    }

    private static String checkCurrent(String current, Map<String, SecretKey> keys) {
        ValidationException.requireNonNull(current, "currentKeyId");
        ValidationException.require(keys.containsKey(current), "currentKeyId", "must be one of the key ids " + new TreeSet<>(keys.keySet()), current);
        return current;
    }

    private static SecretKey key(String field, byte[] bytes) {
        ValidationException.requireNonNull(bytes, field);
        ValidationException.require(bytes.length >= MIN_KEY_BYTES, field, "must be at least " + MIN_KEY_BYTES + " bytes",
                bytes.length);
        // The algorithm name is a label: the same bytes serve HmacSHA256 or AES (the cipher re-wraps them).
        return new SecretKeySpec(bytes, "RAW");
    }

    /** Keys fixed at creation. */
    private record FixedKeys(String currentKeyId, Map<String, SecretKey> keys) implements KeyProvider {
        @Override
        public Optional<SecretKey> key(String keyId) {
            return Optional.ofNullable(keyId == null ? null : keys.get(keyId));
        }

        @Override
        public String toString() {
            return "KeyProvider[current=" + currentKeyId + ", ids=" + new TreeSet<>(keys.keySet()) + "]";
        }
    }

    /** Keys from a file, re-read when it changes. */
    private static final class FileKeys implements KeyProvider {
        private final Path file;
        private volatile KeyProvider keys;
        private volatile long modified;

        FileKeys(Path file) {
            this.file = file;
            this.keys = load();
        }

        private KeyProvider load() {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                modified = Files.getLastModifiedTime(file).toMillis();
                p.load(r);
            } catch (IOException e) {
                throw new ValidationException("file", "must be a readable key file (" + e.getClass().getSimpleName() + ")", file);
            }
            Map<String, String> entries = new LinkedHashMap<>();
            p.stringPropertyNames().forEach(n -> entries.put(n, p.getProperty(n)));
            return parse(entries, "current", file + ": ");
        }

        private KeyProvider fresh() {
            try {
                if (Files.getLastModifiedTime(file).toMillis() != modified) {
                    keys = load();
                }
            } catch (IOException | ValidationException e) {
                // Keep the keys read last: a half-written file must not stop signing.
            }
            return keys;
        }

        @Override
        public String currentKeyId() {
            return fresh().currentKeyId();
        }

        @Override
        public Optional<SecretKey> key(String keyId) {
            return fresh().key(keyId);
        }

        @Override
        public String toString() {
            return "KeyProvider[file=" + file + "]";
        }
    }
}
