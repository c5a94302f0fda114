package io.agentorchestrator.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.RateLimitConfig;
import io.agentorchestrator.core.ResultCacheConfig;
import io.agentorchestrator.core.scaling.ScalingPolicy;
import io.agentorchestrator.core.internal.DefaultOrchestrator;
import io.agentorchestrator.core.internal.OrchestratorSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OrchestratorConfigTest {

    /** A valid text per key, what it must produce in the settings, and a text the builder refuses with its rule. */
    private record Case(String valid, Function<OrchestratorSettings, Object> read, Object expected, String invalid, String rule) {
    }

    private static final Map<String, Case> CASES = new LinkedHashMap<>();

    static {
        CASES.put("orchestrator.transport", new Case("inproc:", s -> s.transports().keySet(), Set.of("inproc"), "nope://x",
                "No transport for scheme 'nope'"));
        CASES.put("orchestrator.balancer", new Case("random", s -> s.balancer().toString(), "random", "no-such-balancer",
                "no-such-balancer"));
        CASES.put("orchestrator.default.timeout", new Case("5s", OrchestratorSettings::defaultTimeout, Duration.ofSeconds(5), "0s",
                "must be > 0"));
        CASES.put("orchestrator.max.attempts", new Case("7", OrchestratorSettings::maxAttempts, 7, "0", "must be between 1 and 100"));
        CASES.put("orchestrator.max.queued.tasks", new Case("12", OrchestratorSettings::maxQueuedTasks, 12, "-1",
                "must be between 0 and 10000000"));
        CASES.put("orchestrator.max.payload.bytes", new Case("1024", OrchestratorSettings::maxPayloadBytes, 1024, "0",
                "must be between 1 and"));
        CASES.put("orchestrator.shutdown.timeout", new Case("PT3S", OrchestratorSettings::shutdownTimeout, Duration.ofSeconds(3), "-PT1S",
                "must be >= 0"));
        CASES.put("orchestrator.latency.decay", new Case("2m", OrchestratorSettings::latencyDecay, Duration.ofMinutes(2), "2h",
                "must be between 1 ms and 1 h"));
        CASES.put("orchestrator.local.zone", new Case("eu-west", OrchestratorSettings::localZone, "eu-west", " ",
                "must be 1-128 characters and not blank"));
        CASES.put("orchestrator.watch.agent.directory", new Case("false", OrchestratorSettings::watchDirectories, false, "maybe",
                "must be true or false"));
        CASES.put("orchestrator.lease.grace.ttls", new Case("4", OrchestratorSettings::leaseGraceTtls, 4, "101",
                "must be between 1 and 100"));
        CASES.put("orchestrator.hedge.delay", new Case("150ms", OrchestratorSettings::hedgeDelay, Duration.ofMillis(150), "2h",
                "must be between 1 ms and 1 h"));
        CASES.put("orchestrator.retry.backoff.base", new Case("10ms", OrchestratorSettings::retryBackoffBase, Duration.ofMillis(10),
                "11s", "must be between 0 and 10 s"));
        CASES.put("orchestrator.retry.backoff.max", new Case("1s", OrchestratorSettings::retryBackoffMax, Duration.ofSeconds(1), "1ms",
                "must be between retryBackoffBase"));
        CASES.put("orchestrator.retry.budget.ratio", new Case("0.5", OrchestratorSettings::retryBudgetRatio, 0.5, "11",
                "must be between 0 and 10"));
        CASES.put("orchestrator.retry.budget.min.per.second", new Case("3", OrchestratorSettings::retryBudgetMinPerSecond, 3, "-1",
                "must be between 0 and 10000"));
        CASES.put("orchestrator.health.enabled", new Case("true", s -> s.healthCheck() != null, true, "yes", "must be true or false"));
        CASES.put("orchestrator.health.probe", new Case("tcp", s -> s.healthCheck().probe().toString(), "tcp probe", "no-such-probe",
                "no-such-probe"));
        CASES.put("orchestrator.health.interval", new Case("3s", s -> s.healthCheck().interval(), Duration.ofSeconds(3), "2h",
                "must be between PT0.001S and PT1H"));
        CASES.put("orchestrator.health.jitter", new Case("200ms", s -> s.healthCheck().jitter(), Duration.ofMillis(200), "1m",
                "must be between 0 and the interval"));
        CASES.put("orchestrator.health.timeout", new Case("1s", s -> s.healthCheck().timeout(), Duration.ofSeconds(1), "11m",
                "must be between PT0.001S and PT10M"));
        CASES.put("orchestrator.health.healthy.threshold", new Case("4", s -> s.healthCheck().healthyThreshold(), 4, "0",
                "must be between 1 and 100"));
        CASES.put("orchestrator.health.unhealthy.threshold", new Case("5", s -> s.healthCheck().unhealthyThreshold(), 5, "101",
                "must be between 1 and 100"));
        CASES.put("orchestrator.outlier.enabled", new Case("true", s -> s.outlierDetection() != null, true, "1", "must be true or false"));
        CASES.put("orchestrator.outlier.consecutive.failures", new Case("9", s -> s.outlierDetection().consecutiveFailures(), 9, "1001",
                "must be between 0 and 1000"));
        CASES.put("orchestrator.outlier.failure.rate.threshold", new Case("0.25", s -> s.outlierDetection().failureRateThreshold(), 0.25,
                "2", "must be between 0 and 1"));
        CASES.put("orchestrator.outlier.failure.rate.window", new Case("30", s -> s.outlierDetection().failureRateWindow(), 30, "0",
                "must be between 1 and 10000"));
        CASES.put("orchestrator.outlier.minimum.calls", new Case("5", s -> s.outlierDetection().minimumCalls(), 5, "21",
                "must be between 1 and 20"));
        CASES.put("orchestrator.outlier.base.ejection.time", new Case("10s", s -> s.outlierDetection().baseEjectionTime(),
                Duration.ofSeconds(10), "2h", "must be between PT0.001S and PT1H"));
        CASES.put("orchestrator.outlier.max.ejection.time", new Case("10m", s -> s.outlierDetection().maxEjectionTime(),
                Duration.ofMinutes(10), "2d", "must be between PT0.001S and PT24H"));
        CASES.put("orchestrator.outlier.max.ejection.percent", new Case("40", s -> s.outlierDetection().maxEjectionPercent(), 40, "101",
                "must be between 0 and 100"));
        CASES.put("orchestrator.circuit.breaker.enabled", new Case("true", s -> s.circuitBreaker() != null, true, "on",
                "must be true or false"));
        CASES.put("orchestrator.circuit.breaker.failure.rate.threshold", new Case("30", s -> s.circuitBreaker().failureRateThreshold(), 30,
                "0", "must be between 1 and 100"));
        CASES.put("orchestrator.circuit.breaker.slow.call.rate.threshold", new Case("80", s -> s.circuitBreaker().slowCallRateThreshold(),
                80, "101", "must be between 1 and 100"));
        CASES.put("orchestrator.circuit.breaker.slow.call.duration", new Case("2s", s -> s.circuitBreaker().slowCallDuration(),
                Duration.ofSeconds(2), "2d", "must be between PT0.001S and PT24H"));
        CASES.put("orchestrator.circuit.breaker.sliding.window.size", new Case("50", s -> s.circuitBreaker().slidingWindowSize(), 50,
                "10001", "must be between 1 and 10000"));
        CASES.put("orchestrator.circuit.breaker.minimum.calls", new Case("20", s -> s.circuitBreaker().minimumCalls(), 20, "101",
                "must be between 1 and 100"));
        CASES.put("orchestrator.circuit.breaker.wait.in.open", new Case("5s", s -> s.circuitBreaker().waitInOpen(), Duration.ofSeconds(5),
                "0ms", "must be between PT0.001S and PT24H"));
        CASES.put("orchestrator.circuit.breaker.permitted.calls.in.half.open", new Case("3",
                s -> s.circuitBreaker().permittedCallsInHalfOpen(), 3, "0", "must be between 1 and 10000"));
        CASES.put("orchestrator.circuit.breaker.max.wait.in.half.open", new Case("7s", s -> s.circuitBreaker().maxWaitInHalfOpen(),
                Duration.ofSeconds(7), "3d", "must be between PT0.001S and PT24H"));
        CASES.put("orchestrator.agent.rate.limit.permits.per.second", new Case("50", s -> s.agentRateLimit(), RateLimitConfig.perSecond(50),
                "0", "must be > 0 and <= 1000000"));
        CASES.put("orchestrator.agent.rate.limit.burst", new Case("5", s -> s.agentRateLimit(), null, "x", "must be a whole number"));
        CASES.put("orchestrator.capability.rate.limits", new Case("route-planning=20/4, pricing=3",
                OrchestratorSettings::capabilityRateLimits,
                Map.of("route-planning", RateLimitConfig.of(20, 4), "pricing", RateLimitConfig.perSecond(3)), "route-planning=0",
                "must be > 0 and <= 1000000"));
        CASES.put("orchestrator.cache.enabled", new Case("true", OrchestratorSettings::resultCache, ResultCacheConfig.defaults(), "no",
                "must be true or false"));
        CASES.put("orchestrator.cache.ttl", new Case("30s", s -> s.resultCache().ttl(), Duration.ofSeconds(30), "31d",
                "must be between PT0.001S and PT720H"));
        CASES.put("orchestrator.cache.max.size", new Case("500", s -> s.resultCache().maxSize(), 500L, "0",
                "must be between 1 and 100000000"));
        CASES.put("orchestrator.scaling.enabled", new Case("true", OrchestratorSettings::scalingPolicy, ScalingPolicy.builder().build(), "y",
                "must be true or false"));
        CASES.put("orchestrator.scaling.target.utilization", new Case("0.6", s -> s.scalingPolicy().targetUtilization(), 0.6, "1.5",
                "must be > 0 and <= 1"));
        CASES.put("orchestrator.scaling.target.queue.per.agent", new Case("4", s -> s.scalingPolicy().targetQueuePerAgent(), 4, "0",
                "must be between 1 and 1000000"));
        CASES.put("orchestrator.scaling.latency.target", new Case("200ms", s -> s.scalingPolicy().latencyTarget(), Duration.ofMillis(200),
                "0ms", "must be between 1 ms and 1 h"));
        CASES.put("orchestrator.scaling.min.agents", new Case("2", s -> s.scalingPolicy().minAgents(), 2, "11", "must be between 0 and 10"));
        CASES.put("orchestrator.scaling.max.agents", new Case("20", s -> s.scalingPolicy().maxAgents(), 20, "0",
                "must be between 1 and 100000"));
        CASES.put("orchestrator.scaling.scale.down.stabilization", new Case("1m", s -> s.scalingPolicy().scaleDownStabilization(),
                Duration.ofMinutes(1), "2h", "must be between 0 and 1 h"));
        CASES.put("orchestrator.scaling.scale.up.stabilization", new Case("10s", s -> s.scalingPolicy().scaleUpStabilization(),
                Duration.ofSeconds(10), "2h", "must be between 0 and 1 h"));
        CASES.put("orchestrator.scaling.evaluation.interval", new Case("5s", s -> s.scalingPolicy().evaluationInterval(),
                Duration.ofSeconds(5), "1ms", "must be between 10 ms and 10 min"));
        CASES.put("orchestrator.config.file", new Case(null, null, null, null, null));
        // The security keys build a SecurityConfig, not settings: SecurityConfigurationTest covers them.
        for (String key : java.util.List.of("signing.keys", "signing.key.file", "payload.keys", "payload.key.file", "principal", "roles",
                "insecure")) {
            CASES.put("orchestrator.security." + key, new Case(null, null, null, null, null));
        }
    }

    @TempDir
    Path dir;

    @Test
    void everyKeyIsCoveredByThisTest() {
        Set<String> names = new HashSet<>();
        OrchestratorConfig.keys().forEach(k -> names.add(k.name()));
        assertThat(CASES.keySet()).containsExactlyInAnyOrderElementsOf(names);
    }

    @Test
    void namingRuleMapsEveryKeyToItsVariableAndBack() {
        for (ConfigKey key : OrchestratorConfig.keys()) {
            assertThat(key.name()).startsWith(OrchestratorConfig.PREFIX).matches("[a-z0-9.]+");
            assertThat(key.environmentName()).isEqualTo(key.name().toUpperCase().replace('.', '_'));
            assertThat(OrchestratorConfig.propertyName(key.environmentName())).isEqualTo(key.name());
        }
        assertThat(OrchestratorConfig.environmentName("orchestrator.health.interval")).isEqualTo("ORCHESTRATOR_HEALTH_INTERVAL");
    }

    @Test
    void everyKeyIsAppliedFromEverySource() throws IOException {
        for (Map.Entry<String, Case> e : CASES.entrySet()) {
            Case c = e.getValue();
            if (c.valid() == null) {
                continue;
            }
            String key = e.getKey();
            Map<String, String> extra = prerequisites(key);
            for (OrchestratorConfig.Source source : OrchestratorConfig.Source.values()) {
                Map<String, String> values = new LinkedHashMap<>(extra);
                values.put(key, c.valid());
                OrchestratorConfig config = from(source, values);
                assertThat(config.value(key).orElseThrow().source()).as(key).isEqualTo(source);
                Object actual = settingsOf(config.newBuilder(), c.read());
                Object expected = key.equals("orchestrator.agent.rate.limit.burst") ? RateLimitConfig.of(50, 5) : c.expected();
                assertThat(actual).as(key + " from " + source).isEqualTo(expected);
            }
        }
    }

    @Test
    void everyKeyRefusesABadValueWithTheBuildersRuleAndItsSource() throws IOException {
        for (Map.Entry<String, Case> e : CASES.entrySet()) {
            Case c = e.getValue();
            if (c.invalid() == null) {
                continue;
            }
            String key = e.getKey();
            for (OrchestratorConfig.Source source : OrchestratorConfig.Source.values()) {
                Map<String, String> values = new LinkedHashMap<>(prerequisites(key));
                values.put(key, c.invalid());
                OrchestratorConfig config = from(source, values);
                String origin = source == OrchestratorConfig.Source.ENVIRONMENT ? OrchestratorConfig.environmentName(key) : key;
                assertThatThrownBy(() -> settingsOf(config.newBuilder(), s -> s))
                        .as(key + " from " + source)
                        .hasMessageContaining(c.rule())
                        .hasMessageContaining(source.toString())
                        .hasMessageContaining(origin);
            }
        }
    }

    @Test
    void aBadValueReadsLikeTheBuildersMessageWithItsSource() {
        String builderMessage = catchMessage(() -> Orchestrator.builder().maxAttempts(0));
        OrchestratorConfig config = OrchestratorConfig.load(Map.of("ORCHESTRATOR_MAX_ATTEMPTS", "0"), new Properties(), null);
        assertThatThrownBy(config::newBuilder).hasMessage(
                builderMessage.replace("maxAttempts ", "maxAttempts (environment variable ORCHESTRATOR_MAX_ATTEMPTS) "));
        assertThat(builderMessage).isEqualTo("maxAttempts must be between 1 and 100, but was 0");
    }

    @Test
    void precedenceIsBuilderThenSystemPropertyThenEnvironmentThenFileThenDefault() throws IOException {
        Path file = write("orchestrator.max.attempts=2\norchestrator.max.queued.tasks=20\norchestrator.lease.grace.ttls=5\n"
                + "orchestrator.hedge.delay=40ms\n");
        Map<String, String> env = Map.of("ORCHESTRATOR_MAX_ATTEMPTS", "3", "ORCHESTRATOR_MAX_QUEUED_TASKS", "30",
                "ORCHESTRATOR_LEASE_GRACE_TTLS", "6");
        Properties props = new Properties();
        props.setProperty("orchestrator.max.attempts", "4");
        props.setProperty("orchestrator.max.queued.tasks", "40");
        OrchestratorConfig config = OrchestratorConfig.load(env, props, file);

        assertThat((Object) settingsOf(config.newBuilder().maxAttempts(5), s -> s.maxAttempts())).as("builder").isEqualTo(5);
        assertThat((Object) settingsOf(config.newBuilder(), s -> s.maxQueuedTasks())).as("system property").isEqualTo(40);
        assertThat((Object) settingsOf(config.newBuilder(), s -> s.leaseGraceTtls())).as("environment").isEqualTo(6);
        assertThat((Object) settingsOf(config.newBuilder(), s -> s.hedgeDelay())).as("file").isEqualTo(Duration.ofMillis(40));
        assertThat((Object) settingsOf(config.newBuilder(), s -> s.maxPayloadBytes())).as("default")
                .isEqualTo(Orchestrator.Builder.DEFAULT_MAX_PAYLOAD_BYTES);
        assertThat(config.value("orchestrator.max.attempts").orElseThrow().describe()).isEqualTo("system property orchestrator.max.attempts");
    }

    @Test
    void theFileIsNamedByASystemPropertyOrAVariable() throws IOException {
        Path file = write("orchestrator.max.attempts=9\n");
        OrchestratorConfig viaEnv = OrchestratorConfig.load(Map.of("ORCHESTRATOR_CONFIG_FILE", file.toString()), new Properties(), null);
        assertThat(viaEnv.value("orchestrator.max.attempts").orElseThrow().source()).isEqualTo(OrchestratorConfig.Source.FILE);
        Properties props = new Properties();
        props.setProperty("orchestrator.config.file", dir.resolve("missing.properties").toString());
        assertThatThrownBy(() -> OrchestratorConfig.load(Map.of(), props, null))
                .hasMessageContaining("orchestrator.config.file must name a readable properties file");
    }

    @Test
    void unknownKeysWithOurPrefixAreReportedFromEverySource() throws IOException {
        for (OrchestratorConfig.Source source : OrchestratorConfig.Source.values()) {
            assertThatThrownBy(() -> from(source, Map.of("orchestrator.health.intervall", "5s")))
                    .as(source.toString())
                    .isInstanceOf(ValidationException.class)
                    .hasMessageContaining("configuration key must be one of the keys")
                    .hasMessageContaining(source == OrchestratorConfig.Source.ENVIRONMENT ? "ORCHESTRATOR_HEALTH_INTERVALL"
                            : "orchestrator.health.intervall");
        }
        // Other variables and properties are none of our business.
        Properties props = new Properties();
        props.setProperty("java.version.x", "1");
        assertThat(OrchestratorConfig.load(Map.of("PATH", "/bin", "ORCHESTRATORS", "x"), props, null).values()).isEmpty();
    }

    @Test
    void durationsAcceptUnitsAndIso() {
        assertThat(ConfigKeys.duration("250ms", "f")).isEqualTo(Duration.ofMillis(250));
        assertThat(ConfigKeys.duration(" 5S ", "f")).isEqualTo(Duration.ofSeconds(5));
        assertThat(ConfigKeys.duration("1d", "f")).isEqualTo(Duration.ofDays(1));
        assertThat(ConfigKeys.duration("pt1m", "f")).isEqualTo(Duration.ofMinutes(1));
        assertThatThrownBy(() -> ConfigKeys.duration("5", "interval"))
                .hasMessage("interval must be a duration such as 500ms, 5s, 2m, 1h or PT5S, but was '5'");
    }

    /** Keys that only make sense with another set: a burst needs its rate. */
    private static Map<String, String> prerequisites(String key) {
        if (key.equals("orchestrator.agent.rate.limit.burst")) {
            return Map.of("orchestrator.agent.rate.limit.permits.per.second", "50");
        }
        return Map.of();
    }

    private OrchestratorConfig from(OrchestratorConfig.Source source, Map<String, String> values) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        Properties props = new Properties();
        StringBuilder file = new StringBuilder();
        for (Map.Entry<String, String> v : values.entrySet()) {
            switch (source) {
                case SYSTEM_PROPERTY -> props.setProperty(v.getKey(), v.getValue());
                case ENVIRONMENT -> env.put(OrchestratorConfig.environmentName(v.getKey()), v.getValue());
                case FILE -> file.append(v.getKey()).append('=').append(v.getValue().replace("\\", "\\\\")).append('\n');
            }
        }
        return OrchestratorConfig.load(env, props, source == OrchestratorConfig.Source.FILE ? write(file.toString()) : null);
    }

    private Path write(String text) throws IOException {
        Path file = Files.createTempFile(dir, "orchestrator", ".properties");
        Files.writeString(file, text);
        return file;
    }

    private static <T> T settingsOf(Orchestrator.Builder builder, Function<OrchestratorSettings, T> read) {
        try (Orchestrator o = builder.build()) {
            return read.apply(((DefaultOrchestrator) o).settings());
        }
    }

    private static String catchMessage(Runnable r) {
        try {
            r.run();
            throw new AssertionError("no exception");
        } catch (ValidationException e) {
            return e.getMessage();
        }
    }
}
