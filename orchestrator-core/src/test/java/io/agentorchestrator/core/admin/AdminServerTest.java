package io.agentorchestrator.core.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentStatus;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.AgentRuntime;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.RateLimitConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every admin route over real HTTP (java.net.http against the JDK server), answers 2xx to 429 included. */
class AdminServerTest {

    static final String ADMIN = "admin-token-0123456789";
    static final String READER = "read-token-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String prefix = "adm-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final AtomicLong nanos = new AtomicLong();
    private Orchestrator orchestrator;
    private URI base;

    @AfterEach
    void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    private AdminServerConfig.Builder config() {
        return AdminServerConfig.builder().port(0).token(ADMIN, AdminRole.ADMIN).token(READER, AdminRole.READ).ticker(nanos::get)
                .rateLimit(RateLimitConfig.of(1000, 1000));
    }

    private void start(AdminServerConfig.Builder config) {
        orchestrator = Orchestrator.builder().transport("inproc:").defaultTimeout(Duration.ofSeconds(5)).adminServer(config.build()).build();
        closing.add(orchestrator);
        base = orchestrator.adminServer().orElseThrow().uri();
    }

    private String id(String name) {
        return prefix + name;
    }

    private AgentDescriptor agentRunning(String name, String capability, io.agentorchestrator.core.AgentHandler handler) {
        AgentDescriptor d = AgentDescriptor.builder(id(name)).capability(capability).endpoint("inproc:" + id(name)).build();
        closing.add(AgentRuntime.builder(d).transport("inproc:").handler(handler).start());
        return d;
    }

