package io.agentorchestrator.core.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.AccessDeniedException;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentStatus;
import io.agentorchestrator.api.LimitExceededException;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.security.AuditEvent;
import io.agentorchestrator.api.security.Principal;
import io.agentorchestrator.core.AgentRuntime;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.internal.InProcessTransport;
import io.agentorchestrator.core.kit.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The access policy, the limits and the audit trail, on the in-process transport. */
class SecurityPolicyAndLimitsTest {

    private static final byte[] KEY = "signing key of at least 32 bytes!".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final List<AuditEvent> audit = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final ManualClock clock = new ManualClock(Instant.now());

    @AfterEach
    void close() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private SecurityConfig.Builder config(String principal, String... roles) {
        return SecurityConfig.builder(Principal.of(principal, roles)).signingKeys(KeyProviders.of("k1", Map.of("k1", KEY)))
                .auditSink(audit::add).clock(clock);
    }

    private Orchestrator orchestrator(SecurityConfig security) {
        Orchestrator o = Orchestrator.builder().transport(new InProcessTransport()).security(security).build();
        resources.add(o);
        return o;
    }

    private AgentDescriptor agent(String name, String capability) {
        return AgentDescriptor.builder(name + "-" + run).capability(capability).endpoint("inproc:" + name + "-" + run).build();
    }

    private void startAgent(AgentDescriptor d, SecurityConfig security) {
        AgentRuntime r = AgentRuntime.builder(d).transport(new InProcessTransport()).security(security)
                .handler(t -> Payload.ofUtf8("ok")).heartbeatInterval(Duration.ofMillis(200)).start();
        resources.add(r);
    }

    @Test
    void aCallerOutsideThePolicyIsDeniedWithATypedErrorAndAnAuditEntry() throws Exception {
        AccessPolicy policy = AccessPolicy.builder().allowRegister("*", "*").allowDispatch("planner", "route-*")
                .principal("alice", "planner").build();
        Orchestrator o = orchestrator(config("orchestrator").policy(policy).build());
        AgentDescriptor d = agent("router", "route-" + run);
        startAgent(d, config("agents").build());
        o.register(d);

        var denied = o.dispatch(Task.of("route-" + run, "x"));
        assertThatThrownBy(() -> denied.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(AccessDeniedException.class)
                .hasMessage("Access denied: principal 'orchestrator' may not dispatch capability 'route-" + run + "'");
        Task asAlice = Task.builder("route-" + run).payload("x").header(SecurityHeaders.CALLER, "alice").build();
        assertThat(o.dispatch(asAlice).get(5, TimeUnit.SECONDS).payload().asUtf8()).isEqualTo("ok");
        assertThat(audit).filteredOn(e -> e.type() == AuditEvent.Type.ACCESS_DENIED)
                .singleElement().satisfies(e -> {
                    assertThat(e.principal()).isEqualTo("orchestrator");
                    assertThat(e.capability()).isEqualTo("route-" + run);
                    assertThat(e.outcome()).isEqualTo(AuditEvent.DENIED);
                });
    }

    @Test
    void agentsPerCapabilityIsEnforcedOnHandAndAnnouncedRegistrationsWithNothingHalfRegistered() {
        SecurityConfig security = config("orchestrator").limits(SecurityLimits.defaults().withMaxAgentsPerCapability(2)).build();
        Orchestrator o = orchestrator(security);
        String cap = "limited-" + run;
        o.register(agent("a1", cap));
        o.register(agent("a2", cap));

        AgentDescriptor third = AgentDescriptor.builder("a3-" + run).capability(cap).capability("other-" + run)
                .endpoint("inproc:a3-" + run).build();
        assertThatThrownBy(() -> o.register(third)).isInstanceOf(LimitExceededException.class)
                .hasMessage("Agent 'a3-" + run + "' refused: capability '" + cap + "' already has 2 agents (maxAgentsPerCapability 2)");
        assertThat(o.agent(third.id())).isEmpty();
        assertThat(o.agents("other-" + run)).isEmpty();

        startAgent(agent("a4", cap), config("agents").build());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> security.stats().rejected("announce", "maxAgentsPerCapability") >= 1);
        assertThat(o.agents(cap)).hasSize(2);
        assertThat(audit).anyMatch(e -> e.type() == AuditEvent.Type.LIMIT_EXCEEDED && e.agentId().equals("a4-" + run));

        io.micrometer.core.instrument.simple.SimpleMeterRegistry registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        new SecurityMetrics(security).bindTo(registry);
        assertThat(registry.get(SecurityMetrics.REJECTED).tag("kind", "register").tag("reason", "maxAgentsPerCapability")
                .functionCounter().count()).isEqualTo(1.0);
        assertThat(registry.get(SecurityMetrics.REJECTED).tag("kind", "announce").tag("reason", "maxAgentsPerCapability")
                .functionCounter().count()).isGreaterThanOrEqualTo(1.0);
        security.stats().reject("dispatch", "ACCESS_DENIED");
        assertThat(registry.get(SecurityMetrics.REJECTED).tag("kind", "dispatch").functionCounter().count())
                .as("a series registered when first counted").isEqualTo(1.0);
    }

