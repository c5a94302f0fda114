package io.agentorchestrator.core.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentorchestrator.api.Agent;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentRegistrationException;
import io.agentorchestrator.api.NoAgentAvailableException;
import io.agentorchestrator.api.OrchestratorClosedException;
import io.agentorchestrator.api.OrchestratorException;
import io.agentorchestrator.api.RateLimitExceededException;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskFailedException;
import io.agentorchestrator.api.TaskRejectedException;
import io.agentorchestrator.api.TaskResult;
import io.agentorchestrator.api.TaskTimeoutException;
import io.agentorchestrator.api.TransportException;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.Orchestrator;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API as plain request-to-response handling, for a host to mount in whatever HTTP
 * server it runs; {@link AdminServer} mounts it on the JDK's own server. Answers JSON; the routes
 * are described in {@code openapi.yaml}, served at {@code /openapi.yaml}.
 *
 * <p>Every answer carries security headers (CSP, {@code X-Content-Type-Options},
 * {@code X-Frame-Options: DENY}). Routes under {@code /api/} need a bearer token of
 * {@link AdminRole#READ} (GET) or {@link AdminRole#ADMIN} (changes and task dispatch); the health
 * probes, the dashboard page and the OpenAPI document need none. Every client address is rate
 * limited. Bad input is answered 400 with the field it concerns and the library's own validation
 * message.
 *
 * <p>Thread-safe. {@code GET /api/events} answers with an {@link AdminResponse#stream()} that the
 * host copies to the client. {@link #close()} ends the event streams.
 */
public final class AdminApi implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AdminApi.class);
    private static final String RESOURCES = "/io/agentorchestrator/core/admin/";
    private static final String JSON_TYPE = "application/json";
    /** The dashboard's scripts, styles and data all come from this server; nothing inline, no framing. */
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final Orchestrator orchestrator;
    private final AdminServerConfig config;
    private final ClientRateLimiter limiter;
    private final EventFeed feed;
    private final List<byte[]> tokenDigests = new ArrayList<>();
    private final List<AdminRole> tokenRoles = new ArrayList<>();
    private final Map<String, Resource> resources = new LinkedHashMap<>();
    private final List<Route> routes = new ArrayList<>();

    private record Resource(String contentType, byte[] bytes) {
    }

    /** What a handler gets: the request and the values of the path's {@code {placeholders}}. */
    private record Call(AdminRequest request, List<String> params) {
    }

    @FunctionalInterface
    private interface Handler {
        AdminResponse handle(Call call) throws Exception;
    }

    /** One route: method, path template with {@code {name}} segments, the role it needs (null for none). */
    private record Route(String method, String template, AdminRole role, Handler handler) {
        List<String> match(String path) {
            String[] t = template.split("/", -1);
            String[] p = path.split("/", -1);
            if (t.length != p.length) {
                return null;
            }
            List<String> params = new ArrayList<>();
            for (int i = 0; i < t.length; i++) {
                if (t[i].startsWith("{")) {
                    if (p[i].isEmpty()) {
                        return null;
                    }
                    params.add(p[i]);
                } else if (!t[i].equals(p[i])) {
                    return null;
                }
            }
            return params;
        }
    }

    private AdminApi(Orchestrator orchestrator, AdminServerConfig config) {
        this.orchestrator = orchestrator;
        this.config = config;
        this.limiter = new ClientRateLimiter(config.rateLimit(), config.ticker());
        this.feed = new EventFeed(orchestrator, config);
        config.tokens().forEach((token, role) -> {
            tokenDigests.add(sha256(token));
            tokenRoles.add(role);
        });
        resource("openapi.yaml", "application/yaml; charset=utf-8");
        resource("dashboard/index.html", "text/html; charset=utf-8");
        resource("dashboard/dashboard.js", "text/javascript; charset=utf-8");
        resource("dashboard/dashboard.css", "text/css; charset=utf-8");
        defineRoutes();
    }

    /**
     * Creates the API for {@code orchestrator} and subscribes it to the orchestrator's events.
     *
     * @throws ValidationException when either argument is null
     */
    public static AdminApi create(Orchestrator orchestrator, AdminServerConfig config) {
        ValidationException.requireNonNull(orchestrator, "orchestrator");
        ValidationException.requireNonNull(config, "config");
        AdminApi api = new AdminApi(orchestrator, config);
        api.feed.start();
        return api;
    }

    private void defineRoutes() {
        get("/health/live", null, c -> json(200, JsonViews.JSON.createObjectNode().put("status", "UP")));
        get("/health/ready", null, c -> ready());
        get("/openapi.yaml", null, c -> file("openapi.yaml"));
        get("/", null, c -> new AdminResponse(302, Map.of("Location", "/dashboard/"), null, null));
        get("/dashboard/", null, c -> file("dashboard/index.html"));
        get("/dashboard/{file}", null, c -> file("dashboard/" + c.params().get(0)));
        get("/api/agents", AdminRole.READ, c -> listAgents(c.request()));
        route("POST", "/api/agents", AdminRole.ADMIN, c -> register(c.request()));
        get("/api/agents/{id}", AdminRole.READ, c -> json(200, JsonViews.agent(agent(c), orchestrator.stats())));
        route("PUT", "/api/agents/{id}", AdminRole.ADMIN, c -> update(c));
        route("DELETE", "/api/agents/{id}", AdminRole.ADMIN, c -> deregister(c));
        route("PUT", "/api/agents/{id}/status", AdminRole.ADMIN, c -> setStatus(c));
        get("/api/health/agents", AdminRole.READ, c -> agentsHealth());
        get("/api/health/agents/{id}", AdminRole.READ, c -> json(200, JsonViews.health(agent(c))));
        get("/api/health/capabilities", AdminRole.READ, c -> capabilitiesHealth());
        get("/api/health/capabilities/{capability}", AdminRole.READ, c -> capabilityHealth(c));
        get("/api/stats", AdminRole.READ, c -> json(200, JsonViews.stats(orchestrator.stats())));
        route("POST", "/api/tasks", AdminRole.ADMIN, c -> dispatch(c.request()));
        get("/api/events", AdminRole.READ, c -> events(c.request()));
    }

    private void get(String template, AdminRole role, Handler handler) {
        route("GET", template, role, handler);
    }

    private void route(String method, String template, AdminRole role, Handler handler) {
        routes.add(new Route(method, template, role, handler));
    }

    /** The routes, as {@code "METHOD /template"}; what {@code openapi.yaml} must describe. */
    List<String> routes() {
        return routes.stream().map(r -> r.method() + " " + r.template()).toList();
    }

    /** The event feed, for tests that look at its counters. */
    EventFeed feed() {
        return feed;
    }

    /**
     * Answers one request. Never throws: failures become 4xx/5xx answers.
     *
     * @throws ValidationException when {@code request} is null
     */
    public AdminResponse handle(AdminRequest request) {
        ValidationException.requireNonNull(request, "request");
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Security-Policy", CSP);
        headers.put("X-Content-Type-Options", "nosniff");
        headers.put("X-Frame-Options", "DENY");
        headers.put("Referrer-Policy", "no-referrer");
        headers.put("Cache-Control", "no-store");
        String origin = request.header("Origin");
        boolean corsAllowed = origin != null && (config.corsOrigins().contains("*") || config.corsOrigins().contains(origin));
        if (corsAllowed) {
            headers.put("Access-Control-Allow-Origin", config.corsOrigins().contains("*") ? "*" : origin);
            headers.put("Vary", "Origin");
        }
        AdminResponse response;
        try {
            response = route(request, corsAllowed, origin);
        } catch (RuntimeException e) {
            log.warn("Admin API failed on {} {}", request.method(), request.path(), e);
            response = error(500, "internal_error", null, "The admin API failed: " + e.getClass().getSimpleName());
        }
        headers.putAll(response.headers());
        return new AdminResponse(response.status(), headers, response.body(), response.stream());
    }

    private AdminResponse route(AdminRequest request, boolean corsAllowed, String origin) {
        if (!limiter.tryAcquire(request.client())) {
            AdminResponse r = error(429, "rate_limited", null, "Too many requests from " + request.client() + ": at most "
                    + config.rateLimit().permitsPerSecond() + " per second, bursts of " + config.rateLimit().burst());
            return withHeader(r, "Retry-After", Long.toString(limiter.retryAfterSeconds()));
        }
        if (request.method().equals("OPTIONS")) {
            if (origin == null || !corsAllowed) {
                return error(403, "forbidden", null, "Origin " + origin + " is not allowed to call this API");
            }
            return new AdminResponse(204, Map.of("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE",
                    "Access-Control-Allow-Headers", "Authorization, Content-Type, Last-Event-ID", "Access-Control-Max-Age", "600"), null, null);
        }
        if (request.body().length > config.maxRequestBytes()) {
            return error(413, "too_large", "body", "body must be at most " + config.maxRequestBytes() + " bytes, but was larger");
        }
        String path = request.path();
        TreeSet<String> allowed = new TreeSet<>();
        for (Route r : routes) {
            List<String> params = r.match(path);
            if (params == null) {
                continue;
            }
            if (!r.method().equals(request.method())) {
                allowed.add(r.method());
                continue;
            }
            if (r.role() != null) {
                AdminRole role = authenticate(request);
                if (role == null) {
                    return withHeader(error(401, "unauthorized", null, "A bearer token is required (Authorization: Bearer <token>)"),
                            "WWW-Authenticate", "Bearer realm=\"orchestrator-admin\"");
                }
                if (!role.includes(r.role())) {
                    return error(403, "forbidden", null, "This token's role " + role + " may not " + r.method() + " " + r.template()
                            + "; it needs " + r.role());
                }
            }
            try {
                return r.handler().handle(new Call(request, params));
            } catch (ValidationException e) {
                return error(400, "bad_request", e.field(), e.getMessage());
            } catch (io.agentorchestrator.api.AccessDeniedException e) {
                // The security layer's access policy refused it (already audited there): the token was fine, the action is not.
                return error(403, "forbidden", null, e.getMessage());
            } catch (io.agentorchestrator.api.LimitExceededException e) {
                return error(429, "limit_exceeded", null, e.getMessage());
            } catch (NotFound e) {
                return error(404, "not_found", null, e.getMessage());
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        if (!allowed.isEmpty()) {
            return withHeader(error(405, "method_not_allowed", null, request.method() + " is not allowed on " + path + "; allowed: " + allowed),
                    "Allow", String.join(", ", allowed));
        }
        return error(404, "not_found", null, "No route " + request.method() + " " + path);
    }

    private AdminRole authenticate(AdminRequest request) {
        String auth = request.header("Authorization");
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        byte[] presented = sha256(auth.substring(7).strip());
        AdminRole found = null;
        // Every token is compared, in constant time, so timing tells nothing about which matched or how far.
        for (int i = 0; i < tokenDigests.size(); i++) {
            if (MessageDigest.isEqual(presented, tokenDigests.get(i))) {
                found = tokenRoles.get(i);
            }
        }
        return found;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    // ---------------------------------------------------------------- handlers

    /** Thrown by handlers for a missing agent or capability; answered 404. */
    private static final class NotFound extends RuntimeException {
        NotFound(String message) {
            super(message, null, false, false);
        }
    }

    private Agent agent(Call c) {
        String id = AgentDescriptor.requireId(c.params().get(0), "id");
        return orchestrator.agent(id).orElseThrow(() -> new NotFound("No agent '" + id + "' is registered"));
    }

    private AdminResponse listAgents(AdminRequest request) {
        String capability = query(request, "capability");
        List<Agent> agents = capability == null ? orchestrator.agents()
                : orchestrator.agents(AgentDescriptor.requireCapability(capability, "capability"));
        return json(200, JsonViews.agents(agents, orchestrator.stats()));
    }

    private AdminResponse register(AdminRequest request) {
        AgentDescriptor d = RequestBodies.agent(request.body(), null);
        Optional<Agent> existing = orchestrator.agent(d.id());
        if (existing.isPresent() && !existing.get().descriptor().equals(d)) {
            return error(409, "conflict", "id", "Agent '" + d.id() + "' is already registered with another descriptor; PUT /api/agents/"
                    + d.id() + " to change it");
        }
        Agent a;
        try {
            a = orchestrator.register(d);
        } catch (AgentRegistrationException e) {
            return error(400, "bad_request", "endpoint", e.getMessage());
        }
        return withHeader(json(existing.isPresent() ? 200 : 201, JsonViews.agent(a, orchestrator.stats())), "Location", "/api/agents/" + d.id());
    }

    private AdminResponse update(Call c) {
        String id = AgentDescriptor.requireId(c.params().get(0), "id");
        AgentDescriptor d = RequestBodies.agent(c.request().body(), id);
        if (orchestrator.agent(id).isEmpty()) {
            throw new NotFound("No agent '" + id + "' is registered; POST /api/agents to register it");
        }
        try {
            return json(200, JsonViews.agent(orchestrator.update(d), orchestrator.stats()));
        } catch (AgentRegistrationException e) {
            return error(400, "bad_request", "endpoint", e.getMessage());
        }
    }

    private AdminResponse deregister(Call c) {
        String id = AgentDescriptor.requireId(c.params().get(0), "id");
        if (!orchestrator.deregister(id)) {
            throw new NotFound("No agent '" + id + "' is registered");
        }
        return new AdminResponse(204, Map.of(), null, null);
    }

    private AdminResponse setStatus(Call c) {
        Agent a = agent(c);
        RequestBodies.StatusChange change = RequestBodies.status(c.request().body());
        try {
            orchestrator.setStatus(a.id(), change.status(), change.reason());
        } catch (AgentRegistrationException e) {
            throw new NotFound(e.getMessage());
        }
        return json(200, JsonViews.health(orchestrator.agent(a.id()).orElse(a)));
    }

    private AdminResponse agentsHealth() {
        ObjectNode n = JsonViews.JSON.createObjectNode();
        var list = n.putArray("agents");
        orchestrator.agents().forEach(a -> list.add(JsonViews.health(a)));
        return json(200, n);
    }

    private TreeSet<String> capabilities() {
        TreeSet<String> caps = new TreeSet<>(config.requiredHealthy().keySet());
        orchestrator.agents().forEach(a -> caps.addAll(a.descriptor().capabilities()));
        return caps;
    }

    private AdminResponse capabilitiesHealth() {
        ObjectNode n = JsonViews.JSON.createObjectNode();
        var list = n.putArray("capabilities");
        for (String cap : capabilities()) {
            list.add(JsonViews.capabilityHealth(cap, orchestrator.agents(cap), config.requiredHealthy().get(cap)));
        }
        return json(200, n);
    }

    private AdminResponse capabilityHealth(Call c) {
        String cap = AgentDescriptor.requireCapability(c.params().get(0), "capability");
        List<Agent> agents = orchestrator.agents(cap);
        Integer required = config.requiredHealthy().get(cap);
        if (agents.isEmpty() && required == null) {
            throw new NotFound("No agent serves capability '" + cap + "' and it is not required for readiness");
        }
        return json(200, JsonViews.capabilityHealth(cap, agents, required));
    }

    private AdminResponse ready() {
        ObjectNode n = JsonViews.JSON.createObjectNode();
        var checks = n.putArray("checks");
        boolean ready = true;
        for (Map.Entry<String, Integer> e : config.requiredHealthy().entrySet()) {
            ObjectNode check = JsonViews.capabilityHealth(e.getKey(), orchestrator.agents(e.getKey()), e.getValue());
            ready &= check.get("ready").asBoolean();
            checks.add(check);
        }
        n.put("status", ready ? "UP" : "DOWN");
        return json(ready ? 200 : 503, n);
    }

    private AdminResponse dispatch(AdminRequest request) throws InterruptedException {
        Task task = RequestBodies.task(request.body());
        // The caller header names who the access policy checks; an admin token must not choose it.
        ValidationException.require(!task.headers().containsKey(io.agentorchestrator.core.security.SecurityHeaders.CALLER),
                "headers." + io.agentorchestrator.core.security.SecurityHeaders.CALLER,
                "must not be set through the admin API (its tasks are dispatched as the orchestrator's own principal)",
                task.headers().get(io.agentorchestrator.core.security.SecurityHeaders.CALLER));
        CompletableFuture<TaskResult> future = orchestrator.dispatch(task);
        long waitMillis = task.timeout().map(java.time.Duration::toMillis).orElse(RequestBodies.MAX_TASK_TIMEOUT_MILLIS) + 5_000;
        try {
            TaskResult r = future.get(waitMillis, TimeUnit.MILLISECONDS);
            ObjectNode n = JsonViews.JSON.createObjectNode();
            n.put("taskId", r.taskId());
            n.put("capability", r.capability());
            n.put("agentId", r.agentId());
            n.put("attempts", r.attempts());
            n.put("latencyMillis", JsonViews.millis(r.latency()));
            n.put("payload", r.payload().asUtf8());
            return json(200, n);
        } catch (TimeoutException e) {
            future.cancel(false);
            return error(504, "TaskTimeoutException", null, "Task " + task.id() + " gave no answer within " + waitMillis + " ms");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            int status = cause instanceof TaskTimeoutException ? 504
                    : cause instanceof io.agentorchestrator.api.AccessDeniedException ? 403
                    : cause instanceof RateLimitExceededException || cause instanceof io.agentorchestrator.api.LimitExceededException ? 429
                    : cause instanceof NoAgentAvailableException || cause instanceof TaskRejectedException
                            || cause instanceof OrchestratorClosedException ? 503
                    : cause instanceof TaskFailedException || cause instanceof TransportException ? 502 : 500;
            AdminResponse r = error(status, cause.getClass().getSimpleName(), null, String.valueOf(cause.getMessage()));
            if (cause instanceof TaskFailedException f) {
                try {
                    ObjectNode body = (ObjectNode) JsonViews.JSON.readTree(r.body());
                    body.put("errorCode", f.errorCode());
                    return json(status, body);
                } catch (IOException io) {
                    throw new UncheckedIOException(io);
                }
            }
            return r;
        } catch (OrchestratorException e) {
            return error(503, e.getClass().getSimpleName(), null, e.getMessage());
        }
    }

    private AdminResponse events(AdminRequest request) {
        AdminEventStream stream = feed.open(request.header("Last-Event-ID"));
        if (stream == null) {
            return withHeader(error(503, "unavailable", null, "At most " + config.maxEventClients() + " event-stream clients may connect"),
                    "Retry-After", "5");
        }
        return new AdminResponse(200, Map.of("Content-Type", "text/event-stream; charset=utf-8", "X-Accel-Buffering", "no"), null, stream);
    }

    // ---------------------------------------------------------------- plumbing

    private void resource(String name, String contentType) {
        try (InputStream in = AdminApi.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("The admin API resource " + RESOURCES + name + " is missing from the jar");
            }
            resources.put(name, new Resource(contentType, in.readAllBytes()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private AdminResponse file(String name) {
        Resource r = resources.get(name);
        if (r == null) {
            throw new NotFound("No file " + name);
        }
        return new AdminResponse(200, Map.of("Content-Type", r.contentType(), "Cache-Control", "no-cache"), r.bytes(), null);
    }

    private static String query(AdminRequest request, String name) {
        if (request.query() == null) {
            return null;
        }
        for (String part : request.query().split("&")) {
            int eq = part.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
            if (key.equals(name)) {
                return eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static AdminResponse json(int status, ObjectNode body) {
        try {
            return new AdminResponse(status, Map.of("Content-Type", JSON_TYPE), JsonViews.JSON.writeValueAsBytes(body), null);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static AdminResponse error(int status, String error, String field, String message) {
        ObjectNode n = JsonViews.JSON.createObjectNode();
        n.put("status", status);
        n.put("error", error);
        if (field != null) {
            n.put("field", field);
        }
        n.put("message", message);
        return json(status, n);
    }

    private static AdminResponse withHeader(AdminResponse r, String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(r.headers());
        h.put(name, value);
        return new AdminResponse(r.status(), h, r.body(), r.stream());
    }

    /** Ends the event streams and unsubscribes from the orchestrator's events. */
    @Override
    public void close() {
        feed.close();
    }
}
