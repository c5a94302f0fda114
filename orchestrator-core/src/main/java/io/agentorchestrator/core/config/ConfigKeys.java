package io.agentorchestrator.core.config;

import io.agentorchestrator.api.ProviderNotFoundException;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.CircuitBreakerConfig;
import io.agentorchestrator.core.HealthCheckConfig;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.OutlierDetectionConfig;
import io.agentorchestrator.core.RateLimitConfig;
import io.agentorchestrator.core.ResultCacheConfig;
import io.agentorchestrator.core.scaling.ScalingPolicy;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The table behind {@link OrchestratorConfig}: every key, how its text is parsed and which builder
 * setter takes it. Settings the builder takes together (a retry backoff's base and max, a health
 * check's fields) are collected per group and set in one call at the end, with the defaults of the
 * fields no source named.
 */
final class ConfigKeys {

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    /** What applying the values works on: the builder and the groups being collected. */
    static final class Target {
        final Orchestrator.Builder builder;
        final Map<String, Object> group = new LinkedHashMap<>();

        Target(Orchestrator.Builder builder) {
            this.builder = builder;
        }

        @SuppressWarnings("unchecked")
        <T> T get(String name, T fallback) {
            Object v = group.get(name);
            return v == null ? fallback : (T) v;
        }

        boolean any(String prefix) {
            for (String name : group.keySet()) {
                if (name.startsWith(prefix)) {
                    return true;
                }
            }
            return false;
        }
    }

    @FunctionalInterface
    interface Setter {
        void set(Target target, String text);
    }

    private record Def(ConfigKey key, Setter setter) {
    }

    private static final Map<String, Def> DEFS = new LinkedHashMap<>();

    static {
        def("orchestrator.config.file", "-", "path", "-", "properties file read as the lowest-precedence source",
                (t, v) -> { });
        def("orchestrator.transport", "transport(uri)", "list of URIs", Orchestrator.Builder.DEFAULT_TRANSPORT,
                "transports, comma-separated, e.g. `inproc:,redis://127.0.0.1:6379`", (t, v) -> {
                    for (String uri : list(v)) {
                        t.builder.transport(uri);
                    }
                });
        def("orchestrator.balancer", "balancer(name)", "name", Orchestrator.Builder.DEFAULT_BALANCER, "balancer by name",
                (t, v) -> t.builder.balancer(v.trim()));
        def("orchestrator.default.timeout", "defaultTimeout", "duration", Orchestrator.Builder.DEFAULT_TIMEOUT_SECONDS + "s",
                "time a task gets when it sets none", (t, v) -> t.builder.defaultTimeout(duration(v, "defaultTimeout")));
        def("orchestrator.max.attempts", "maxAttempts", "int", String.valueOf(Orchestrator.Builder.DEFAULT_MAX_ATTEMPTS),
                "agents tried per task, the first included", (t, v) -> t.builder.maxAttempts(integer(v, "maxAttempts")));
        def("orchestrator.max.queued.tasks", "maxQueuedTasks", "int", String.valueOf(Orchestrator.Builder.DEFAULT_MAX_QUEUED_TASKS),
                "tasks per capability that may wait for a free agent", (t, v) -> t.builder.maxQueuedTasks(integer(v, "maxQueuedTasks")));
        def("orchestrator.max.payload.bytes", "maxPayloadBytes", "int", String.valueOf(Orchestrator.Builder.DEFAULT_MAX_PAYLOAD_BYTES),
                "largest task payload", (t, v) -> t.builder.maxPayloadBytes(integer(v, "maxPayloadBytes")));
        def("orchestrator.shutdown.timeout", "shutdownTimeout", "duration", text(Orchestrator.Builder.DEFAULT_SHUTDOWN_TIMEOUT),
                "how long close() waits for tasks in flight", (t, v) -> t.builder.shutdownTimeout(duration(v, "shutdownTimeout")));
        def("orchestrator.latency.decay", "latencyDecay", "duration", text(Orchestrator.Builder.DEFAULT_LATENCY_DECAY),
                "time constant of each agent's peak-EWMA latency", (t, v) -> t.builder.latencyDecay(duration(v, "latencyDecay")));
        def("orchestrator.local.zone", "localZone", "text", "-", "zone preferred for tasks that name none",
                (t, v) -> t.builder.localZone(v.trim()));
        def("orchestrator.watch.agent.directory", "watchAgentDirectory", "boolean", "true",
                "register the agents that announce themselves", (t, v) -> t.builder.watchAgentDirectory(bool(v, "watchAgentDirectory")));
        def("orchestrator.lease.grace.ttls", "leaseGraceTtls", "int", String.valueOf(Orchestrator.Builder.DEFAULT_LEASE_GRACE_TTLS),
                "TTLs a lapsed agent stays registered", (t, v) -> t.builder.leaseGraceTtls(integer(v, "leaseGraceTtls")));
        def("orchestrator.hedge.delay", "hedging", "duration", "-", "hedge idempotent tasks after this delay",
                (t, v) -> t.builder.hedging(duration(v, "hedgeDelay")));
        group("orchestrator.retry.backoff.base", "retryBackoffBase", "duration", text(Orchestrator.Builder.DEFAULT_RETRY_BACKOFF_BASE),
                "most delay before a first retry", ConfigKeys::duration);
        group("orchestrator.retry.backoff.max", "retryBackoffMax", "duration", text(Orchestrator.Builder.DEFAULT_RETRY_BACKOFF_MAX),
                "most delay before any retry", ConfigKeys::duration);
        group("orchestrator.retry.budget.ratio", "retryBudgetRatio", "double", String.valueOf(Orchestrator.Builder.DEFAULT_RETRY_BUDGET_RATIO),
                "retries allowed per recent request", ConfigKeys::decimal);
        group("orchestrator.retry.budget.min.per.second", "minRetriesPerSecond", "int",
                String.valueOf(Orchestrator.Builder.DEFAULT_RETRY_BUDGET_MIN_PER_SECOND), "retries always allowed per second", ConfigKeys::integer);

        group("orchestrator.health.enabled", "healthCheck", "boolean", "false", "active health checks; on when any health key is set",
                ConfigKeys::bool);
        group("orchestrator.health.probe", "healthCheck.probe", "name", HealthCheckConfig.DEFAULT_PROBE, "probe by name (ping, http, tcp)",
                (v, f) -> v.trim());
        group("orchestrator.health.interval", "healthCheck.interval", "duration", text(HealthCheckConfig.DEFAULT_INTERVAL),
                "time between checks of one agent", ConfigKeys::duration);
        group("orchestrator.health.jitter", "healthCheck.jitter", "duration", text(HealthCheckConfig.DEFAULT_JITTER),
                "random extra time per interval", ConfigKeys::duration);
        group("orchestrator.health.timeout", "healthCheck.timeout", "duration", text(HealthCheckConfig.DEFAULT_TIMEOUT),
                "a check still running after this failed", ConfigKeys::duration);
        group("orchestrator.health.healthy.threshold", "healthCheck.healthyThreshold", "int",
                String.valueOf(HealthCheckConfig.DEFAULT_HEALTHY_THRESHOLD), "passes in a row that make an agent HEALTHY", ConfigKeys::integer);
        group("orchestrator.health.unhealthy.threshold", "healthCheck.unhealthyThreshold", "int",
                String.valueOf(HealthCheckConfig.DEFAULT_UNHEALTHY_THRESHOLD), "failures in a row that make it UNHEALTHY", ConfigKeys::integer);

        group("orchestrator.outlier.enabled", "outlierDetection", "boolean", "false", "passive outlier detection; on when any outlier key is set",
                ConfigKeys::bool);
        group("orchestrator.outlier.consecutive.failures", "outlierDetection.consecutiveFailures", "int",
                String.valueOf(OutlierDetectionConfig.DEFAULT_CONSECUTIVE_FAILURES), "failures in a row that eject", ConfigKeys::integer);
        group("orchestrator.outlier.failure.rate.threshold", "outlierDetection.failureRateThreshold", "double",
                String.valueOf(OutlierDetectionConfig.DEFAULT_FAILURE_RATE_THRESHOLD), "failure rate that ejects (0 off)", ConfigKeys::decimal);
        group("orchestrator.outlier.failure.rate.window", "outlierDetection.failureRateWindow", "int",
                String.valueOf(OutlierDetectionConfig.DEFAULT_FAILURE_RATE_WINDOW), "calls the failure rate is computed over", ConfigKeys::integer);
        group("orchestrator.outlier.minimum.calls", "outlierDetection.minimumCalls", "int",
                String.valueOf(OutlierDetectionConfig.DEFAULT_MINIMUM_CALLS), "calls before the rate is judged", ConfigKeys::integer);
        group("orchestrator.outlier.base.ejection.time", "outlierDetection.baseEjectionTime", "duration",
                text(OutlierDetectionConfig.DEFAULT_BASE_EJECTION_TIME), "length of a first ejection", ConfigKeys::duration);
        group("orchestrator.outlier.max.ejection.time", "outlierDetection.maxEjectionTime", "duration",
                text(OutlierDetectionConfig.DEFAULT_MAX_EJECTION_TIME), "longest ejection", ConfigKeys::duration);
        group("orchestrator.outlier.max.ejection.percent", "outlierDetection.maxEjectionPercent", "int",
                String.valueOf(OutlierDetectionConfig.DEFAULT_MAX_EJECTION_PERCENT), "largest share of agents ejected at once", ConfigKeys::integer);

        group("orchestrator.circuit.breaker.enabled", "circuitBreaker", "boolean", "false",
                "per-agent circuit breakers; on when any circuit.breaker key is set", ConfigKeys::bool);
        group("orchestrator.circuit.breaker.failure.rate.threshold", "circuitBreaker.failureRateThreshold", "int",
                String.valueOf(CircuitBreakerConfig.DEFAULT_FAILURE_RATE_THRESHOLD), "percent of failed calls that opens", ConfigKeys::integer);
        group("orchestrator.circuit.breaker.slow.call.rate.threshold", "circuitBreaker.slowCallRateThreshold", "int",
                String.valueOf(CircuitBreakerConfig.DEFAULT_SLOW_CALL_RATE_THRESHOLD), "percent of slow calls that opens", ConfigKeys::integer);
        group("orchestrator.circuit.breaker.slow.call.duration", "circuitBreaker.slowCallDuration", "duration",
                text(CircuitBreakerConfig.DEFAULT_SLOW_CALL_DURATION), "a call this long is slow", ConfigKeys::duration);
        group("orchestrator.circuit.breaker.sliding.window.size", "circuitBreaker.slidingWindowSize", "int",
                String.valueOf(CircuitBreakerConfig.DEFAULT_SLIDING_WINDOW_SIZE), "calls the rates are computed over", ConfigKeys::integer);
        group("orchestrator.circuit.breaker.minimum.calls", "circuitBreaker.minimumCalls", "int",
                String.valueOf(CircuitBreakerConfig.DEFAULT_MINIMUM_CALLS), "calls before the rates are judged", ConfigKeys::integer);
        group("orchestrator.circuit.breaker.wait.in.open", "circuitBreaker.waitInOpen", "duration",
                text(CircuitBreakerConfig.DEFAULT_WAIT_IN_OPEN), "how long the breaker stays open", ConfigKeys::duration);
        group("orchestrator.circuit.breaker.permitted.calls.in.half.open", "circuitBreaker.permittedCallsInHalfOpen", "int",
                String.valueOf(CircuitBreakerConfig.DEFAULT_PERMITTED_CALLS_IN_HALF_OPEN), "trial calls let through half-open",
                ConfigKeys::integer);
        group("orchestrator.circuit.breaker.max.wait.in.half.open", "circuitBreaker.maxWaitInHalfOpen", "duration",
                text(CircuitBreakerConfig.DEFAULT_MAX_WAIT_IN_HALF_OPEN), "longest time half-open", ConfigKeys::duration);

        group("orchestrator.agent.rate.limit.permits.per.second", "agentRateLimit.permitsPerSecond", "double", "-",
                "per-agent token bucket rate; on when set", ConfigKeys::decimal);
        group("orchestrator.agent.rate.limit.burst", "agentRateLimit.burst", "int", "-", "per-agent bucket size (default: the rate)",
                ConfigKeys::integer);
        def("orchestrator.capability.rate.limits", "capabilityRateLimit(capability, limit)", "list of capability=rate[/burst]", "-",
                "per-capability token buckets, e.g. `route-planning=200/20,pricing=50`", ConfigKeys::capabilityLimits);

        group("orchestrator.cache.enabled", "resultCache", "boolean", "false", "result cache of cacheable tasks; on when any cache key is set",
                ConfigKeys::bool);
        group("orchestrator.cache.ttl", "resultCache.ttl", "duration", text(ResultCacheConfig.DEFAULT_TTL), "how long a result is served",
                ConfigKeys::duration);
        group("orchestrator.cache.max.size", "resultCache.maxSize", "int", String.valueOf(ResultCacheConfig.DEFAULT_MAX_SIZE),
                "most results kept", ConfigKeys::integer);

        group("orchestrator.scaling.enabled", "autoScaling", "boolean", "false", "auto-scaling signals; on when any scaling key is set",
                ConfigKeys::bool);
        group("orchestrator.scaling.target.utilization", "autoScaling.targetUtilization", "double",
                String.valueOf(ScalingPolicy.DEFAULT_TARGET_UTILIZATION), "in flight ÷ capacity to hold", ConfigKeys::decimal);
        group("orchestrator.scaling.target.queue.per.agent", "autoScaling.targetQueuePerAgent", "int",
                String.valueOf(ScalingPolicy.DEFAULT_TARGET_QUEUE_PER_AGENT), "waiting tasks per agent tolerated", ConfigKeys::integer);
        group("orchestrator.scaling.latency.target", "autoScaling.latencyTarget", "duration", "-", "mean agent latency to hold",
                ConfigKeys::duration);
        group("orchestrator.scaling.min.agents", "autoScaling.minAgents", "int", String.valueOf(ScalingPolicy.DEFAULT_MIN_AGENTS),
                "fewest agents per capability", ConfigKeys::integer);
        group("orchestrator.scaling.max.agents", "autoScaling.maxAgents", "int", String.valueOf(ScalingPolicy.DEFAULT_MAX_AGENTS),
                "most agents per capability", ConfigKeys::integer);
        group("orchestrator.scaling.scale.down.stabilization", "autoScaling.scaleDownStabilization", "duration",
                text(ScalingPolicy.DEFAULT_SCALE_DOWN_STABILIZATION), "window before scaling down", ConfigKeys::duration);
        group("orchestrator.scaling.scale.up.stabilization", "autoScaling.scaleUpStabilization", "duration", "0s",
                "window before scaling up", ConfigKeys::duration);
        group("orchestrator.scaling.evaluation.interval", "autoScaling.evaluationInterval", "duration",
                text(ScalingPolicy.DEFAULT_EVALUATION_INTERVAL), "how often desired counts are computed", ConfigKeys::duration);

        SecurityKeys.define();
    }

    private ConfigKeys() {
    }

    /** A key set by its own setter as soon as it is read. */
    static void def(String name, String builder, String type, String defaultValue, String description, Setter setter) {
        DEFS.put(name, new Def(new ConfigKey(name, builder, type, defaultValue, description), setter));
    }

    /** Parses a value of a grouped key; {@code field} names the builder field for messages. */
    @FunctionalInterface
    interface Parser {
        Object parse(String text, String field);
    }

    /** A key whose parsed value is collected in its group and set with the others at the end. */
    static void group(String name, String builder, String type, String defaultValue, String description, Parser parser) {
        String field = builder.contains(".") ? builder.substring(builder.indexOf('.') + 1) : builder;
        DEFS.put(name, new Def(new ConfigKey(name, builder, type, defaultValue, description),
                (t, v) -> t.group.put(name, parser.parse(v, field))));
    }

    static List<ConfigKey> keys() {
        List<ConfigKey> keys = new ArrayList<>(DEFS.size());
        for (Def def : DEFS.values()) {
            keys.add(def.key());
        }
        return List.copyOf(keys);
    }

    static ConfigKey byName(String name) {
        Def def = DEFS.get(name);
        return def == null ? null : def.key();
    }

    /** Applies the values in table order, then the groups; every failure names its source. */
    static void apply(Map<String, OrchestratorConfig.Value> values, Orchestrator.Builder builder) {
        Target target = new Target(builder);
        for (Def def : DEFS.values()) {
            if (!def.key().name().equals(TRANSPORT)) {
                set(def, values, target);
            }
        }
        try {
            applyGroups(target);
        } catch (ValidationException e) {
            throw sourced(e, blame(e, values));
        } catch (ProviderNotFoundException e) {
            OrchestratorConfig.Value named = null;
            for (OrchestratorConfig.Value v : values.values()) {
                if (v.text().trim().equals(e.name())) {
                    named = v;
                }
            }
            throw named == null ? e : sourced(e, named);
        }
        SecurityKeys.parse(values).ifPresent(builder::security);
        // Last: a transport is created when it is set, so every other value is checked before one exists.
        set(DEFS.get(TRANSPORT), values, target);
    }

    private static final String TRANSPORT = "orchestrator.transport";

    private static void set(Def def, Map<String, OrchestratorConfig.Value> values, Target target) {
        OrchestratorConfig.Value v = values.get(def.key().name());
        if (v == null) {
            return;
        }
        try {
            def.setter().set(target, v.text());
        } catch (ValidationException e) {
            throw sourced(e, v);
        } catch (ProviderNotFoundException e) {
            throw sourced(e, v);
        }
    }

    private static ValidationException sourced(ValidationException e, OrchestratorConfig.Value v) {
        if (v == null) {
            return e;
        }
        return new ValidationException(e.field() + " (" + v.describe() + ")", e.rule(), e.value());
    }

    private static ProviderNotFoundException sourced(ProviderNotFoundException e, OrchestratorConfig.Value v) {
        return new ProviderNotFoundException(e.kind(), e.name(), e.getMessage() + " (" + v.describe() + ")");
    }

    /** The value that set the field a group setter refused: the one whose builder column ends with that field. */
    private static OrchestratorConfig.Value blame(ValidationException e, Map<String, OrchestratorConfig.Value> values) {
        for (OrchestratorConfig.Value v : values.values()) {
            String builder = DEFS.get(v.key()).key().builder();
            if (builder.equals(e.field()) || builder.endsWith("." + e.field())) {
                return v;
            }
        }
        return null;
    }

    private static void applyGroups(Target t) {
        Orchestrator.Builder b = t.builder;
        if (t.any("orchestrator.retry.backoff.")) {
            b.retryBackoff(t.get("orchestrator.retry.backoff.base", Orchestrator.Builder.DEFAULT_RETRY_BACKOFF_BASE),
                    t.get("orchestrator.retry.backoff.max", Orchestrator.Builder.DEFAULT_RETRY_BACKOFF_MAX));
        }
        if (t.any("orchestrator.retry.budget.")) {
            b.retryBudget(t.get("orchestrator.retry.budget.ratio", Orchestrator.Builder.DEFAULT_RETRY_BUDGET_RATIO),
                    t.<Integer>get("orchestrator.retry.budget.min.per.second", Orchestrator.Builder.DEFAULT_RETRY_BUDGET_MIN_PER_SECOND));
        }
        if (enabled(t, "orchestrator.health.")) {
            HealthCheckConfig.Builder h = HealthCheckConfig.builder();
            h.probe(t.get("orchestrator.health.probe", HealthCheckConfig.DEFAULT_PROBE));
            h.interval(t.get("orchestrator.health.interval", HealthCheckConfig.DEFAULT_INTERVAL));
            if (t.group.containsKey("orchestrator.health.jitter")) {
                h.jitter(t.get("orchestrator.health.jitter", HealthCheckConfig.DEFAULT_JITTER));
            }
            h.timeout(t.get("orchestrator.health.timeout", HealthCheckConfig.DEFAULT_TIMEOUT));
            h.healthyThreshold(t.get("orchestrator.health.healthy.threshold", HealthCheckConfig.DEFAULT_HEALTHY_THRESHOLD));
            h.unhealthyThreshold(t.get("orchestrator.health.unhealthy.threshold", HealthCheckConfig.DEFAULT_UNHEALTHY_THRESHOLD));
            b.healthCheck(h.build());
        }
        if (enabled(t, "orchestrator.outlier.")) {
            OutlierDetectionConfig.Builder o = OutlierDetectionConfig.builder()
                    .consecutiveFailures(t.get("orchestrator.outlier.consecutive.failures", OutlierDetectionConfig.DEFAULT_CONSECUTIVE_FAILURES))
                    .failureRate(t.get("orchestrator.outlier.failure.rate.threshold", OutlierDetectionConfig.DEFAULT_FAILURE_RATE_THRESHOLD),
                            t.get("orchestrator.outlier.failure.rate.window", OutlierDetectionConfig.DEFAULT_FAILURE_RATE_WINDOW),
                            t.get("orchestrator.outlier.minimum.calls", OutlierDetectionConfig.DEFAULT_MINIMUM_CALLS))
                    .baseEjectionTime(t.get("orchestrator.outlier.base.ejection.time", OutlierDetectionConfig.DEFAULT_BASE_EJECTION_TIME))
                    .maxEjectionTime(t.get("orchestrator.outlier.max.ejection.time", OutlierDetectionConfig.DEFAULT_MAX_EJECTION_TIME))
                    .maxEjectionPercent(t.get("orchestrator.outlier.max.ejection.percent", OutlierDetectionConfig.DEFAULT_MAX_EJECTION_PERCENT));
            b.outlierDetection(o.build());
        }
        if (enabled(t, "orchestrator.circuit.breaker.")) {
            CircuitBreakerConfig.Builder c = CircuitBreakerConfig.builder()
                    .failureRateThreshold(t.get("orchestrator.circuit.breaker.failure.rate.threshold",
                            CircuitBreakerConfig.DEFAULT_FAILURE_RATE_THRESHOLD))
                    .slowCallRateThreshold(t.get("orchestrator.circuit.breaker.slow.call.rate.threshold",
                            CircuitBreakerConfig.DEFAULT_SLOW_CALL_RATE_THRESHOLD))
                    .slowCallDuration(t.get("orchestrator.circuit.breaker.slow.call.duration", CircuitBreakerConfig.DEFAULT_SLOW_CALL_DURATION))
                    .slidingWindow(t.get("orchestrator.circuit.breaker.sliding.window.size", CircuitBreakerConfig.DEFAULT_SLIDING_WINDOW_SIZE),
                            t.get("orchestrator.circuit.breaker.minimum.calls", Math.min(CircuitBreakerConfig.DEFAULT_MINIMUM_CALLS,
                                    t.get("orchestrator.circuit.breaker.sliding.window.size", CircuitBreakerConfig.DEFAULT_SLIDING_WINDOW_SIZE))))
                    .waitInOpen(t.get("orchestrator.circuit.breaker.wait.in.open", CircuitBreakerConfig.DEFAULT_WAIT_IN_OPEN))
                    .permittedCallsInHalfOpen(t.get("orchestrator.circuit.breaker.permitted.calls.in.half.open",
                            CircuitBreakerConfig.DEFAULT_PERMITTED_CALLS_IN_HALF_OPEN))
                    .maxWaitInHalfOpen(t.get("orchestrator.circuit.breaker.max.wait.in.half.open",
                            CircuitBreakerConfig.DEFAULT_MAX_WAIT_IN_HALF_OPEN));
            b.circuitBreaker(c.build());
        }
        if (enabled(t, "orchestrator.cache.")) {
            b.resultCache(ResultCacheConfig.of(t.get("orchestrator.cache.ttl", ResultCacheConfig.DEFAULT_TTL),
                    t.<Integer>get("orchestrator.cache.max.size", (int) ResultCacheConfig.DEFAULT_MAX_SIZE)));
        }
        if (enabled(t, "orchestrator.scaling.")) {
            ScalingPolicy.Builder p = ScalingPolicy.builder()
                    .targetUtilization(t.get("orchestrator.scaling.target.utilization", ScalingPolicy.DEFAULT_TARGET_UTILIZATION))
                    .targetQueuePerAgent(t.get("orchestrator.scaling.target.queue.per.agent", ScalingPolicy.DEFAULT_TARGET_QUEUE_PER_AGENT))
                    .bounds(t.get("orchestrator.scaling.min.agents", ScalingPolicy.DEFAULT_MIN_AGENTS),
                            t.get("orchestrator.scaling.max.agents", ScalingPolicy.DEFAULT_MAX_AGENTS))
                    .scaleDownStabilization(t.get("orchestrator.scaling.scale.down.stabilization",
                            ScalingPolicy.DEFAULT_SCALE_DOWN_STABILIZATION))
                    .scaleUpStabilization(t.get("orchestrator.scaling.scale.up.stabilization", ScalingPolicy.DEFAULT_SCALE_UP_STABILIZATION))
                    .evaluationInterval(t.get("orchestrator.scaling.evaluation.interval", ScalingPolicy.DEFAULT_EVALUATION_INTERVAL));
            if (t.group.containsKey("orchestrator.scaling.latency.target")) {
                p.latencyTarget(t.get("orchestrator.scaling.latency.target", null));
            }
            b.autoScaling(p.build());
        }
        if (t.any("orchestrator.agent.rate.limit.")) {
            Double rate = t.get("orchestrator.agent.rate.limit.permits.per.second", null);
            ValidationException.require(rate != null, "agentRateLimit.permitsPerSecond", "must be set when agentRateLimit.burst is", null);
            Integer burst = t.get("orchestrator.agent.rate.limit.burst", null);
            b.agentRateLimit(burst == null ? RateLimitConfig.perSecond(rate) : RateLimitConfig.of(rate, burst));
        }
    }

    /** A group is on when its {@code enabled} key says so, or when any other of its keys is set and {@code enabled} is absent. */
    private static boolean enabled(Target t, String prefix) {
        Boolean enabled = t.get(prefix + "enabled", null);
        if (enabled != null) {
            return enabled;
        }
        return t.any(prefix);
    }

    private static void capabilityLimits(Target t, String text) {
        for (String entry : list(text)) {
            int eq = entry.indexOf('=');
            ValidationException.require(eq > 0, "capabilityRateLimit", "must be capability=rate or capability=rate/burst", entry);
            String capability = entry.substring(0, eq).trim();
            String limit = entry.substring(eq + 1).trim();
            int slash = limit.indexOf('/');
            double rate = decimal(slash < 0 ? limit : limit.substring(0, slash), "permitsPerSecond");
            RateLimitConfig config = slash < 0 ? RateLimitConfig.perSecond(rate)
                    : RateLimitConfig.of(rate, integer(limit.substring(slash + 1), "burst"));
            t.builder.capabilityRateLimit(capability, config);
        }
    }

    // ------------------------------------------------------------ parsing

    static List<String> list(String text) {
        List<String> items = new ArrayList<>();
        for (String s : text.split(",")) {
            if (!s.isBlank()) {
                items.add(s.trim());
            }
        }
        return items;
    }

    /**
     * A duration: a whole number with a unit ({@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h},
     * {@code 1d}) or ISO-8601 ({@code PT5S}).
     */
    static Duration duration(String text, String field) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        Matcher m = DURATION.matcher(s);
        try {
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
            }
            if (s.startsWith("p") || s.startsWith("-p")) {
                return Duration.parse(s.toUpperCase(Locale.ROOT));
            }
        } catch (DateTimeParseException | ArithmeticException | NumberFormatException e) {
            // falls through to the error below
        }
        throw new ValidationException(field, "must be a duration such as 500ms, 5s, 2m, 1h or PT5S", text);
    }

    static int integer(String text, String field) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new ValidationException(field, "must be a whole number", text);
        }
    }

    static double decimal(String text, String field) {
        try {
            double d = Double.parseDouble(text.trim());
            if (Double.isFinite(d)) {
                return d;
            }
        } catch (NumberFormatException e) {
            // falls through
        }
        throw new ValidationException(field, "must be a number", text);
    }

    static boolean bool(String text, String field) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        if (s.equals("true") || s.equals("false")) {
            return Boolean.parseBoolean(s);
        }
        throw new ValidationException(field, "must be true or false", text);
    }

    /** A duration as the table shows it: the shortest unit form. */
    static String text(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
