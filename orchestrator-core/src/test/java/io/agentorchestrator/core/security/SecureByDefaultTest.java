package io.agentorchestrator.core.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.api.security.AuditEvent;
import io.agentorchestrator.core.AgentRuntime;
import io.agentorchestrator.core.Orchestrator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Security is off by default only in-process: every other transport needs a configuration or an explicit opt-out. */
class SecureByDefaultTest {

    @Test
    void anOrchestratorOnAnotherTransportWithoutSecurityIsRefused() {
        assertThatThrownBy(() -> Orchestrator.builder().transport("inproc:").transport("http:").build())
                .isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("security must be configured for the orchestrator on the transport(s) [http]")
                .hasMessageContaining("SecurityConfig.insecure(");
    }

    @Test
    void anAgentRuntimeOnAnotherTransportWithoutSecurityIsRefused() {
        AgentDescriptor agent = AgentDescriptor.builder("sbd-agent").capability("sbd").endpoint("http://127.0.0.1:0/sbd").build();
        assertThatThrownBy(() -> AgentRuntime.builder(agent).handler(t -> Payload.ofUtf8("ok")).start())
                .isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("security must be configured for agent sbd-agent on the transport(s) [http]");
    }

    @Test
    void inprocNeedsNothingAndAnExplicitOptOutIsAudited() {
        try (Orchestrator plain = Orchestrator.builder().build()) {
            assertThat(plain.toString()).doesNotStartWith("Secured");
        }
        List<AuditEvent> audit = new CopyOnWriteArrayList<>();
        try (Orchestrator optedOut = Orchestrator.builder().transport("http:")
                .security(SecurityConfig.insecure("agents on a private network", audit::add)).build()) {
            assertThat(optedOut.toString()).doesNotStartWith("Secured");
        }
        assertThat(audit).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(AuditEvent.Type.SECURITY_DISABLED);
            assertThat(e.detail()).isEqualTo("agents on a private network");
            assertThat(e.attributes()).containsEntry("side", "the orchestrator").containsEntry("transports", "http");
        });
    }
}
