package io.agentorchestrator.core.config;

import java.util.Locale;

/**
 * One setting of {@link OrchestratorConfig}: its property name, the environment variable the
 * naming rule derives from it, the builder setting it feeds, its type, default and meaning. The
 * README's key table is checked against {@link OrchestratorConfig#keys()}.
 *
 * @param name        property name, lower case, words separated by dots: {@code orchestrator.health.interval}
 * @param builder     the {@code Orchestrator.Builder} setting (or config record field) it sets, e.g. {@code healthCheck.interval}
 * @param type        what the value must look like: {@code duration}, {@code int}, {@code double}, {@code boolean}, ...
 * @param defaultValue the value when no source sets it, as text; {@code -} when the feature is off by default
 * @param description one line on what it does
 */
public record ConfigKey(String name, String builder, String type, String defaultValue, String description) {

    /** The environment variable of this key: {@link OrchestratorConfig#environmentName(String)}. */
    public String environmentName() {
        return OrchestratorConfig.environmentName(name);
    }

    /** A README table row: {@code | property | ENV | type | default | builder | description |}. */
    public String markdownRow() {
        return String.format(Locale.ROOT, "| `%s` | `%s` | %s | %s | `%s` | %s |", name, environmentName(), type,
                defaultValue.equals("-") ? "off" : "`" + defaultValue + "`", builder, description);
    }
}
