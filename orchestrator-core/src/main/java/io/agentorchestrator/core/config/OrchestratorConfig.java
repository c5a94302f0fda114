package io.agentorchestrator.core.config;

import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.Orchestrator;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Orchestrator settings read from outside the code: system properties, environment variables and
 * a properties file, for hosts that configure a deployment rather than recompile it.
 *
 * <p><b>Naming rule.</b> Every key is a property name in lower case with dot-separated words,
 * starting {@value #PREFIX}; its environment variable is the same name in upper case with each dot
 * replaced by an underscore: {@code orchestrator.health.interval} ⇄
 * {@code ORCHESTRATOR_HEALTH_INTERVAL}. No key has an underscore or a dash, so the rule works both
 * ways. {@link #keys()} lists every key.
 *
 * <p><b>Precedence</b>, highest first: what the code sets on the builder, then a system property,
 * then an environment variable, then the properties file, then the default. The code wins because
 * the values are applied to a builder first and the host's own builder calls come after:
 *
 * <pre>{@code
 * Orchestrator orchestrator = OrchestratorConfig.fromSystem()   // -D..., ORCHESTRATOR_..., the file
 *         .newBuilder()
 *         .listener(myListener)                                // the code's own settings win
 *         .build();
 * }</pre>
 *
 * <p>The file is named by {@code orchestrator.config.file} (as a system property or as
 * {@code ORCHESTRATOR_CONFIG_FILE}); it uses the property names.
 *
 * <p><b>Validation.</b> Each value goes through the same builder setter as in code, so it is
 * refused with the same rule, the field naming where it came from:
 * {@code "maxAttempts (environment variable ORCHESTRATOR_MAX_ATTEMPTS) must be between 1 and 100, but was 0"}.
 * A key that starts with the prefix but is not in {@link #keys()} is an error too (a misspelt
 * setting must not be silently ignored).
 *
 * <p>Immutable and thread-safe; reading happens in the factory methods.
 */
public final class OrchestratorConfig {

    /** Every property name starts with this. */
    public static final String PREFIX = "orchestrator.";
    /** Every environment variable of ours starts with this. */
    public static final String ENV_PREFIX = "ORCHESTRATOR_";
    /** The key naming the properties file. */
    public static final String FILE_KEY = "orchestrator.config.file";

    /** Where a value came from, highest precedence first. */
    public enum Source {
        /** A JVM system property ({@code -Dorchestrator.x=...}). */
        SYSTEM_PROPERTY("system property"),
        /** A process environment variable. */
        ENVIRONMENT("environment variable"),
        /** The properties file. */
        FILE("file");

        private final String label;

        Source(String label) {
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    /** One resolved value and where it came from. */
    public record Value(String key, String text, Source source, String origin) {
        /** Where the value came from, for messages: {@code "environment variable ORCHESTRATOR_MAX_ATTEMPTS"}. */
        public String describe() {
            return source + " " + origin;
        }

        /** Shows the text, except of a key that holds key material. */
        @Override
        public String toString() {
            return "Value[key=" + key + ", text=" + (SecurityKeys.secret(key) ? "(secret, " + text.length() + " characters)" : text)
                    + ", source=" + describe() + "]";
        }
    }

    private final Map<String, Value> values;

    private OrchestratorConfig(Map<String, Value> values) {
        this.values = Collections.unmodifiableMap(values);
    }

    /**
     * Reads the JVM's system properties, the process environment and the file they name (if any).
     *
     * @throws ValidationException when a key is unknown or the named file cannot be read
     */
    public static OrchestratorConfig fromSystem() {
        return load(System.getenv(), System.getProperties(), null);
    }

    /**
     * Reads the given sources; the injectable form of {@link #fromSystem()}.
     *
     * @param environment      variables as {@link System#getenv()} gives them; only {@value #ENV_PREFIX}* ones are read
     * @param systemProperties properties as {@link System#getProperties()} gives them; only {@value #PREFIX}* ones are read
     * @param file             a properties file, or null to use the one {@value #FILE_KEY} names (or none)
     * @throws ValidationException when a key is unknown or the file cannot be read
     */
    public static OrchestratorConfig load(Map<String, String> environment, Properties systemProperties, Path file) {
        return load(environment, systemProperties, file, PREFIX);
    }

    /**
     * Reads only the {@code orchestrator.security.*} keys from the given sources (and the file
     * {@value #FILE_KEY} names), refusing unknown ones among them; what the builders read when the
     * code gives no security configuration ({@link io.agentorchestrator.core.security.SecurityConfig#fromEnvironment()}).
     * Other keys are left to {@link #load}, so a host that does not use this class is not stopped
     * by them.
     */
    public static OrchestratorConfig loadSecurity(Map<String, String> environment, Properties systemProperties) {
        return load(environment, systemProperties, null, SecurityKeys.PREFIX);
    }

    private static OrchestratorConfig load(Map<String, String> environment, Properties systemProperties, Path file, String only) {
        ValidationException.requireNonNull(environment, "environment");
        ValidationException.requireNonNull(systemProperties, "systemProperties");
        Map<String, Value> fromProperties = new TreeMap<>();
        for (String name : systemProperties.stringPropertyNames()) {
            if (name.startsWith(PREFIX)) {
                fromProperties.put(name, new Value(name, systemProperties.getProperty(name), Source.SYSTEM_PROPERTY, name));
            }
        }
        Map<String, Value> fromEnvironment = new TreeMap<>();
        for (Map.Entry<String, String> e : environment.entrySet()) {
            if (e.getKey().startsWith(ENV_PREFIX)) {
                String key = propertyName(e.getKey());
                fromEnvironment.put(key, new Value(key, e.getValue(), Source.ENVIRONMENT, e.getKey()));
            }
        }
        Path path = file;
        if (path == null) {
            Value named = fromProperties.containsKey(FILE_KEY) ? fromProperties.get(FILE_KEY) : fromEnvironment.get(FILE_KEY);
            if (named != null && !named.text().isBlank()) {
                path = Path.of(named.text().trim());
            }
        }
        Map<String, Value> fromFile = path == null ? Map.of() : readFile(path);
        List<Value> unknown = new ArrayList<>();
        Map<String, Value> merged = new LinkedHashMap<>();
        for (Map<String, Value> source : List.of(fromFile, fromEnvironment, fromProperties)) {
            for (Value v : source.values()) {
                if (!v.key().startsWith(only)) {
                    continue;
                }
                if (ConfigKeys.byName(v.key()) == null) {
                    unknown.add(v);
                } else {
                    merged.put(v.key(), v);
                }
            }
        }
        if (!unknown.isEmpty()) {
            List<String> names = new ArrayList<>();
            for (Value v : unknown) {
                names.add(v.describe());
            }
            throw new ValidationException("configuration key", "must be one of the keys listed by OrchestratorConfig.keys() "
                    + "(README, Configuration); a key with the " + PREFIX + " / " + ENV_PREFIX + " prefix is never ignored",
                    names);
        }
        return new OrchestratorConfig(merged);
    }

    private static Map<String, Value> readFile(Path path) {
        Properties p = new Properties();
        try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            p.load(reader);
        } catch (IOException | IllegalArgumentException e) {
            throw new ValidationException(FILE_KEY, "must name a readable properties file (" + e + ")", path.toString());
        }
        Map<String, Value> values = new TreeMap<>();
        for (String name : p.stringPropertyNames()) {
            // The file holds only our settings, so every key in it must be one of ours.
            values.put(name, new Value(name, p.getProperty(name), Source.FILE, path + " (" + name + ")"));
        }
        return values;
    }

    /** Every key, in the order of the README table. */
    public static List<ConfigKey> keys() {
        return ConfigKeys.keys();
    }

    /** The environment variable of a property name: upper case, dots to underscores. */
    public static String environmentName(String propertyName) {
        ValidationException.requireNonNull(propertyName, "propertyName");
        return propertyName.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    /** The property name of an environment variable: lower case, underscores to dots. */
    public static String propertyName(String environmentName) {
        ValidationException.requireNonNull(environmentName, "environmentName");
        return environmentName.toLowerCase(Locale.ROOT).replace('_', '.');
    }

    /** The resolved value of a key, from the source with the highest precedence that sets it. */
    public Optional<Value> value(String key) {
        return Optional.ofNullable(values.get(key));
    }

    /** Every resolved value, by key. */
    public Map<String, Value> values() {
        return values;
    }

    /**
     * A new builder with every resolved value applied; calls made on it afterwards override them.
     *
     * @throws ValidationException when a value breaks its setter's rule; the field names the source
     */
    public Orchestrator.Builder newBuilder() {
        return applyTo(Orchestrator.builder());
    }

    /**
     * Applies every resolved value to {@code builder} through its setters. Call it before the
     * host's own builder calls, so those win.
     *
     * @return {@code builder}
     * @throws ValidationException when a value breaks its setter's rule; the field names the source
     */
    public Orchestrator.Builder applyTo(Orchestrator.Builder builder) {
        ValidationException.requireNonNull(builder, "builder");
        ConfigKeys.apply(values, builder);
        return builder;
    }

    /**
     * The security configuration the {@code orchestrator.security.*} values describe (see
     * {@link io.agentorchestrator.core.security.SecurityConfig#fromEnvironment()}); {@link #applyTo}
     * sets it on the builder.
     *
     * @return the configuration, or empty when no security key is set
     * @throws ValidationException when a value is refused; the field names its source, never key material
     */
    public Optional<io.agentorchestrator.core.security.SecurityConfig> security() {
        return SecurityKeys.parse(values);
    }

    /** The README table of every key, generated from {@link #keys()}. */
    public static String markdownTable() {
        StringBuilder sb = new StringBuilder();
        sb.append("| property | environment variable | type | default | builder | meaning |\n");
        sb.append("|---|---|---|---|---|---|\n");
        for (ConfigKey key : keys()) {
            sb.append(key.markdownRow()).append('\n');
        }
        return sb.toString();
    }
}