    @Test
    void registrationsPerPrincipalPerMinuteAndMetadataSizeAreLimited() {
        SecurityConfig security = config("orchestrator").limits(SecurityLimits.defaults()
                .withMaxRegistrationsPerPrincipalPerMinute(2).withMaxMetadataBytes(100)).build();
        Orchestrator o = orchestrator(security);
        o.register(agent("r1", "c-" + run));
        o.register(agent("r2", "c-" + run));
        assertThatThrownBy(() -> o.register(agent("r3", "c-" + run))).isInstanceOf(LimitExceededException.class)
                .satisfies(e -> assertThat(((LimitExceededException) e).limit()).isEqualTo("maxRegistrationsPerPrincipalPerMinute"));
        // Re-registering a known agent is not a new registration.
        o.register(agent("r1", "c-" + run));

        clock.advance(Duration.ofSeconds(61));
        o.register(agent("r3", "c-" + run));

        AgentDescriptor fat = AgentDescriptor.builder("fat-" + run).capability("c-" + run).endpoint("inproc:fat-" + run)
                .metadata("notes", "x".repeat(200)).build();
        assertThatThrownBy(() -> o.register(fat)).isInstanceOf(LimitExceededException.class)
                .hasMessageContaining("more than maxMetadataBytes 100");
        assertThat(o.agent(fat.id())).isEmpty();
    }

    @Test
    void registrationsDeregistrationsAndStatusOverridesAreAuditedWithoutPayloadsOrSecrets() throws Exception {
        Orchestrator o = orchestrator(config("orchestrator").build());
        AgentDescriptor d = agent("audited", "audit-" + run);
        startAgent(d, config("agents").build());
        o.register(d);
        o.setStatus(d.id(), AgentStatus.DRAINING, "maintenance");
        o.setStatus(d.id(), AgentStatus.HEALTHY, "back");
        o.dispatch(Task.of("audit-" + run, "the secret payload")).get(5, TimeUnit.SECONDS);
        o.deregister(d.id());

        assertThat(audit).extracting(AuditEvent::type).containsSubsequence(AuditEvent.Type.AGENT_REGISTERED,
                AuditEvent.Type.STATUS_OVERRIDE, AuditEvent.Type.STATUS_OVERRIDE, AuditEvent.Type.AGENT_DEREGISTERED);
        assertThat(audit).filteredOn(e -> e.type() == AuditEvent.Type.STATUS_OVERRIDE).first()
                .satisfies(e -> assertThat(AuditSinks.format(e)).contains("type=STATUS_OVERRIDE outcome=allowed")
                        .contains("principal=orchestrator").contains("agent=audited-" + run).contains("detail=maintenance")
                        .contains("status=DRAINING"));
        assertThat(audit.toString()).doesNotContain("the secret payload").doesNotContain(new String(KEY, java.nio.charset.StandardCharsets.US_ASCII));
    }

    @Test
    void aLiveConfigurationChangeIsAudited() {
        Orchestrator o = orchestrator(config("orchestrator").build());

        o.reconfigure(io.agentorchestrator.core.config.Reconfiguration.builder().balancer("p2c").reason("ticket-42").build());

        assertThat(audit).filteredOn(e -> e.type() == AuditEvent.Type.CONFIGURATION_CHANGED).singleElement()
                .satisfies(e -> assertThat(AuditSinks.format(e)).contains("type=CONFIGURATION_CHANGED outcome=allowed")
                        .contains("p2c").contains("reason=ticket-42"));
    }

    @Test
    void anAgentIdAnnouncedByOnePrincipalCannotBeTakenOverByAnother() {
        SecurityConfig security = config("orchestrator").build();
        Orchestrator o = orchestrator(security);
        AgentDescriptor d = agent("owned", "owned-" + run);
        startAgent(d, config("team-a").build());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> o.agent(d.id()).isPresent());

        AgentDescriptor impostor = AgentDescriptor.builder(d.id()).capability("owned-" + run).capability("payments-" + run)
                .endpoint("inproc:elsewhere-" + run).build();
        SecurityConfig teamB = config("team-b").build();
        io.agentorchestrator.core.security.internal.SecurityLayer.of(teamB).wrap(new InProcessTransport()).directory().orElseThrow()
                .announce(impostor, Duration.ofSeconds(5));

        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> security.stats().rejected("announce", "ACCESS_DENIED") >= 1);
        assertThat(o.agent(d.id()).orElseThrow().descriptor().endpoint().toString()).isEqualTo("inproc:owned-" + run);
        assertThat(audit).anySatisfy(e -> assertThat(e.detail()).isEqualTo("Access denied: agent id '" + d.id()
                + "' is registered by principal 'team-a', not 'team-b'"));
    }
}
