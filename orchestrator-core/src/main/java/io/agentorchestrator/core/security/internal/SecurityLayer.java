package io.agentorchestrator.core.security.internal;

import io.agentorchestrator.api.AccessDeniedException;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AuthenticationException;
import io.agentorchestrator.api.AuthenticationException.Reason;
import io.agentorchestrator.api.LimitExceededException;
import io.agentorchestrator.api.OrchestratorEvent;
import io.agentorchestrator.api.OrchestratorException;
import io.agentorchestrator.api.OrchestratorListener;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.security.AuditEvent;
import io.agentorchestrator.api.security.CredentialRequest;
import io.agentorchestrator.api.security.KeyProvider;
import io.agentorchestrator.api.security.Principal;
import io.agentorchestrator.api.security.VerifiedCredential;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.security.AuditSinks;
import io.agentorchestrator.core.security.SecurityConfig;
import io.agentorchestrator.core.security.SecurityHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The security layer of one orchestrator or agent runtime, installed when a {@link SecurityConfig}
 * is given: it wraps transports ({@link #wrap}), their directories, and the orchestrator
 * ({@link #guard}). Signs and verifies credentials, encrypts and decrypts payloads, applies the
 * policy and the limits, counts and audits every refusal. Transport-agnostic: it only touches
 * envelope headers, payload bytes and agent metadata, which every transport carries.
 */
public final class SecurityLayer {

    /** Error code of the failure an agent replies with when it refuses a task. */
    public static final String TASK_REJECTED = "security-rejected";

    private static final Logger log = LoggerFactory.getLogger(SecurityLayer.class);
    /** Task credentials live as long as the task; this only bounds junk. */
    private static final Duration MAX_TASK_CREDENTIAL_LIFETIME = Duration.ofDays(7);

    private final SecurityConfig config;
    private final ReplayGuard replays;
    private final RegistrationGate gate;
    private final long skewMillis;

    private SecurityLayer(SecurityConfig config) {
        this.config = config;
        this.replays = new ReplayGuard(config.clock(), config.replayCacheSize());
        this.gate = new RegistrationGate(config.policy(), config.limits(), config.clock());
        this.skewMillis = io.agentorchestrator.core.security.AgentAuthenticators.DEFAULT_CLOCK_SKEW.toMillis();
    }

    /** The layer for one orchestrator or runtime. */
    public static SecurityLayer of(SecurityConfig config) {
        return new SecurityLayer(config);
    }

    /**
     * The layer to install for a builder: {@code explicit} when given, else the configuration in
     * the environment ({@link SecurityConfig#fromEnvironment()}). Security is off by default only
     * for {@code inproc:} and {@code a2a:} (whose agents are not this library's runtimes and
     * speak their own protocol): any other transport without a configuration is refused, unless
     * the configuration is the explicit opt-out {@link SecurityConfig#insecure}, which is logged
     * at WARN (once per reason) and audited.
     *
     * @return the layer, or null when security is off
     * @throws io.agentorchestrator.api.ValidationException when a transport other than
     *         {@code inproc:}/{@code a2a:} is used without a security configuration or an opt-out
     */
    public static SecurityLayer install(SecurityConfig explicit, java.util.Collection<String> schemes, String side) {
        return install(explicit != null ? explicit : SecurityConfig.fromEnvironment().orElse(null), schemes, side, System.getenv().keySet());
    }

    /** Like {@link #install(SecurityConfig, java.util.Collection, String)}, reading {@code environment} only. */
    public static SecurityLayer install(SecurityConfig explicit, java.util.Collection<String> schemes, String side,
                                        Map<String, String> environment) {
        return install(explicit != null ? explicit : SecurityConfig.fromVariables(environment).orElse(null), schemes, side,
                environment.keySet());
    }

    private static SecurityLayer install(SecurityConfig config, java.util.Collection<String> schemes, String side,
                                         java.util.Set<String> variableNames) {
        List<String> exposed = schemes.stream().filter(s -> !OPEN_BY_DEFAULT.contains(s)).sorted().toList();
        if (config == null) {
            if (!exposed.isEmpty()) {
                throw new io.agentorchestrator.api.ValidationException("security", "must be configured for " + side + " on the transport(s) "
                        + exposed + ", as security is off by default only for inproc: and a2a:. Configure it in code with "
                        + "security(SecurityConfig.builder(principal).signingKeys(keys).build()) or outside it with "
                        + SecurityConfig.ENV_SIGNING_KEYS + " / orchestrator.security.signing.keys (README, Security); or opt out "
                        + "explicitly with security(SecurityConfig.insecure(\"<why>\")) or " + SecurityConfig.ENV_INSECURE + "=<why>"
                        + renamedHint(variableNames), "not configured");
            }
            return null;
        }
        if (config.insecureReason().isPresent()) {
            InsecureOptOut.record(config, exposed, side);
            return null;
        }
        log.info("Security on for {}: {}", side, config);
        return of(config);
    }

    /** Deployments that still set the variables of before the ORCHESTRATOR_ naming rule are told where they went. */
    private static String renamedHint(java.util.Set<String> variableNames) {
        boolean old = variableNames.stream().anyMatch(n -> n.startsWith("AO_SIGNING_KEY") || n.startsWith("AO_PAYLOAD_KEY")
                || n.startsWith("AO_SECURITY_"));
        return old ? ". The AO_SIGNING_KEY_*, AO_PAYLOAD_KEY_* and AO_SECURITY_* variables are no longer read: use "
                + SecurityConfig.ENV_SIGNING_KEYS + "=<keyId>:<base64>,..., " + SecurityConfig.ENV_PAYLOAD_KEYS + ", "
                + SecurityConfig.ENV_PRINCIPAL + " and " + SecurityConfig.ENV_ROLES : "";
    }

    /** Schemes that may run without security: in-process, and A2A agents, which cannot carry our credentials. */
    private static final java.util.Set<String> OPEN_BY_DEFAULT = java.util.Set.of("inproc", "a2a");

    /** The configuration. */
    public SecurityConfig config() {
        return config;
    }

    /**
     * {@code transport}, with everything it carries signed, checked and (when configured)
     * encrypted. A2A agents speak their own protocol (and their own HTTP authentication), so the
     * {@code a2a} transport is left as it is.
     */
    public Transport wrap(Transport transport) {
        if (transport instanceof SecuredTransport || UNSECURED_SCHEMES.contains(transport.scheme())) {
            return transport;
        }
        return new SecuredTransport(transport, this);
    }

    /** Schemes whose agents are not this library's runtimes and cannot carry credentials. */
    private static final java.util.Set<String> UNSECURED_SCHEMES = java.util.Set.of("a2a");

    /** Every transport of the map wrapped; same keys. */
    public Map<String, Transport> wrap(Map<String, Transport> transports) {
        Map<String, Transport> out = new LinkedHashMap<>();
        Map<Transport, Transport> done = new HashMap<>();
        transports.forEach((scheme, t) -> out.put(scheme, done.computeIfAbsent(t, this::wrap)));
        return out;
    }

    /**
     * {@code orchestrator} with registrations and dispatches checked against the policy and the
     * limits, and status overrides audited. Call before the orchestrator starts watching
     * directories, so announcements are counted against the limits from the start.
     */
    public Orchestrator guard(Orchestrator orchestrator) {
        gate.bind(orchestrator);
        return new SecuredOrchestrator(orchestrator, this);
    }

    /** The listener that audits registry changes and forgets owners of agents that left. */
    public OrchestratorListener listener() {
        OrchestratorListener audit = AuditSinks.listener(config.auditSink(), id -> gate.owner(id).orElse(config.principal().name()));
        return event -> {
            audit.onEvent(event);
            if (event instanceof OrchestratorEvent.AgentDeregistered e) {
                gate.forget(e.agent().id());
            }
        };
    }

    RegistrationGate gate() {
        return gate;
    }

    // ---------------------------------------------------------------- tasks (orchestrator side)

    TaskEnvelope sealTask(TaskEnvelope env) {
        Map<String, String> headers = new HashMap<>(env.headers());
        headers.remove(SecurityHeaders.CREDENTIAL);
        headers.remove(SecurityHeaders.KEY_ID);
        headers.remove(SecurityHeaders.NONCE);
        byte[] body = env.payload().toByteArray();
        Optional<KeyProvider> keys = config.payloadKeys();
        if (keys.isPresent()) {
            Sealing.Encrypted enc = Sealing.encrypt(keys.get(), body, aad("task", env.taskId(), env.capability()));
            body = enc.ciphertext();
            headers.put(SecurityHeaders.KEY_ID, enc.keyId());
            headers.put(SecurityHeaders.NONCE, Sealing.B64.encodeToString(enc.nonce()));
        }
        Instant now = config.clock().instant();
        Instant deadline = Instant.ofEpochMilli(env.deadlineEpochMillis());
        Instant expires = env.deadlineEpochMillis() > 0 && deadline.isAfter(now) ? deadline : now.plus(config.credentialTtl());
        String binding = taskBinding(env, body, headers.get(SecurityHeaders.KEY_ID), headers.get(SecurityHeaders.NONCE));
        headers.put(SecurityHeaders.CREDENTIAL, config.authenticator().issue(new CredentialRequest(CredentialRequest.TASK, binding, expires)));
        return new TaskEnvelope(env.version(), env.taskId(), env.capability(), Payload.wrap(body), env.priority(),
                env.deadlineEpochMillis(), env.key(), headers, env.attempt(), env.replyTo());
    }

    private static String taskBinding(TaskEnvelope env, byte[] body, String kid, String nonce) {
        return Sealing.digest(body, CredentialRequest.TASK, env.taskId(), env.capability(), kid, nonce);
    }

    /** Checks a reply that came back for a task sent to {@code agent}; returns it with its payload in clear. */
    ResultEnvelope openReply(AgentDescriptor agent, String taskId, ResultEnvelope r, String scheme) {
        try {
            if (!r.taskId().equals(taskId)) {
                throw new AuthenticationException(Reason.MISMATCH, "Reply names task " + Sealing.clean(r.taskId()) + ", not " + taskId);
            }
            Sealing.Frame f = Sealing.readFrame(r.payload().toByteArray());
            String nonce = f.nonce() == null ? null : Sealing.B64.encodeToString(f.nonce());
            String binding = replyBinding(r, f.body(), f.keyId(), nonce);
            VerifiedCredential v = verify(f.credential(), CredentialRequest.REPLY, binding, config.maxCredentialLifetime());
            Optional<String> owner = gate.owner(r.agentId());
            if (owner.isPresent() && !owner.get().equals(v.principal().name())) {
                throw new AuthenticationException(Reason.MISMATCH, "Reply for agent " + r.agentId() + " signed by principal '"
                        + v.principal().name() + "', but the agent was registered by '" + owner.get() + "'");
            }
            checkFresh(v);
            byte[] plain = open(f.keyId(), f.nonce(), f.body(), aad("reply", r.taskId(), r.agentId()));
            checkSize(plain.length, "reply", r.agentId());
            return new ResultEnvelope(r.version(), r.taskId(), r.agentId(), r.success(), Payload.wrap(plain), r.errorCode(),
                    r.errorMessage(), r.retryable(), r.attempt());
        } catch (AuthenticationException e) {
            authFailed("reply", scheme, agent.id(), null, e);
            throw new io.agentorchestrator.api.TransportException(scheme, agent.endpoint().toString(),
                    "Reply to task " + taskId + " from agent '" + agent.id() + "' rejected: " + e.getMessage(), true, e);
        } catch (LimitExceededException e) {
            limitExceeded("reply", agent.id(), null, e);
            throw new io.agentorchestrator.api.TransportException(scheme, agent.endpoint().toString(),
                    "Reply to task " + taskId + " from agent '" + agent.id() + "' rejected: " + e.getMessage(), true, e);
        }
    }

    private static String replyBinding(ResultEnvelope r, byte[] body, String kid, String nonce) {
        return Sealing.digest(body, CredentialRequest.REPLY, r.taskId(), r.agentId(), Boolean.toString(r.success()), r.errorCode(),
                r.errorMessage(), Boolean.toString(r.retryable()), kid, nonce);
    }

    // ---------------------------------------------------------------- tasks (agent side)

    /** Checks a task arriving at the agent {@code self}; hands it on in clear, or refuses it with a signed failure. */
    void onTask(AgentDescriptor self, TaskEnvelope env, Transport.ReplySink reply, Transport.TaskReceiver receiver, String scheme) {
        Transport.ReplySink sealed = result -> reply.reply(sealReply(result));
        TaskEnvelope clear;
        try {
            checkSize(env.payload().size() - (env.headers().containsKey(SecurityHeaders.KEY_ID) ? Sealing.TAG_BITS / 8 : 0),
                    "task", self.id());
            byte[] body = env.payload().toByteArray();
            String kid = env.headers().get(SecurityHeaders.KEY_ID);
            String nonce = env.headers().get(SecurityHeaders.NONCE);
            VerifiedCredential v = verify(env.headers().get(SecurityHeaders.CREDENTIAL), CredentialRequest.TASK,
                    taskBinding(env, body, kid, nonce), MAX_TASK_CREDENTIAL_LIFETIME);
            config.policy().checkDispatch(v.principal(), env.capability());
            byte[] plain = open(kid, decodeNonce(nonce, kid), body, aad("task", env.taskId(), env.capability()));
            Map<String, String> headers = new HashMap<>(env.headers());
            headers.remove(SecurityHeaders.CREDENTIAL);
            headers.remove(SecurityHeaders.KEY_ID);
            headers.remove(SecurityHeaders.NONCE);
            clear = new TaskEnvelope(env.version(), env.taskId(), env.capability(), Payload.wrap(plain), env.priority(),
                    env.deadlineEpochMillis(), env.key(), headers, env.attempt(), env.replyTo());
        } catch (AuthenticationException e) {
            authFailed("task", scheme, self.id(), env.capability(), e);
            refuse(self, env, sealed, e);
            return;
        } catch (AccessDeniedException e) {
            denied("task", e.principal(), self.id(), env.capability(), e);
            refuse(self, env, sealed, e);
            return;
        } catch (LimitExceededException e) {
            limitExceeded("task", self.id(), env.capability(), e);
            refuse(self, env, sealed, e);
            return;
        }
        receiver.onTask(clear, sealed);
    }

    private void refuse(AgentDescriptor self, TaskEnvelope env, Transport.ReplySink sealed, OrchestratorException why) {
        try {
            sealed.reply(ResultEnvelope.failure(env.taskId(), self.id(), TASK_REJECTED,
                    "Agent '" + self.id() + "' refused task " + env.taskId() + ": " + why.getMessage(), false).withAttempt(env.attempt()));
        } catch (RuntimeException e) {
            log.debug("Could not send the refusal of task {} by agent {}", env.taskId(), self.id(), e);
        }
    }

    private ResultEnvelope sealReply(ResultEnvelope r) {
        byte[] plain = r.payload().toByteArray();
        Sealing.Encrypted enc = config.payloadKeys()
                .map(k -> Sealing.encrypt(k, plain, aad("reply", r.taskId(), r.agentId())))
                .orElse(null);
        byte[] body = enc == null ? plain : enc.ciphertext();
        String binding = replyBinding(r, body, enc == null ? null : enc.keyId(),
                enc == null ? null : Sealing.B64.encodeToString(enc.nonce()));
        String credential = config.authenticator().issue(new CredentialRequest(CredentialRequest.REPLY, binding,
                config.clock().instant().plus(config.credentialTtl())));
        return new ResultEnvelope(r.version(), r.taskId(), r.agentId(), r.success(), Payload.wrap(Sealing.writeFrame(credential, enc, plain)),
                r.errorCode(), r.errorMessage(), r.retryable(), r.attempt());
    }

    // ---------------------------------------------------------------- announcements

    AgentDescriptor signAnnouncement(AgentDescriptor agent, Duration ttl, boolean withdraw) {
        AgentDescriptor clean = strip(agent);
        Map<String, String> metadata = new LinkedHashMap<>(clean.metadata());
        if (withdraw) {
            metadata.put(SecurityHeaders.WITHDRAW_METADATA, "true");
        }
        Duration life = ttl.compareTo(config.credentialTtl()) > 0 ? ttl : config.credentialTtl();
        metadata.put(SecurityHeaders.CREDENTIAL_METADATA, config.authenticator().issue(new CredentialRequest(CredentialRequest.ANNOUNCE,
                announceBinding(clean, withdraw), config.clock().instant().plus(life))));
        return new AgentDescriptor(clean.id(), clean.name(), clean.capabilities(), clean.endpoint(), clean.weight(),
                clean.maxConcurrency(), metadata, clean.version());
    }

    /** What a verified announcement means. */
    record Announcement(AgentDescriptor agent, boolean withdraw, Principal principal) {
    }

    /**
     * Checks an announcement from a directory.
     *
     * @return the agent without the credential, or empty when refused (counted and audited)
     */
    Optional<Announcement> openAnnouncement(AgentDescriptor announced, String scheme) {
        AgentDescriptor clean = strip(announced);
        boolean withdraw = "true".equals(announced.metadata().get(SecurityHeaders.WITHDRAW_METADATA));
        Principal principal = null;
        try {
            VerifiedCredential v = verify(announced.metadata().get(SecurityHeaders.CREDENTIAL_METADATA), CredentialRequest.ANNOUNCE,
                    announceBinding(clean, withdraw), config.maxCredentialLifetime());
            principal = v.principal();
            checkFresh(v);
            if (withdraw) {
                Optional<String> owner = gate.owner(clean.id());
                if (owner.isPresent() && !owner.get().equals(principal.name())) {
                    throw new AccessDeniedException(principal.name(), "withdraw", clean.capabilities().iterator().next(),
                            "Access denied: principal '" + principal.name() + "' may not withdraw agent '" + clean.id()
                                    + "' registered by '" + owner.get() + "'");
                }
            } else {
                gate.admit(principal, clean, false);
            }
            return Optional.of(new Announcement(clean, withdraw, principal));
        } catch (AuthenticationException e) {
            authFailed("announce", scheme, clean.id(), null, e);
        } catch (AccessDeniedException e) {
            denied("announce", e.principal(), clean.id(), e.capability(), e);
        } catch (LimitExceededException e) {
            limitExceeded("announce", clean.id(), null, e);
        }
        return Optional.empty();
    }

    private static String announceBinding(AgentDescriptor a, boolean withdraw) {
        return Sealing.digest(new byte[0], CredentialRequest.ANNOUNCE, a.id(), a.name(), a.endpoint().toString(),
                String.join(",", new TreeSet<>(a.capabilities())), Integer.toString(a.weight()), Integer.toString(a.maxConcurrency()),
                a.version(), new TreeMap<>(a.metadata()).toString(), Boolean.toString(withdraw));
    }

    static AgentDescriptor strip(AgentDescriptor agent) {
        if (!agent.metadata().containsKey(SecurityHeaders.CREDENTIAL_METADATA) && !agent.metadata().containsKey(SecurityHeaders.WITHDRAW_METADATA)) {
            return agent;
        }
        Map<String, String> metadata = new LinkedHashMap<>(agent.metadata());
        metadata.remove(SecurityHeaders.CREDENTIAL_METADATA);
        metadata.remove(SecurityHeaders.WITHDRAW_METADATA);
        return new AgentDescriptor(agent.id(), agent.name(), agent.capabilities(), agent.endpoint(), agent.weight(),
                agent.maxConcurrency(), metadata, agent.version());
    }

    // ---------------------------------------------------------------- hand registration and dispatch

    /** Admits a registration by the host application itself; throws when refused (counted and audited). */
    boolean admitLocal(AgentDescriptor agent) {
        try {
            return gate.admit(config.principal(), agent, true);
        } catch (AccessDeniedException e) {
            denied("register", e.principal(), agent.id(), e.capability(), e);
            throw e;
        } catch (LimitExceededException e) {
            limitExceeded("register", agent.id(), null, e);
            throw e;
        }
    }

    /** The caller a task is dispatched for: its {@link SecurityHeaders#CALLER} header, or this side's principal. */
    Principal caller(io.agentorchestrator.api.Task task) {
        String name = task.headers().get(SecurityHeaders.CALLER);
        return name == null ? config.principal() : new Principal(name, java.util.Set.of());
    }

    void denied(String kind, String principal, String agentId, String capability, AccessDeniedException e) {
        config.stats().reject(kind, "ACCESS_DENIED");
        audit(AuditEvent.Type.ACCESS_DENIED, principal, agentId, capability, e.getMessage(), Map.of("kind", kind));
    }

    void statusOverride(String agentId, String status, String reason) {
        audit(AuditEvent.Type.STATUS_OVERRIDE, config.principal().name(), agentId, null, reason,
                Map.of("status", status), AuditEvent.ALLOWED);
    }

    // ---------------------------------------------------------------- shared

    private VerifiedCredential verify(String credential, String purpose, String binding, Duration maxLifetime) {
        if (credential == null || credential.isEmpty()) {
            throw new AuthenticationException(Reason.MISSING, "No credential on the " + purpose);
        }
        return config.authenticator().verify(credential,
                new CredentialRequest(purpose, binding, config.clock().instant().plus(maxLifetime)));
    }

    private void checkFresh(VerifiedCredential v) {
        if (!replays.firstSeen(v.principal().name(), v.tokenId(), v.expiresAt(), skewMillis)) {
            throw new AuthenticationException(Reason.REPLAYED, "Credential of '" + v.principal().name() + "' was used before (replay)");
        }
    }

    private byte[] open(String kid, byte[] nonce, byte[] body, byte[] aad) {
        Optional<KeyProvider> keys = config.payloadKeys();
        if (kid == null) {
            if (keys.isPresent()) {
                throw new AuthenticationException(Reason.MISMATCH, "Payload is not encrypted, but payload encryption is required");
            }
            return body;
        }
        if (keys.isEmpty()) {
            throw new AuthenticationException(Reason.UNKNOWN_KEY, "Payload is encrypted, but no payload keys are configured");
        }
        return Sealing.decrypt(keys.get(), kid, nonce, body, aad);
    }

    private static byte[] decodeNonce(String nonce, String kid) {
        if (kid == null) {
            return null;
        }
        if (nonce == null) {
            throw new AuthenticationException(Reason.MALFORMED, "Encrypted task lacks its " + SecurityHeaders.NONCE + " header");
        }
        try {
            return Sealing.B64D.decode(nonce);
        } catch (IllegalArgumentException e) {
            throw new AuthenticationException(Reason.MALFORMED, "Header " + SecurityHeaders.NONCE + " is not base64url");
        }
    }

    private void checkSize(int bytes, String kind, String agentId) {
        int max = config.limits().maxPayloadBytes();
        if (bytes > max) {
            throw new LimitExceededException("maxPayloadBytes", max, bytes,
                    "A " + kind + " payload of " + bytes + " bytes for agent '" + agentId + "' exceeds maxPayloadBytes " + max);
        }
    }

    private static byte[] aad(String kind, String taskId, String other) {
        return ("ao-" + kind + "\u0000" + taskId + "\u0000" + other).getBytes(StandardCharsets.UTF_8);
    }

    private void authFailed(String kind, String scheme, String agentId, String capability, AuthenticationException e) {
        config.stats().reject(kind, e.reason().name());
        audit(AuditEvent.Type.AUTHENTICATION_FAILED, null, agentId, capability, e.getMessage(),
                Map.of("kind", kind, "reason", e.reason().name(), "scheme", scheme));
    }

    private void limitExceeded(String kind, String agentId, String capability, LimitExceededException e) {
        config.stats().reject(kind, e.limit());
        audit(AuditEvent.Type.LIMIT_EXCEEDED, null, agentId, capability, e.getMessage(), Map.of("kind", kind, "limit", e.limit()));
    }

    private void audit(AuditEvent.Type type, String principal, String agentId, String capability, String detail, Map<String, String> attrs) {
        audit(type, principal, agentId, capability, detail, attrs, AuditEvent.DENIED);
    }

    private void audit(AuditEvent.Type type, String principal, String agentId, String capability, String detail,
                       Map<String, String> attrs, String outcome) {
        try {
            config.auditSink().record(new AuditEvent(config.clock().instant(), type, principal, agentId, capability, outcome, detail, attrs));
        } catch (RuntimeException e) {
            log.warn("Audit sink failed on a {} event; carrying on", type, e);
        }
    }

    @Override
    public String toString() {
        return "SecurityLayer[" + config + "]";
    }
}