    private HttpResponse<String> send(String method, String path, String token, String body, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> send(String method, String path, String token, String body) throws IOException, InterruptedException {
        return send(method, path, token, body, Map.of());
    }

    private static JsonNode json(HttpResponse<String> r) throws IOException {
        return JSON.readTree(r.body());
    }

    private String agentJson(String name, String capability, int weight) {
        return "{\"id\":\"" + id(name) + "\",\"capabilities\":[\"" + capability + "\"],\"endpoint\":\"inproc:" + id(name)
                + "\",\"weight\":" + weight + "}";
    }

    @Test
    void livenessAndReadinessNeedNoTokenAndReadinessCountsRoutableAgents() throws Exception {
        start(config().requireHealthy("adm-plan", 1));
        assertThat(send("GET", "/health/live", null, null).statusCode()).isEqualTo(200);
        HttpResponse<String> notReady = send("GET", "/health/ready", null, null);
        assertThat(notReady.statusCode()).isEqualTo(503);
        assertThat(json(notReady).get("status").asText()).isEqualTo("DOWN");
        assertThat(json(notReady).get("checks").get(0).get("requiredRoutable").asInt()).isEqualTo(1);

        AgentDescriptor planner = agentRunning("p1", "adm-plan", t -> Payload.ofUtf8("ok"));
        orchestrator.register(planner);
        assertThat(send("GET", "/health/ready", null, null).statusCode()).isEqualTo(200);
        orchestrator.setStatus(planner.id(), AgentStatus.DRAINING, "test");
        assertThat(send("GET", "/health/ready", null, null).statusCode()).isEqualTo(503);
    }

    @Test
    void apiRoutesAnswer401WithoutAValidTokenAnd403ToAReadTokenThatWrites() throws Exception {
        start(config());
        HttpResponse<String> none = send("GET", "/api/agents", null, null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"orchestrator-admin\"");
        assertThat(send("GET", "/api/agents", "wrong-token-0123456789", null).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/api/agents", ADMIN.substring(0, ADMIN.length() - 1), null).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/api/events", null, null).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/api/agents", READER, null).statusCode()).isEqualTo(200);

        HttpResponse<String> forbidden = send("POST", "/api/agents", READER, agentJson("a", "adm-plan", 1));
        assertThat(forbidden.statusCode()).isEqualTo(403);
        assertThat(json(forbidden).get("message").asText()).contains("READ").contains("ADMIN");
        assertThat(send("DELETE", "/api/agents/x", READER, null).statusCode()).isEqualTo(403);
        assertThat(send("POST", "/api/tasks", READER, "{\"capability\":\"adm-plan\"}").statusCode()).isEqualTo(403);
        assertThat(orchestrator.agents()).isEmpty();
    }

    @Test
    void registersListsGetsUpdatesAndDeregistersAnAgent() throws Exception {
        start(config());
        HttpResponse<String> created = send("POST", "/api/agents", ADMIN, agentJson("a", "adm-plan", 2));
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(created.headers().firstValue("Location")).hasValue("/api/agents/" + id("a"));
        assertThat(json(created).get("status").asText()).isEqualTo("HEALTHY");
        assertThat(orchestrator.agent(id("a")).orElseThrow().weight()).isEqualTo(2);
        assertThat(send("POST", "/api/agents", ADMIN, agentJson("a", "adm-plan", 2)).statusCode()).isEqualTo(200);
        HttpResponse<String> conflict = send("POST", "/api/agents", ADMIN, agentJson("a", "adm-plan", 3));
        assertThat(conflict.statusCode()).isEqualTo(409);
        assertThat(json(conflict).get("field").asText()).isEqualTo("id");

        send("POST", "/api/agents", ADMIN, agentJson("b", "adm-other", 1));
        JsonNode all = json(send("GET", "/api/agents", READER, null)).get("agents");
        assertThat(all).extracting(n -> n.get("id").asText()).containsExactly(id("a"), id("b"));
        JsonNode filtered = json(send("GET", "/api/agents?capability=adm-other", READER, null)).get("agents");
        assertThat(filtered).extracting(n -> n.get("id").asText()).containsExactly(id("b"));

        JsonNode one = json(send("GET", "/api/agents/" + id("a"), READER, null));
        assertThat(one.get("endpoint").asText()).isEqualTo("inproc:" + id("a"));
        assertThat(one.get("capabilities").get(0).asText()).isEqualTo("adm-plan");

        HttpResponse<String> updated = send("PUT", "/api/agents/" + id("a"),
                ADMIN, "{\"capabilities\":[\"adm-plan\"],\"endpoint\":\"inproc:" + id("a") + "\",\"weight\":7,\"metadata\":{\"zone\":\"z1\"}}");
        assertThat(updated.statusCode()).isEqualTo(200);
        assertThat(orchestrator.agent(id("a")).orElseThrow().weight()).isEqualTo(7);
        assertThat(orchestrator.agent(id("a")).orElseThrow().descriptor().zone()).isEqualTo("z1");
        assertThat(send("PUT", "/api/agents/" + id("nobody"), ADMIN, agentJson("nobody", "adm-plan", 1)).statusCode()).isEqualTo(404);

        assertThat(send("DELETE", "/api/agents/" + id("a"), ADMIN, null).statusCode()).isEqualTo(204);
        assertThat(orchestrator.agent(id("a"))).isEmpty();
        assertThat(send("GET", "/api/agents/" + id("a"), READER, null).statusCode()).isEqualTo(404);
        assertThat(send("DELETE", "/api/agents/" + id("a"), ADMIN, null).statusCode()).isEqualTo(404);
    }

    @Test
    void badInputIsAnswered400NamingTheFieldWithTheLibrarysOwnMessage() throws Exception {
        start(config());
        JsonNode weight = json(send("POST", "/api/agents", ADMIN, agentJson("a", "adm-plan", 0)));
        assertThat(weight.get("status").asInt()).isEqualTo(400);
        assertThat(weight.get("field").asText()).isEqualTo("weight");
        String library = new ValidationException("weight", "must be between 1 and 1000", 0).getMessage();
        assertThat(weight.get("message").asText()).isEqualTo(library);

        assertField(send("POST", "/api/agents", ADMIN, "{\"id\":\"" + id("a") + "\",\"capabilities\":[\"adm-plan\"],\"endpoint\":\"inproc:x\",\"weight\":\"heavy\"}"),
                "weight", "weight must be an integer, but was '\"heavy\"'");
        assertField(send("POST", "/api/agents", ADMIN, "{\"id\":\"bad id\",\"capabilities\":[\"adm-plan\"],\"endpoint\":\"inproc:x\"}"), "id", null);
        assertField(send("POST", "/api/agents", ADMIN, "{\"id\":\"" + id("a") + "\",\"capabilities\":[],\"endpoint\":\"inproc:x\"}"),
                "capabilities", "capabilities must hold at least one capability, but was []");
        assertField(send("POST", "/api/agents", ADMIN, "{\"id\":\"" + id("a") + "\",\"capabilities\":[\"!bad\"],\"endpoint\":\"inproc:x\"}"),
                "capability", null);
        assertField(send("POST", "/api/agents", ADMIN, "{\"id\":\"" + id("a") + "\",\"capabilities\":[\"adm-plan\"]}"),
                "endpoint", "endpoint must be set, but was null");
        assertField(send("POST", "/api/agents", ADMIN, "{\"id\":\"" + id("a") + "\",\"capabilities\":[\"adm-plan\"],\"endpoint\":\"nowhere:x\"}"),
                "endpoint", null);
        assertField(send("POST", "/api/agents", ADMIN, agentJson("a", "adm-plan", 1).replace("}", ",\"colour\":\"red\"}")), "colour", null);
        assertField(send("POST", "/api/agents", ADMIN, "{not json"), "body", null);
        assertField(send("POST", "/api/agents", ADMIN, "[1,2]"), "body", null);
        assertField(send("PUT", "/api/agents/" + id("a"), ADMIN, agentJson("b", "adm-plan", 1)), "id", null);
        assertField(send("GET", "/api/agents/bad%20id", READER, null), "id", null);
        assertField(send("GET", "/api/agents?capability=%21x", READER, null), "capability", null);
        assertField(send("POST", "/api/tasks", ADMIN, "{\"capability\":\"adm-plan\",\"priority\":12}"), "priority",
                "priority must be between 0 and 9, but was 12");
        assertField(send("POST", "/api/tasks", ADMIN, "{\"capability\":\"adm-plan\",\"timeoutMillis\":0}"), "timeoutMillis", null);
        assertField(send("POST", "/api/tasks", ADMIN, "{\"payload\":\"x\"}"), "capability", "capability must not be null, but was null");
        assertThat(orchestrator.agents()).isEmpty();
    }

    private static void assertField(HttpResponse<String> r, String field, String message) throws IOException {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(json(r).get("field").asText()).isEqualTo(field);
        if (message != null) {
            assertThat(json(r).get("message").asText()).isEqualTo(message);
        }
    }

    @Test
    void setsAnAgentDrainingAndBack() throws Exception {
        start(config());
        send("POST", "/api/agents", ADMIN, agentJson("a", "adm-plan", 1));
        HttpResponse<String> draining = send("PUT", "/api/agents/" + id("a") + "/status", ADMIN, "{\"status\":\"DRAINING\",\"reason\":\"deploy\"}");
        assertThat(draining.statusCode()).isEqualTo(200);
        assertThat(json(draining).get("status").asText()).isEqualTo("DRAINING");
        assertThat(orchestrator.agent(id("a")).orElseThrow().status()).isEqualTo(AgentStatus.DRAINING);
        send("PUT", "/api/agents/" + id("a") + "/status", ADMIN, "{\"status\":\"HEALTHY\"}");
        assertThat(orchestrator.agent(id("a")).orElseThrow().status()).isEqualTo(AgentStatus.HEALTHY);
        assertField(send("PUT", "/api/agents/" + id("a") + "/status", ADMIN, "{\"status\":\"ASLEEP\"}"), "status",
                "status must be one of HEALTHY, UNHEALTHY, DRAINING, but was 'ASLEEP'");
        assertThat(send("PUT", "/api/agents/" + id("nobody") + "/status", ADMIN, "{\"status\":\"HEALTHY\"}").statusCode()).isEqualTo(404);
    }

    @Test
    void healthPerAgentAndPerCapability() throws Exception {
        start(config().requireHealthy("adm-needed", 2));
        send("POST", "/api/agents", ADMIN, agentJson("a", "adm-plan", 1));
        send("POST", "/api/agents", ADMIN, agentJson("b", "adm-plan", 1));
        orchestrator.setStatus(id("b"), AgentStatus.UNHEALTHY, "test");

        JsonNode agents = json(send("GET", "/api/health/agents", READER, null)).get("agents");
        assertThat(agents).extracting(n -> n.get("status").asText()).containsExactly("HEALTHY", "UNHEALTHY");
        JsonNode b = json(send("GET", "/api/health/agents/" + id("b"), READER, null));
        assertThat(b.get("routable").asBoolean()).isFalse();
        assertThat(b.get("circuitState").asText()).isEqualTo("CLOSED");
        assertThat(send("GET", "/api/health/agents/" + id("zz"), READER, null).statusCode()).isEqualTo(404);

        JsonNode caps = json(send("GET", "/api/health/capabilities", READER, null)).get("capabilities");
        assertThat(caps).extracting(n -> n.get("capability").asText()).containsExactly("adm-needed", "adm-plan");
        JsonNode plan = json(send("GET", "/api/health/capabilities/adm-plan", READER, null));
        assertThat(plan.get("agents").asInt()).isEqualTo(2);
        assertThat(plan.get("routable").asInt()).isEqualTo(1);
        assertThat(plan.get("unhealthy").asInt()).isEqualTo(1);
        JsonNode needed = json(send("GET", "/api/health/capabilities/adm-needed", READER, null));
        assertThat(needed.get("ready").asBoolean()).isFalse();
        assertThat(send("GET", "/api/health/capabilities/adm-unknown", READER, null).statusCode()).isEqualTo(404);
    }

    @Test
    void dispatchesTasksAndShowsThemInTheStats() throws Exception {
        start(config());
        orchestrator.register(agentRunning("echo", "adm-echo", t -> Payload.ofUtf8("echo " + t.payload().asUtf8())));
        orchestrator.register(agentRunning("fail", "adm-fail", t -> {
            throw new IllegalStateException("cannot");
        }));
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> ok = send("POST", "/api/tasks", ADMIN, "{\"capability\":\"adm-echo\",\"payload\":\"hi " + i + "\",\"timeoutMillis\":5000}");
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
            assertThat(json(ok).get("payload").asText()).isEqualTo("echo hi " + i);
            assertThat(json(ok).get("agentId").asText()).isEqualTo(id("echo"));
        }
        HttpResponse<String> failed = send("POST", "/api/tasks", ADMIN, "{\"capability\":\"adm-fail\"}");
        assertThat(failed.statusCode()).as(failed.body()).isEqualTo(502);
        assertThat(json(failed).get("error").asText()).isEqualTo("TaskFailedException");
        assertThat(json(failed).has("errorCode")).isTrue();
        assertThat(send("POST", "/api/tasks", ADMIN, "{\"capability\":\"adm-nobody\"}").statusCode()).isEqualTo(503);

        JsonNode stats = json(send("GET", "/api/stats", READER, null));
        JsonNode echo = stats.get("capabilities").get("adm-echo").get("oneMinute");
        assertThat(echo.get("requests").asInt()).isEqualTo(3);
        assertThat(echo.get("errors").asInt()).isZero();
        assertThat(echo.get("p99Millis").asDouble()).isPositive();
        assertThat(stats.get("capabilities").get("adm-fail").get("fiveMinutes").get("errorRate").asDouble()).isEqualTo(1.0);
        assertThat(stats.get("agents").get(id("echo")).get("fifteenMinutes").get("requests").asInt()).isEqualTo(3);
        assertThat(stats.get("timeline")).isNotEmpty();
        JsonNode agent = json(send("GET", "/api/agents/" + id("echo"), READER, null));
        assertThat(agent.get("oneMinute").get("requests").asInt()).isEqualTo(3);
    }

