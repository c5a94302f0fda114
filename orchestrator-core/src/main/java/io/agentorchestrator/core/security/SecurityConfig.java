package io.agentorchestrator.core.security;

import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.api.security.AgentAuthenticator;
import io.agentorchestrator.api.security.AuditSink;
import io.agentorchestrator.api.security.KeyProvider;
import io.agentorchestrator.api.security.Principal;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Turns on the security layer of an orchestrator ({@code Orchestrator.builder().security(...)})
 * or an agent runtime ({@code AgentRuntime.builder(...).security(...)}): signed, expiring,
 * non-replayable credentials on announcements, heartbeats, tasks and replies; the access policy;
 * end-to-end payload encryption; limits; the audit trail. Both sides of a transport use the same
 * signing keys (and payload keys, when encryption is on); each side has its own principal.
 *
 * <p>Immutable; every setter checks its value. {@link #toString()} shows key ids, never keys.
 */
public final class SecurityConfig {

    /** Default lifetime of a credential on an announcement or a reply (a task's lasts to its deadline). */
    public static final Duration DEFAULT_CREDENTIAL_TTL = Duration.ofSeconds(60);
    /** Default longest lifetime a received credential may claim; bounds the replay memory. */
    public static final Duration DEFAULT_MAX_CREDENTIAL_LIFETIME = Duration.ofMinutes(10);
    /** Default number of credential ids remembered for replay protection. */
    public static final int DEFAULT_REPLAY_CACHE_SIZE = 1_000_000;
    /** Environment variable naming this side's principal ({@code orchestrator.security.principal}). */
    public static final String ENV_PRINCIPAL = "ORCHESTRATOR_SECURITY_PRINCIPAL";
    /** Environment variable listing this side's roles, comma-separated ({@code orchestrator.security.roles}). */
    public static final String ENV_ROLES = "ORCHESTRATOR_SECURITY_ROLES";
    /** Environment variable holding the signing keys as {@code keyId:base64} pairs, the first current ({@code orchestrator.security.signing.keys}). */
    public static final String ENV_SIGNING_KEYS = "ORCHESTRATOR_SECURITY_SIGNING_KEYS";
    /** Environment variable with the path of a signing key file, instead of {@value #ENV_SIGNING_KEYS} ({@code orchestrator.security.signing.key.file}). */
    public static final String ENV_SIGNING_KEY_FILE = "ORCHESTRATOR_SECURITY_SIGNING_KEY_FILE";
    /** Environment variable holding the payload encryption keys as {@code keyId:base64} pairs ({@code orchestrator.security.payload.keys}). */
    public static final String ENV_PAYLOAD_KEYS = "ORCHESTRATOR_SECURITY_PAYLOAD_KEYS";
    /** Environment variable with the path of a payload key file, instead of {@value #ENV_PAYLOAD_KEYS} ({@code orchestrator.security.payload.key.file}). */
    public static final String ENV_PAYLOAD_KEY_FILE = "ORCHESTRATOR_SECURITY_PAYLOAD_KEY_FILE";
    /** Environment variable holding the reason of the explicit opt-out, {@link #insecure(String)} ({@code orchestrator.security.insecure}). */
    public static final String ENV_INSECURE = "ORCHESTRATOR_SECURITY_INSECURE";

    private final Principal principal;
    private final AgentAuthenticator authenticator;
    private final KeyProvider payloadKeys;
    private final AccessPolicy policy;
    private final AuditSink audit;
    private final SecurityLimits limits;
    private final Clock clock;
    private final Duration credentialTtl;
    private final Duration maxCredentialLifetime;
    private final int replayCacheSize;
    private final SecurityStats stats = new SecurityStats();
    private final String insecureReason;

    private SecurityConfig(Builder b) {
        this.insecureReason = null;
        this.principal = b.principal;
        this.clock = b.clock;
        this.authenticator = b.authenticator != null ? b.authenticator
                : AgentAuthenticators.hmacSha256(b.signingKeys, b.principal, b.clock);
        this.payloadKeys = b.payloadKeys;
        this.policy = b.policy;
        this.audit = b.audit;
        this.limits = b.limits;
        this.credentialTtl = b.credentialTtl;
        this.maxCredentialLifetime = b.maxCredentialLifetime;
        this.replayCacheSize = b.replayCacheSize;
    }

    private SecurityConfig(String insecureReason, AuditSink audit) {
        this.insecureReason = insecureReason;
        this.principal = Principal.of(INSECURE_PRINCIPAL);
        this.clock = Clock.systemUTC();
        this.authenticator = null;
        this.payloadKeys = null;
        this.policy = AccessPolicy.allowAll();
        this.audit = audit;
        this.limits = SecurityLimits.defaults();
        this.credentialTtl = DEFAULT_CREDENTIAL_TTL;
        this.maxCredentialLifetime = DEFAULT_MAX_CREDENTIAL_LIFETIME;
        this.replayCacheSize = DEFAULT_REPLAY_CACHE_SIZE;
    }

    /** Principal of an {@link #insecure} configuration, in its audit event. */
    public static final String INSECURE_PRINCIPAL = "anonymous";
    /** Longest reason accepted by {@link #insecure}. */
    public static final int MAX_INSECURE_REASON_LENGTH = 200;

    /**
     * The explicit opt-out: runs an orchestrator or agent runtime on transports other than
     * {@code inproc:} without the security layer, where it would otherwise refuse to start. Say
     * why ({@code "private network, demo data"}); the opt-out is logged at WARN and audited as
     * {@link io.agentorchestrator.api.security.AuditEvent.Type#SECURITY_DISABLED} with the reason,
     * to the {@link AuditSinks#logger() default audit logger}.
     *
     * @param reason why security is off, 1-{@value #MAX_INSECURE_REASON_LENGTH} characters
     * @throws ValidationException when the reason is missing or blank
     */
    public static SecurityConfig insecure(String reason) {
        return insecure(reason, AuditSinks.logger());
    }

    /** Like {@link #insecure(String)}, auditing the opt-out to {@code auditSink}. */
    public static SecurityConfig insecure(String reason, AuditSink auditSink) {
        ValidationException.requireNonNull(reason, "insecureReason");
        ValidationException.require(!reason.isBlank() && reason.length() <= MAX_INSECURE_REASON_LENGTH, "insecureReason",
                "must be 1-" + MAX_INSECURE_REASON_LENGTH + " characters and not blank", reason);
        return new SecurityConfig(reason.strip(), ValidationException.requireNonNull(auditSink, "auditSink"));
    }

    /** Why security was turned off, for an {@link #insecure} configuration; empty when security is on. */
    public Optional<String> insecureReason() {
        return Optional.ofNullable(insecureReason);
    }

    /** Starts a configuration for the side acting as {@code principal}. */
    public static Builder builder(Principal principal) {
        return new Builder(principal);
    }

    /**
     * The configuration outside the code: the {@code orchestrator.security.*} keys of
     * {@link io.agentorchestrator.core.config.OrchestratorConfig} from system properties,
     * environment variables ({@value #ENV_SIGNING_KEYS}, ...) and the file named by
     * {@code orchestrator.config.file}, with its precedence. Security is on when signing keys are
     * set ({@value #ENV_SIGNING_KEYS} or {@value #ENV_SIGNING_KEY_FILE}): principal
     * {@value #ENV_PRINCIPAL} (default {@code "orchestrator"}), roles {@value #ENV_ROLES}, and
     * payload keys when {@value #ENV_PAYLOAD_KEYS} or {@value #ENV_PAYLOAD_KEY_FILE} is set; it is
     * explicitly off ({@link #insecure}) when {@value #ENV_INSECURE} gives a reason. The builders
     * use this when the code gives no configuration.
     *
     * @return the configuration, or empty when none of these keys is set
     * @throws ValidationException when a security key is unknown or its value is refused (never shown)
     */
    public static Optional<SecurityConfig> fromEnvironment() {
        return io.agentorchestrator.core.config.OrchestratorConfig.loadSecurity(System.getenv(), System.getProperties()).security();
    }

    /** Like {@link #fromEnvironment()}, reading only these environment {@code variables}; for tests. */
    public static Optional<SecurityConfig> fromVariables(Map<String, String> variables) {
        ValidationException.requireNonNull(variables, "variables");
        return io.agentorchestrator.core.config.OrchestratorConfig.loadSecurity(variables, new java.util.Properties()).security();
    }

    /** This side's principal: what its credentials say, and the default caller of dispatched tasks. */
    public Principal principal() {
        return principal;
    }

    /**
     * Issues and checks credentials.
     *
     * @throws IllegalStateException for an {@link #insecure} configuration, which has none
     */
    public AgentAuthenticator authenticator() {
        if (authenticator == null) {
            throw new IllegalStateException("Security is off (" + insecureReason + "): there is no authenticator");
        }
        return authenticator;
    }

    /** The payload encryption keys, or empty when payloads travel in clear. */
    public Optional<KeyProvider> payloadKeys() {
        return Optional.ofNullable(payloadKeys);
    }

    /** Who may register and dispatch what. */
    public AccessPolicy policy() {
        return policy;
    }

    /** Where audit events go. */
    public AuditSink auditSink() {
        return audit;
    }

    /** Limits against abuse. */
    public SecurityLimits limits() {
        return limits;
    }

    /** The clock credentials and the replay memory read. */
    public Clock clock() {
        return clock;
    }

    /** Lifetime of credentials on announcements and replies. */
    public Duration credentialTtl() {
        return credentialTtl;
    }

    /** Longest lifetime a received announcement or reply credential may claim. */
    public Duration maxCredentialLifetime() {
        return maxCredentialLifetime;
    }

    /** How many credential ids are remembered for replay protection. */
    public int replayCacheSize() {
        return replayCacheSize;
    }

    /** Counts of what was refused, shared by every orchestrator and runtime built with this configuration. */
    public SecurityStats stats() {
        return stats;
    }

    @Override
    public String toString() {
        if (insecureReason != null) {
            return "SecurityConfig[insecure: " + insecureReason + "]";
        }
        return "SecurityConfig[principal=" + principal.name() + ", authenticator=" + authenticator + ", payloadKeys="
                + (payloadKeys == null ? "off" : payloadKeys) + ", limits=" + limits + "]";
    }

    /** Configures a {@link SecurityConfig}. Not thread-safe. */
    public static final class Builder {
        private final Principal principal;
        private KeyProvider signingKeys;
        private AgentAuthenticator authenticator;
        private KeyProvider payloadKeys;
        private AccessPolicy policy = AccessPolicy.allowAll();
        private AuditSink audit = AuditSinks.logger();
        private SecurityLimits limits = SecurityLimits.defaults();
        private Clock clock = Clock.systemUTC();
        private Duration credentialTtl = DEFAULT_CREDENTIAL_TTL;
        private Duration maxCredentialLifetime = DEFAULT_MAX_CREDENTIAL_LIFETIME;
        private int replayCacheSize = DEFAULT_REPLAY_CACHE_SIZE;

        private Builder(Principal principal) {
            this.principal = ValidationException.requireNonNull(principal, "principal");
        }

        /** Signs and verifies credentials as HMAC-SHA256 JWTs with these keys (see {@link AgentAuthenticators#hmacSha256}). */
        public Builder signingKeys(KeyProvider keys) {
            this.signingKeys = ValidationException.requireNonNull(keys, "signingKeys");
            return this;
        }

        /** Uses another credential scheme; wins over {@link #signingKeys}. */
        public Builder authenticator(AgentAuthenticator authenticator) {
            this.authenticator = ValidationException.requireNonNull(authenticator, "authenticator");
            return this;
        }

        /** Encrypts payloads end to end (AES-256-GCM) with these keys; off by default. Both sides need them. */
        public Builder payloadKeys(KeyProvider keys) {
            this.payloadKeys = ValidationException.requireNonNull(keys, "payloadKeys");
            return this;
        }

        /** The access policy; default {@link AccessPolicy#allowAll()}. */
        public Builder policy(AccessPolicy policy) {
            this.policy = ValidationException.requireNonNull(policy, "policy");
            return this;
        }

        /** Where audit events go; default {@link AuditSinks#logger()}. */
        public Builder auditSink(AuditSink sink) {
            this.audit = ValidationException.requireNonNull(sink, "auditSink");
            return this;
        }

        /** Limits against abuse; default {@link SecurityLimits#defaults()}. */
        public Builder limits(SecurityLimits limits) {
            this.limits = ValidationException.requireNonNull(limits, "limits");
            return this;
        }

        /** The clock for credentials and replay memory; default the system UTC clock. */
        public Builder clock(Clock clock) {
            this.clock = ValidationException.requireNonNull(clock, "clock");
            return this;
        }

        /** Lifetime of issued announcement and reply credentials, 1 s to 1 h; default {@link #DEFAULT_CREDENTIAL_TTL}. */
        public Builder credentialTtl(Duration ttl) {
            this.credentialTtl = range(ttl, "credentialTtl", Duration.ofSeconds(1), Duration.ofHours(1));
            return this;
        }

        /** Longest lifetime a received credential may claim, 1 s to 1 day; default {@link #DEFAULT_MAX_CREDENTIAL_LIFETIME}. */
        public Builder maxCredentialLifetime(Duration lifetime) {
            this.maxCredentialLifetime = range(lifetime, "maxCredentialLifetime", Duration.ofSeconds(1), Duration.ofDays(1));
            return this;
        }

        /** Credential ids remembered for replay protection, at least 1000; default {@value #DEFAULT_REPLAY_CACHE_SIZE}. */
        public Builder replayCacheSize(int size) {
            ValidationException.require(size >= 1000, "replayCacheSize", "must be >= 1000", size);
            this.replayCacheSize = size;
            return this;
        }

        /**
         * Builds the configuration.
         *
         * @throws ValidationException when neither signing keys nor an authenticator were given
         */
        public SecurityConfig build() {
            ValidationException.require(signingKeys != null || authenticator != null, "signingKeys",
                    "must be set (or an authenticator)", null);
            return new SecurityConfig(this);
        }

        private static Duration range(Duration d, String field, Duration min, Duration max) {
            ValidationException.requireNonNull(d, field);
            ValidationException.require(d.compareTo(min) >= 0 && d.compareTo(max) <= 0, field, "must be " + min + " to " + max, d);
            return d;
        }
    }
}
