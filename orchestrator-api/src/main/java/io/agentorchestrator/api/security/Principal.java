package io.agentorchestrator.api.security;

import io.agentorchestrator.api.ValidationException;
import java.util.Set;

/**
 * Who sent a message or made a call: an agent's operator, an orchestrator, a host application's
 * caller. The roles decide, through the access policy, what it may register and dispatch.
 *
 * @param name  the principal's name (a token's subject), 1-128 characters
 * @param roles the roles it holds; may be empty
 */
public record Principal(String name, Set<String> roles) {

    /** Checks the name and copies the roles. */
    public Principal {
        ValidationException.requireNonNull(name, "principal.name");
        ValidationException.require(!name.isBlank() && name.length() <= 128, "principal.name", "must be 1-128 characters", name.length());
        roles = roles == null ? Set.of() : Set.copyOf(roles);
    }

    /** A principal with these roles. */
    public static Principal of(String name, String... roles) {
        return new Principal(name, Set.of(roles));
    }
}
