package io.agentorchestrator.core.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentorchestrator.api.security.AuditEvent;
import io.agentorchestrator.api.security.Principal;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.RateLimitConfig;
import io.agentorchestrator.core.admin.AdminRole;
import io.agentorchestrator.core.admin.AdminServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** With security on, the admin API acts through the security layer: its bearer tokens let a call in, the policy decides the action. */
class AdminThroughSecurityTest {

    private static final String TOKEN = "admin-token-" + UUID.randomUUID();
    private static final byte[] KEY = "signing key of at least 32 bytes!".getBytes(StandardCharsets.US_ASCII);

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final List<AuditEvent> audit = new CopyOnWriteArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Orchestrator orchestrator;
    private URI base;

    @BeforeEach
    void start() {
        AccessPolicy policy = AccessPolicy.builder().allowRegister("planner", "adm-ok-*").principal("admin-host", "planner").build();
        orchestrator = Orchestrator.builder().transport("inproc:")
                .security(SecurityConfig.builder(Principal.of("admin-host")).signingKeys(KeyProviders.of("k1", Map.of("k1", KEY)))
                        .policy(policy).auditSink(audit::add).build())
                .adminServer(AdminServerConfig.builder().port(0).token(TOKEN, AdminRole.ADMIN).rateLimit(RateLimitConfig.of(1000, 1000)).build())
                .build();
        base = orchestrator.adminServer().orElseThrow().uri();
    }

    @AfterEach
    void close() {
        orchestrator.close();
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20)).header("Authorization", "Bearer " + TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String agent(String id, String capability) {
        return "{\"id\":\"" + id + "\",\"capabilities\":[\"" + capability + "\"],\"endpoint\":\"inproc:" + id + "\"}";
    }

    @Test
    void aRegistrationThePolicyForbidsIsRefusedWith403AndAudited() throws Exception {
        String id = "adm-denied-" + run;
        HttpResponse<String> denied = send("POST", "/api/agents", agent(id, "adm-secret-" + run));

        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(denied.body()).contains("forbidden").contains("admin-host");
        assertThat(orchestrator.agent(id)).isEmpty();
        // Its own agent only: the in-process directory is the JVM's, and another test's announcement may reach it.
        assertThat(audit).filteredOn(e -> e.type() == AuditEvent.Type.ACCESS_DENIED && id.equals(e.agentId())).singleElement().satisfies(e -> {
            assertThat(e.principal()).isEqualTo("admin-host");
            assertThat(e.agentId()).isEqualTo(id);
            assertThat(e.attributes()).containsEntry("kind", "register");
        });
    }

    @Test
    void allowedRegistrationsStatusChangesAndDispatchesGoThroughThePolicyAndTheAuditToo() throws Exception {
        String id = "adm-allowed-" + run;
        assertThat(send("POST", "/api/agents", agent(id, "adm-ok-" + run)).statusCode()).isEqualTo(201);
        assertThat(send("PUT", "/api/agents/" + id + "/status", "{\"status\":\"DRAINING\",\"reason\":\"maintenance\"}").statusCode())
                .isEqualTo(200);
        assertThat(audit).extracting(AuditEvent::type).contains(AuditEvent.Type.AGENT_REGISTERED, AuditEvent.Type.STATUS_OVERRIDE);

        // No role may dispatch: the policy refuses the admin API's task as it would the host's.
        HttpResponse<String> dispatch = send("POST", "/api/tasks", "{\"capability\":\"adm-ok-" + run + "\",\"payload\":\"x\"}");
        assertThat(dispatch.statusCode()).isEqualTo(403);
        assertThat(audit).filteredOn(e -> e.type() == AuditEvent.Type.ACCESS_DENIED)
                .anySatisfy(e -> assertThat(e.attributes()).containsEntry("kind", "dispatch"));

        HttpResponse<String> impersonating = send("POST", "/api/tasks", "{\"capability\":\"adm-ok-" + run
                + "\",\"payload\":\"x\",\"headers\":{\"x-orchestrator-caller\":\"someone-else\"}}");
        assertThat(impersonating.statusCode()).isEqualTo(400);
        assertThat(impersonating.body()).contains("must not be set through the admin API");
    }
}
