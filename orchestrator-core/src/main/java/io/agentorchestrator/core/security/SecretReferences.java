package io.agentorchestrator.core.security;

import io.agentorchestrator.api.ValidationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves secret references in configuration strings such as transport URIs, so passwords need
 * not be written into code or config files: {@code ${env:NAME}} is replaced by the environment
 * variable {@code NAME}, {@code ${file:/run/secrets/redis}} by the file's content (trimmed). The
 * value is percent-encoded, so any character may appear in it. Error messages name the variable
 * or file, never a value.
 *
 * <p>{@code Orchestrator.builder().transport(String)} and {@code AgentRuntime.builder().transport(String)}
 * resolve references before the URI is parsed, e.g.
 * {@code rediss://app:${env:REDIS_PASSWORD}@redis.internal:6380}.
 */
public final class SecretReferences {

    private static final Pattern REFERENCE = Pattern.compile("\\$\\{(env|file):([^}]+)}");

    private SecretReferences() {
    }

    /** {@code text} with every reference replaced, reading the process environment and files. */
    public static String resolve(String text) {
        return resolve(text, System::getenv);
    }

    /** Like {@link #resolve(String)}, reading variables through {@code environment}; for tests. */
    public static String resolve(String text, Function<String, String> environment) {
        if (text == null || !text.contains("${")) {
            return text;
        }
        Matcher m = REFERENCE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value;
            if (m.group(1).equals("env")) {
                value = environment.apply(m.group(2));
                ValidationException.require(value != null, "${env:" + m.group(2) + "}", "must name a set environment variable", null);
            } else {
                try {
                    value = Files.readString(Path.of(m.group(2)), StandardCharsets.UTF_8).trim();
                } catch (IOException e) {
                    throw new ValidationException("${file:" + m.group(2) + "}", "must name a readable file",
                            e.getClass().getSimpleName());
                }
            }
            m.appendReplacement(out, Matcher.quoteReplacement(percentEncode(value)));
        }
        m.appendTail(out);
        return out.toString();
    }

    /**
     * Whether {@code message} shows a value that {@code text}'s references resolve to (as is or
     * percent-encoded), so it must not be passed on.
     */
    public static boolean reveals(String message, String text) {
        if (message == null || !hasReferences(text)) {
            return false;
        }
        Matcher m = REFERENCE.matcher(text);
        while (m.find()) {
            String one = resolve(m.group(), System::getenv);
            if (!one.isEmpty() && (message.contains(one) || message.contains(decodePercent(one)))) {
                return true;
            }
        }
        return false;
    }

    private static String decodePercent(String s) {
        return java.net.URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** Whether {@code text} holds a reference; such strings must not be shown resolved. */
    public static boolean hasReferences(String text) {
        return text != null && REFERENCE.matcher(text).find();
    }

    private static String percentEncode(String value) {
        StringBuilder sb = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
                sb.append(c);
            } else {
                sb.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return sb.toString();
    }

    /** For tests: resolve against a map. */
    static String resolve(String text, Map<String, String> environment) {
        return resolve(text, environment::get);
    }
}
