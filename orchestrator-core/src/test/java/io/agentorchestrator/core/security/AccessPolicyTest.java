package io.agentorchestrator.core.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.AccessDeniedException;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.api.security.Principal;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AccessPolicyTest {

    private final AccessPolicy policy = AccessPolicy.builder()
            .allowRegister("planner", "route-*", "geo.lookup")
            .allowDispatch("caller", "route-*")
            .allowDispatch("*", "public.echo")
            .principal("alice", "caller")
            .build();

    @Test
    void rolesGrantCapabilitiesByExactNamePrefixOrForEveryone() {
        Principal planner = Principal.of("planner-agents", "planner");
        assertThat(policy.mayRegister(planner, "route-eu")).isTrue();
        assertThat(policy.mayRegister(planner, "geo.lookup")).isTrue();
        assertThat(policy.mayRegister(planner, "geo.lookup2")).isFalse();
        assertThat(policy.mayDispatch(planner, "route-eu")).as("registering is not calling").isFalse();
        assertThat(policy.mayDispatch(Principal.of("anyone"), "public.echo")).isTrue();
        assertThat(policy.mayDispatch(Principal.of("alice"), "route-eu")).as("roles from the policy by name").isTrue();
        assertThatThrownBy(() -> policy.checkRegister(planner, Set.of("route-eu", "payments")))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessage("Access denied: principal 'planner-agents' may not register capability 'payments'");
    }

    @Test
    void credentialRolesCanBeIgnoredSoAgentsCannotChooseTheirOwn() {
        AccessPolicy pinned = AccessPolicy.builder().allowRegister("planner", "route-*").principal("planner-agents", "planner")
                .trustCredentialRoles(false).build();
        assertThat(pinned.mayRegister(Principal.of("intruder", "planner"), "route-eu")).isFalse();
        assertThat(pinned.mayRegister(Principal.of("planner-agents"), "route-eu")).isTrue();
        assertThat(AccessPolicy.allowAll().mayDispatch(Principal.of("x"), "anything")).isTrue();
        assertThat(AccessPolicy.builder().build().mayDispatch(Principal.of("x", "admin"), "anything")).as("empty denies").isFalse();
        assertThatThrownBy(() -> AccessPolicy.builder().allowDispatch("caller")).isInstanceOf(ValidationException.class)
                .hasMessage("capabilityPatterns must name at least one pattern, but was 0");
    }
}
