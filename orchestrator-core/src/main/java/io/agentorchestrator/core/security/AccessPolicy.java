package io.agentorchestrator.core.security;

import io.agentorchestrator.api.AccessDeniedException;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.api.security.Principal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who may do what: roles map to the capabilities they may register (serve as an agent) and
 * dispatch (call as a client). A principal's roles are those its credential carries, plus those
 * the policy assigns to its name; {@link Builder#trustCredentialRoles(boolean)} turns the first
 * source off when agents must not choose their own roles.
 *
 * <p>Capability patterns are exact names, a prefix ending in {@code *} ({@code "geo.*"}), or
 * {@code "*"} for all. Immutable and thread-safe; checks allocate nothing on the hot path.
 */
public final class AccessPolicy {

    /** The action of registering an agent for a capability. */
    public static final String REGISTER = "register";
    /** The action of dispatching a task to a capability. */
    public static final String DISPATCH = "dispatch";

    private static final AccessPolicy ALLOW_ALL = builder().allowRegister("*", "*").allowDispatch("*", "*").build();

    private final Map<String, List<String>> registerByRole;
    private final Map<String, List<String>> dispatchByRole;
    private final Map<String, Set<String>> rolesByPrincipal;
    private final boolean trustCredentialRoles;

    private AccessPolicy(Builder b) {
        this.registerByRole = copy(b.registerByRole);
        this.dispatchByRole = copy(b.dispatchByRole);
        this.rolesByPrincipal = Map.copyOf(b.rolesByPrincipal);
        this.trustCredentialRoles = b.trustCredentialRoles;
    }

    /** Every authenticated principal may register and dispatch every capability; the default. */
    public static AccessPolicy allowAll() {
        return ALLOW_ALL;
    }

    /** Starts an empty policy: nothing is allowed until granted. */
    public static Builder builder() {
        return new Builder();
    }

    /** Whether {@code principal} may register an agent serving {@code capability}. */
    public boolean mayRegister(Principal principal, String capability) {
        return allowed(registerByRole, principal, capability);
    }

    /** Whether {@code principal} may dispatch tasks to {@code capability}. */
    public boolean mayDispatch(Principal principal, String capability) {
        return allowed(dispatchByRole, principal, capability);
    }

    /**
     * Checks that {@code principal} may register every capability in {@code capabilities}.
     *
     * @throws AccessDeniedException naming the first capability it may not register
     */
    public void checkRegister(Principal principal, Set<String> capabilities) {
        for (String c : capabilities) {
            if (!mayRegister(principal, c)) {
                throw new AccessDeniedException(principal.name(), REGISTER, c);
            }
        }
    }

    /**
     * Checks that {@code principal} may dispatch to {@code capability}.
     *
     * @throws AccessDeniedException when it may not
     */
    public void checkDispatch(Principal principal, String capability) {
        if (!mayDispatch(principal, capability)) {
            throw new AccessDeniedException(principal.name(), DISPATCH, capability);
        }
    }

    /** The roles the policy itself assigns to a principal name; empty when none. */
    public Set<String> rolesOf(String principalName) {
        return rolesByPrincipal.getOrDefault(principalName, Set.of());
    }

    private boolean allowed(Map<String, List<String>> byRole, Principal principal, String capability) {
        if (trustCredentialRoles) {
            for (String role : principal.roles()) {
                if (matches(byRole.get(role), capability)) {
                    return true;
                }
            }
        }
        for (String role : rolesOf(principal.name())) {
            if (matches(byRole.get(role), capability)) {
                return true;
            }
        }
        return matches(byRole.get("*"), capability);
    }

    private static boolean matches(List<String> patterns, String capability) {
        if (patterns == null) {
            return false;
        }
        for (String p : patterns) {
            if (p.equals("*") || p.equals(capability)
                    || (p.endsWith("*") && capability.startsWith(p.substring(0, p.length() - 1)))) {
                return true;
            }
        }
        return false;
    }

    private static Map<String, List<String>> copy(Map<String, List<String>> m) {
        Map<String, List<String>> out = new HashMap<>();
        m.forEach((k, v) -> out.put(k, List.copyOf(v)));
        return Map.copyOf(out);
    }

    @Override
    public String toString() {
        return "AccessPolicy[register=" + registerByRole + ", dispatch=" + dispatchByRole + ", principals=" + rolesByPrincipal
                + ", trustCredentialRoles=" + trustCredentialRoles + "]";
    }

    /** Configures an {@link AccessPolicy}. Not thread-safe. */
    public static final class Builder {
        private final Map<String, List<String>> registerByRole = new HashMap<>();
        private final Map<String, List<String>> dispatchByRole = new HashMap<>();
        private final Map<String, Set<String>> rolesByPrincipal = new HashMap<>();
        private boolean trustCredentialRoles = true;

        private Builder() {
        }

        /**
         * Lets holders of {@code role} register agents for capabilities matching the patterns.
         * The role {@code "*"} stands for every authenticated principal.
         */
        public Builder allowRegister(String role, String... capabilityPatterns) {
            add(registerByRole, role, capabilityPatterns);
            return this;
        }

        /** Lets holders of {@code role} dispatch to capabilities matching the patterns; {@code "*"} as for {@link #allowRegister}. */
        public Builder allowDispatch(String role, String... capabilityPatterns) {
            add(dispatchByRole, role, capabilityPatterns);
            return this;
        }

        /** Assigns roles to a principal by name, whatever its credential says. */
        public Builder principal(String principalName, String... roles) {
            ValidationException.requireNonNull(principalName, "principalName");
            ValidationException.requireNonNull(roles, "roles");
            rolesByPrincipal.computeIfAbsent(principalName, n -> new LinkedHashSet<>()).addAll(List.of(roles));
            return this;
        }

        /**
         * Whether the roles a credential carries count; default {@code true}. Set {@code false} when
         * agents hold signing keys but must not pick their roles: then only {@link #principal} decides.
         */
        public Builder trustCredentialRoles(boolean trust) {
            this.trustCredentialRoles = trust;
            return this;
        }

        /** Builds the policy. */
        public AccessPolicy build() {
            rolesByPrincipal.replaceAll((k, v) -> Set.copyOf(v));
            return new AccessPolicy(this);
        }

        private static void add(Map<String, List<String>> map, String role, String[] patterns) {
            ValidationException.requireNonNull(role, "role");
            ValidationException.requireNonNull(patterns, "capabilityPatterns");
            ValidationException.require(patterns.length > 0, "capabilityPatterns", "must name at least one pattern", 0);
            for (String p : patterns) {
                ValidationException.requireNonNull(p, "capabilityPattern");
                ValidationException.require(!p.isBlank(), "capabilityPattern", "must not be blank", p);
                map.computeIfAbsent(role, r -> new ArrayList<>()).add(p);
            }
        }
    }
}
