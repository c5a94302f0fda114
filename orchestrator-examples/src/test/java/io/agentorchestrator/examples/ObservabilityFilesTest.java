package io.agentorchestrator.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskFailedException;
import io.agentorchestrator.api.TaskResult;
import io.agentorchestrator.core.AgentHandler;
import io.agentorchestrator.core.AgentRuntime;
import io.agentorchestrator.core.CircuitBreakerConfig;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.OutlierDetectionConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard and the Prometheus alert rules in {@code observability/} use exactly the
 * series the code emits: a scripted workload that touches every meter runs against an orchestrator
 * whose meters are served by {@link PrometheusEndpoint}, the endpoint is scraped over HTTP, and
 * every metric, label and label value the files name must be in the scrape.
 */
class ObservabilityFilesTest {

    private static final Path DASHBOARD = Path.of("observability", "grafana-dashboard.json");
    private static final Path ALERTS = Path.of("observability", "prometheus-alerts.yml");
    private static final Pattern METRIC = Pattern.compile("\\borchestrator_[a-z0-9_]+");
    private static final Pattern SELECTOR = Pattern.compile("(orchestrator_[a-z0-9_]+)\\{([^}]*)}");
    private static final Pattern MATCHER = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*\"([^\"]*)\"");
    private static final Pattern GROUPING = Pattern.compile("\\b(?:by|without)\\s*\\(([^)]*)\\)");

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final List<AutoCloseable> resources = new ArrayList<>();
    private PrometheusEndpoint endpoint;

    @AfterEach
    void closeAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    @Test
    void everySeriesTheDashboardAndAlertsUseIsEmitted() throws Exception {
        serve();
        runWorkloadTouchingEveryMeter();
        List<PrometheusText.Sample> scrape = PrometheusText.parse(scrape());

        Set<String> names = new HashSet<>();
        scrape.forEach(s -> names.add(s.name()));
        List<String> expressions = new ArrayList<>(dashboardExpressions());
        expressions.addAll(alertExpressions());
        assertThat(expressions).hasSizeGreaterThan(15);
        Set<String> referenced = new HashSet<>();
        for (String expr : expressions) {
            Matcher m = METRIC.matcher(expr);
            while (m.find()) {
                referenced.add(m.group());
            }
            checkSelectors(expr, scrape);
            checkGrouping(expr, scrape);
        }
        assertThat(names).as("series in the scrape").containsAll(referenced);
        assertThat(referenced).as("the files cover the main meters").contains("orchestrator_agents", "orchestrator_tasks_failed_total",
                "orchestrator_task_latency_seconds_bucket", "orchestrator_transport_send_errors_total");
    }

    @Test
    void theEndpointServesOnlyGet() throws Exception {
        serve();
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(endpoint.url()))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(405);
    }

    private void serve() throws Exception {
        endpoint = PrometheusEndpoint.start(0);
        resources.add(0, endpoint);
    }

    /** Each label matcher's label exists on that metric, and an exact value other than a dashboard variable occurs. */
    private static void checkSelectors(String expr, List<PrometheusText.Sample> scrape) {
        Matcher selector = SELECTOR.matcher(expr);
        while (selector.find()) {
            String metric = selector.group(1);
            Matcher matcher = MATCHER.matcher(selector.group(2));
            while (matcher.find()) {
                String label = matcher.group(1);
                String op = matcher.group(2);
                String value = matcher.group(3);
                boolean exact = op.equals("=") && !value.contains("$");
                assertThat(scrape).as("%s in %s", selector.group(), expr).anyMatch(s -> s.name().equals(metric)
                        && s.labels().containsKey(label) && (!exact || value.equals(s.labels().get(label))));
            }
        }
    }

    /** Labels in by (...) clauses exist on some series of the metrics the expression uses. */
    private static void checkGrouping(String expr, List<PrometheusText.Sample> scrape) {
        Set<String> metrics = new HashSet<>();
        Matcher m = METRIC.matcher(expr);
        while (m.find()) {
            metrics.add(m.group());
        }
        Matcher grouping = GROUPING.matcher(expr);
        while (grouping.find()) {
            for (String label : grouping.group(1).split(",")) {
                String l = label.trim();
                if (!l.isEmpty()) {
                    assertThat(scrape).as("label %s grouped by in %s", l, expr)
                            .anyMatch(s -> metrics.contains(s.name()) && s.labels().containsKey(l));
                }
            }
        }
    }

    private static List<String> dashboardExpressions() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(Files.readString(DASHBOARD));
        List<String> expressions = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                expressions.add(target.path("expr").asText());
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            expressions.add(variable.path("definition").asText());
        }
        return expressions;
    }

    /** The expr: of each rule, single-line or a block scalar (the indented lines after "expr: |"). */
    private static List<String> alertExpressions() throws Exception {
        List<String> lines = Files.readAllLines(ALERTS);
        List<String> expressions = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int at = line.indexOf("expr:");
            if (at < 0) {
                continue;
            }
            String rest = line.substring(at + 5).trim();
            if (!rest.equals("|")) {
                expressions.add(rest);
                continue;
            }
            StringBuilder block = new StringBuilder();
            while (i + 1 < lines.size() && lines.get(i + 1).startsWith(" ".repeat(at + 2))) {
                block.append(lines.get(++i).trim()).append(' ');
            }
            expressions.add(block.toString());
        }
        return expressions;
    }

    private String scrape() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(endpoint.url())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    // ------------------------------------------------------------------ the workload

    private AgentDescriptor agent(String name, String capability) {
        String id = name + "-" + run;
        return AgentDescriptor.builder(id).capability(capability).endpoint("inproc:" + id).maxConcurrency(4).build();
    }

    private void host(AgentDescriptor agent, AgentHandler handler) {
        // A clock stuck at the epoch: a task that arrives late on a loaded machine still runs, so the timeout is the engine's.
        AgentRuntime runtime = AgentRuntime.builder(agent).transport("inproc:").announce(false)
                .clock(java.time.Clock.fixed(java.time.Instant.EPOCH, java.time.ZoneOffset.UTC)).handler(handler).start();
        resources.add(() -> runtime.close(Duration.ZERO));
    }

    /**
     * Successes, a retry, a hedge, a timeout with a late reply, an agent failure that opens its
     * breaker and ejects it, and a send to nobody: every meter the binder has gets a series.
     */
    private void runWorkloadTouchingEveryMeter() throws Exception {
        Orchestrator orchestrator = Orchestrator.builder().transport("inproc:").meterRegistry(endpoint.registry())
                .maxAttempts(2).retryBackoff(Duration.ZERO, Duration.ZERO).hedging(Duration.ofMillis(5))
                .outlierDetection(OutlierDetectionConfig.builder().consecutiveFailures(1).maxEjectionPercent(100).build())
                .circuitBreaker(CircuitBreakerConfig.builder().slidingWindow(1, 1).build())
                .shutdownTimeout(Duration.ZERO).build();
        resources.add(orchestrator);
        CountDownLatch release = new CountDownLatch(1);
        resources.add(release::countDown);

        AgentDescriptor ok = agent("ok", "plan");
        host(ok, task -> Payload.ofUtf8("planned"));
        AgentDescriptor flakyA = agent("flaky-a", "check");
        AgentDescriptor flakyB = agent("flaky-b", "check");
        AgentHandler failsFirstAttempt = task -> {
            if (task.attempt() == 1) {
                throw new TaskFailedException("overloaded", "first attempts fail", true);
            }
            return Payload.ofUtf8("checked");
        };
        host(flakyA, failsFirstAttempt);
        host(flakyB, failsFirstAttempt);
        AgentDescriptor broken = agent("broken", "audit");
        host(broken, task -> {
            throw new TaskFailedException("broken", "always fails", true);
        });
        AgentDescriptor slow = agent("slow", "track");
        host(slow, task -> {
            release.await();
            return Payload.ofUtf8("too late");
        });
        AgentDescriptor slowFirst = agent("slow-first", "route");
        AgentDescriptor fastSecond = agent("fast-second", "route");
        AtomicBoolean firstCall = new AtomicBoolean(true);
        AgentHandler slowOnce = task -> {
            if (firstCall.getAndSet(false)) {
                release.await();
            }
            return Payload.ofUtf8("routed");
        };
        host(slowFirst, slowOnce);
        host(fastSecond, slowOnce);
        AgentDescriptor ghost = agent("ghost", "ghost");
        for (AgentDescriptor d : List.of(ok, flakyA, flakyB, broken, slow, slowFirst, fastSecond, ghost)) {
            orchestrator.register(d);
        }

        for (int i = 0; i < 10; i++) {
            orchestrator.dispatch(Task.of("plan", "p" + i)).get(10, TimeUnit.SECONDS);
        }
        assertThat(orchestrator.dispatch(Task.of("check", "c")).get(10, TimeUnit.SECONDS).attempts()).isEqualTo(2);
        CompletableFuture<TaskResult> audit = orchestrator.dispatch(Task.of("audit", "a"));
        assertThatThrownBy(() -> audit.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(TaskFailedException.class);
        CompletableFuture<TaskResult> track = orchestrator.dispatch(Task.builder("track").payload(Payload.ofUtf8("t"))
                .timeout(Duration.ofMillis(50)).build());
        assertThatThrownBy(() -> track.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(io.agentorchestrator.api.TaskTimeoutException.class);
        TaskResult hedged = orchestrator.dispatch(Task.builder("route").payload(Payload.ofUtf8("r"))
                .header(Orchestrator.IDEMPOTENT_HEADER, "true").build()).get(10, TimeUnit.SECONDS);
        assertThat(hedged.attempts()).isEqualTo(2);
        CompletableFuture<TaskResult> lost = orchestrator.dispatch(Task.of("ghost", "g"));
        lost.exceptionally(e -> null).get(10, TimeUnit.SECONDS);
        // Nobody listens at the ghost's endpoint: unregister it so it stops counting as healthy.
        orchestrator.deregister(ghost.id());
        release.countDown();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> scrape().contains("orchestrator_ejections_total")
                && scrape().contains("orchestrator_timeouts_total") && scrape().contains("orchestrator_hedges_total"));
    }
}