    @Test
    void aClientOverItsRateLimitGets429UntilTokensRefill() throws Exception {
        start(config().rateLimit(RateLimitConfig.of(1, 3)));
        for (int i = 0; i < 3; i++) {
            assertThat(send("GET", "/health/live", null, null).statusCode()).isEqualTo(200);
        }
        HttpResponse<String> limited = send("GET", "/api/agents", READER, null);
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After")).hasValue("1");
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(send("GET", "/api/agents", READER, null).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/api/agents", READER, null).statusCode()).isEqualTo(429);
    }

    @Test
    void aBodyOverTheLimitGets413() throws Exception {
        start(config().maxRequestBytes(1024));
        String big = "{\"capability\":\"adm-plan\",\"payload\":\"" + "x".repeat(2000) + "\"}";
        HttpResponse<String> r = send("POST", "/api/tasks", ADMIN, big);
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(json(r).get("field").asText()).isEqualTo("body");
    }

    @Test
    void corsAllowsOnlyConfiguredOrigins() throws Exception {
        start(config().corsOrigin("https://ops.example.com"));
        HttpResponse<String> preflight = send("OPTIONS", "/api/agents", null, null, Map.of("Origin", "https://ops.example.com",
                "Access-Control-Request-Method", "GET"));
        assertThat(preflight.statusCode()).isEqualTo(204);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://ops.example.com");
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers").orElseThrow()).contains("Authorization");
        assertThat(send("OPTIONS", "/api/agents", null, null, Map.of("Origin", "https://evil.example.com")).statusCode()).isEqualTo(403);
        HttpResponse<String> get = send("GET", "/api/agents", READER, null, Map.of("Origin", "https://ops.example.com"));
        assertThat(get.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://ops.example.com");
        HttpResponse<String> other = send("GET", "/api/agents", READER, null, Map.of("Origin", "https://evil.example.com"));
        assertThat(other.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }

    @Test
    void everyAnswerCarriesSecurityHeadersAndUnknownRoutesAre404Or405() throws Exception {
        start(config());
        for (HttpResponse<String> r : List.of(send("GET", "/health/live", null, null), send("GET", "/api/agents", null, null),
                send("GET", "/nothing", null, null), send("GET", "/dashboard/", null, null))) {
            assertThat(r.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("default-src 'none'")
                    .contains("frame-ancestors 'none'");
            assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
            assertThat(r.headers().firstValue("X-Frame-Options")).hasValue("DENY");
        }
        assertThat(send("GET", "/nothing", null, null).statusCode()).isEqualTo(404);
        HttpResponse<String> wrongMethod = send("PATCH", "/api/agents", ADMIN, "{}");
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("Allow")).hasValue("GET, POST");
    }

    @Test
    void servesTheDashboardAndTheOpenApiDocumentWithoutAToken() throws Exception {
        start(config());
        HttpResponse<String> page = send("GET", "/dashboard/", null, null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
        assertThat(page.body()).contains("<script src=\"dashboard.js\"").doesNotContain("http://").doesNotContain("https://");
        assertThat(send("GET", "/dashboard/dashboard.js", null, null).body()).contains("/api/events");
        assertThat(send("GET", "/dashboard/dashboard.css", null, null).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/dashboard/other.js", null, null).statusCode()).isEqualTo(404);
        HttpResponse<String> root = send("GET", "/", null, null);
        assertThat(root.statusCode()).isEqualTo(302);
        assertThat(root.headers().firstValue("Location")).hasValue("/dashboard/");
        assertThat(send("GET", "/openapi.yaml", null, null).body()).startsWith("openapi: 3.0.3");
    }

    @Test
    void theServerClosesWithTheOrchestrator() throws Exception {
        start(config());
        assertThat(send("GET", "/health/live", null, null).statusCode()).isEqualTo(200);
        orchestrator.close();
        assertThatThrownBy(() -> send("GET", "/health/live", null, null)).isInstanceOf(IOException.class);
    }

    @Test
    void configNeedsATokenAndReadsThemFromTheEnvironment() {
        assertThatThrownBy(() -> AdminServerConfig.builder().build()).isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("tokens must hold at least one token");
        assertThatThrownBy(() -> AdminServerConfig.builder().token("short", AdminRole.ADMIN)).isInstanceOf(ValidationException.class)
                .hasMessage("token must be 16-512 characters long, but was '5 characters'");
        AdminServerConfig c = AdminServerConfig.builder()
                .tokensFromEnvironment(Map.of(AdminServerConfig.ADMIN_TOKENS_ENV, ADMIN + ", other-admin-token-123", AdminServerConfig.READ_TOKENS_ENV, READER))
                .build();
        assertThat(c.tokens()).containsEntry(ADMIN, AdminRole.ADMIN).containsEntry("other-admin-token-123", AdminRole.ADMIN)
                .containsEntry(READER, AdminRole.READ);
    }
}
