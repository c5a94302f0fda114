package io.agentorchestrator.core.kit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.AccessDeniedException;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentDirectory;
import io.agentorchestrator.api.AuthenticationException;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.TaskFailedException;
import io.agentorchestrator.api.TaskResult;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.TransportException;
import io.agentorchestrator.api.security.AgentAuthenticator;
import io.agentorchestrator.api.security.CredentialRequest;
import io.agentorchestrator.api.security.KeyProvider;
import io.agentorchestrator.api.security.VerifiedCredential;
import io.agentorchestrator.core.security.AgentAuthenticators;
import io.agentorchestrator.api.security.Principal;
import io.agentorchestrator.core.AgentHandler;
import io.agentorchestrator.core.AgentRuntime;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.security.AccessPolicy;
import io.agentorchestrator.core.security.AuditSinks;
import io.agentorchestrator.core.security.KeyProviders;
import io.agentorchestrator.core.security.SecurityConfig;
import io.agentorchestrator.core.security.SecurityHeaders;
import io.agentorchestrator.core.security.internal.SecurityLayer;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.crypto.SecretKey;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the security layer must do on every transport, run against a real one by a short subclass
 * (like {@link TransportCompatibilityKit}): credentials that are forged, expired, signed with an
 * unknown key or replayed are refused on replies, tasks and announcements, and never reach the
 * registry or a caller; a rotated key works while the old one is still accepted, until it is
 * retired; encrypted payloads round-trip.
 */
public abstract class SecurityCompatibilityKit {

    /** Upper bound for waiting on anything that should happen promptly. */
    protected static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    /** The keys both honest sides share: signing k1 (old) and k2 (current), payload p1. */
    protected final byte[] k1 = random();
    protected final byte[] k2 = random();
    protected final byte[] p1 = random();
    private final Map<String, byte[]> orchestratorSigningKeys = new ConcurrentHashMap<>(Map.of("k1", k1, "k2", k2));
    /** What the orchestrator side refused; shared by the orchestrators a test builds. */
    protected SecurityConfig orchestratorSecurity = orchestratorConfig();

    /** A new transport instance for one side (orchestrator or agent); the kit closes it. */
    protected abstract Transport newTransport();

    /** The endpoint URI string of an agent with this id on this transport. */
    protected abstract String endpoint(String agentId);

    /** Whether the transport shares agents through an {@link AgentDirectory}; false for plain HTTP. */
    protected boolean sharesAgentDirectory() {
        return true;
    }

    @AfterEach
    void closeEverything() throws Exception {
        while (!resources.isEmpty()) {
            resources.pop().close();
        }
    }

    // ------------------------------------------------------------------ helpers

    protected static byte[] random() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return b;
    }

    /** Closes {@code resource} after the test. */
    protected <T extends AutoCloseable> T track(T resource) {
        resources.push(resource);
        return resource;
    }

    /** A unique id for this run. */
    protected String agentId(String name) {
        return name + "-" + run;
    }

    protected AgentDescriptor agent(String name, String capability) {
        String id = agentId(name);
        return AgentDescriptor.builder(id).capability(capability).endpoint(endpoint(id)).maxConcurrency(4).build();
    }

    /** Keys looked up in a live map, so a test can retire one. */
    private static KeyProvider liveKeys(String current, Map<String, byte[]> keys) {
        return new KeyProvider() {
            @Override
            public String currentKeyId() {
                return current;
            }

            @Override
            public Optional<SecretKey> key(String keyId) {
                byte[] k = keyId == null ? null : keys.get(keyId);
                return k == null ? Optional.empty() : KeyProviders.of(keyId, Map.of(keyId, k)).key(keyId);
            }
        };
    }

    private SecurityConfig orchestratorConfig() {
        return SecurityConfig.builder(Principal.of("orchestrator", "caller"))
                .signingKeys(liveKeys("k2", orchestratorSigningKeys))
                .payloadKeys(KeyProviders.of("p1", Map.of("p1", p1)))
                .auditSink(AuditSinks.logger())
                .build();
    }

    /**
     * A configuration that checks what it receives with the real keys but signs what it sends with
     * {@code keyId}/{@code key}, on a clock {@code clockOffset} off: an impostor when the key or the
     * clock is wrong, an honest party otherwise.
     */
    protected SecurityConfig agentConfig(String principal, String keyId, byte[] key, Duration clockOffset) {
        Principal self = Principal.of(principal, "worker");
        Clock skewed = Clock.offset(Clock.systemUTC(), clockOffset);
        AgentAuthenticator issuer = AgentAuthenticators.hmacSha256(KeyProviders.of(keyId, Map.of(keyId, key)), self, skewed);
        AgentAuthenticator verifier = AgentAuthenticators.hmacSha256(KeyProviders.of("k2", Map.of("k1", k1, "k2", k2)), self,
                Clock.systemUTC());
        AgentAuthenticator liar = new AgentAuthenticator() {
            @Override
            public String issue(CredentialRequest request) {
                return issuer.issue(new CredentialRequest(request.purpose(), request.binding(), request.expiresAt().plus(clockOffset)));
            }

            @Override
            public VerifiedCredential verify(String credential, CredentialRequest expected) {
                return verifier.verify(credential, expected);
            }
        };
        return SecurityConfig.builder(self).authenticator(liar).payloadKeys(KeyProviders.of("p1", Map.of("p1", p1))).build();
    }

    protected SecurityConfig honestAgent() {
        return agentConfig("agents", "k2", k2, Duration.ZERO);
    }

    protected Orchestrator orchestrator(SecurityConfig security) {
        return track(Orchestrator.builder().transport(track(newTransport())).security(security).defaultTimeout(PATIENCE).maxAttempts(1)
                .build());
    }

    protected AgentRuntime startAgent(AgentDescriptor agent, SecurityConfig security, AgentHandler handler, boolean announce) {
        Transport transport = track(newTransport());
        AgentRuntime runtime = AgentRuntime.builder(agent).transport(transport).security(security).handler(handler)
                .drainTimeout(Duration.ofSeconds(5)).announce(announce).heartbeatInterval(Duration.ofSeconds(1)).start();
        resources.push(() -> runtime.close(Duration.ZERO));
        return runtime;
    }

    protected static <T> T await(CompletableFuture<T> future) throws Exception {
        try {
            return future.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception) {
                throw (Exception) e.getCause();
            }
            throw e;
        }
    }

    private long rejected(String kind, AuthenticationException.Reason reason) {
        return orchestratorSecurity.stats().rejected(kind, reason.name());
    }

    // ------------------------------------------------------------------ the kit

    @Test
    void encryptedTaskAndReplyRoundTripAndTheHandlerSeesOnlyClearText() throws Exception {
        Orchestrator orchestrator = orchestrator(orchestratorSecurity);
        AgentDescriptor d = agent("clear", "sec-clear-" + run);
        AtomicReference<TaskEnvelope> seen = new AtomicReference<>();
        startAgent(d, honestAgent(), task -> {
            seen.set(task);
            return Payload.ofUtf8("echo " + task.payload().asUtf8());
        }, false);
        orchestrator.register(d);

        TaskResult r = await(orchestrator.dispatch(Task.builder(d.capabilities().iterator().next()).payload(Payload.ofUtf8("secret plan"))
                .header("trace", "t1").build()));

        assertThat(r.payload().asUtf8()).isEqualTo("echo secret plan");
        assertThat(seen.get().headers()).containsEntry("trace", "t1").doesNotContainKeys(SecurityHeaders.CREDENTIAL,
                SecurityHeaders.KEY_ID, SecurityHeaders.NONCE);
        assertThat(orchestratorSecurity.stats().rejectedTotal()).isZero();
    }

    @Test
    void repliesWithForgedExpiredOrUnknownKeyCredentialsNeverReachTheCaller() throws Exception {
        Orchestrator orchestrator = orchestrator(orchestratorSecurity);
        Map<String, SecurityConfig> liars = Map.of(
                "forged", agentConfig("agents", "k2", random(), Duration.ZERO),
                "unknown", agentConfig("agents", "k9", random(), Duration.ZERO),
                "expired", agentConfig("agents", "k2", k2, Duration.ofHours(-1)));
        AtomicInteger handled = new AtomicInteger();
        for (var e : liars.entrySet()) {
            AgentDescriptor d = agent(e.getKey(), "sec-" + e.getKey() + "-" + run);
            startAgent(d, e.getValue(), task -> {
                handled.incrementAndGet();
                return Payload.ofUtf8("forged answer");
            }, false);
            orchestrator.register(d);
        }

        for (String liar : liars.keySet()) {
            assertThatThrownBy(() -> await(orchestrator.dispatch(Task.of("sec-" + liar + "-" + run, "q"))))
                    .as(liar).isInstanceOf(TransportException.class).hasMessageContaining("rejected")
                    .hasCauseInstanceOf(AuthenticationException.class);
        }
        // The orchestrator's tasks were genuine: the agents ran them, but their answers were refused.
        assertThat(handled.get()).isEqualTo(3);
        assertThat(rejected("reply", AuthenticationException.Reason.FORGED)).isEqualTo(1);
        assertThat(rejected("reply", AuthenticationException.Reason.UNKNOWN_KEY)).isEqualTo(1);
        assertThat(rejected("reply", AuthenticationException.Reason.EXPIRED)).isEqualTo(1);
    }

    @Test
    void tasksWithForgedOrExpiredCredentialsAreNeverHandled() throws Exception {
        AgentDescriptor d = agent("guarded", "sec-guarded-" + run);
        AtomicInteger handled = new AtomicInteger();
        SecurityConfig agentSide = honestAgent();
        startAgent(d, agentSide, task -> {
            handled.incrementAndGet();
            return Payload.ofUtf8("done");
        }, false);
        for (SecurityConfig sender : List.of(agentConfig("intruder", "k2", random(), Duration.ZERO),
                agentConfig("intruder", "k2", k2, Duration.ofHours(-1)))) {
            Orchestrator intruder = orchestrator(sender);
            intruder.register(d);
            assertThatThrownBy(() -> await(intruder.dispatch(Task.of(d.capabilities().iterator().next(), "x"))))
                    .isInstanceOf(TaskFailedException.class).hasMessageContaining("refused task");
        }
        assertThat(handled.get()).isZero();
        assertThat(agentSide.stats().rejected("task", "FORGED")).isEqualTo(1);
        assertThat(agentSide.stats().rejected("task", "EXPIRED")).isEqualTo(1);

        Orchestrator honest = orchestrator(orchestratorSecurity);
        honest.register(d);
        assertThat(await(honest.dispatch(Task.of(d.capabilities().iterator().next(), "ok"))).payload().asUtf8()).isEqualTo("done");
    }

    @Test
    void aReplayedReplyIsRejected() throws Exception {
        AgentDescriptor d = agent("replayer", "sec-replay-" + run);
        // Below the agent's security layer: answers every delivery with the first sealed reply it sent.
        Transport agentSide = SecurityLayer.of(honestAgent()).wrap(new ReplayingTransport(track(newTransport())));
        track(agentSide.listen(d, (task, reply) -> reply.reply(ResultEnvelope.success(task.taskId(), d.id(), Payload.ofUtf8("once")))));
        Transport sender = SecurityLayer.of(orchestratorSecurity).wrap(track(newTransport()));
        Task task = Task.of(d.capabilities().iterator().next(), "q");
        long deadline = System.currentTimeMillis() + PATIENCE.toMillis();

        assertThat(await(sender.send(d, TaskEnvelope.of(task, deadline, 1, null))).payload().asUtf8()).isEqualTo("once");
        assertThatThrownBy(() -> await(sender.send(d, TaskEnvelope.of(task, deadline, 2, null))))
                .isInstanceOf(TransportException.class).hasMessageContaining("replay");
        assertThat(rejected("reply", AuthenticationException.Reason.REPLAYED)).isEqualTo(1);
    }

    @Test
    void aRotatedKeySignsNewCredentialsWhileTheOldOneWorksUntilRetired() throws Exception {
        Orchestrator orchestrator = orchestrator(orchestratorSecurity);
        AgentDescriptor old = agent("old-key", "sec-old-" + run);
        AgentDescriptor rotated = agent("new-key", "sec-new-" + run);
        startAgent(old, agentConfig("agents", "k1", k1, Duration.ZERO), task -> Payload.ofUtf8("old"), false);
        startAgent(rotated, agentConfig("agents", "k2", k2, Duration.ZERO), task -> Payload.ofUtf8("new"), false);
        orchestrator.register(old);
        orchestrator.register(rotated);

        assertThat(await(orchestrator.dispatch(Task.of("sec-old-" + run, "q"))).payload().asUtf8()).isEqualTo("old");
        assertThat(await(orchestrator.dispatch(Task.of("sec-new-" + run, "q"))).payload().asUtf8()).isEqualTo("new");

        orchestratorSigningKeys.remove("k1");
        assertThat(await(orchestrator.dispatch(Task.of("sec-new-" + run, "q"))).payload().asUtf8()).isEqualTo("new");
        assertThatThrownBy(() -> await(orchestrator.dispatch(Task.of("sec-old-" + run, "q"))))
                .isInstanceOf(TransportException.class).hasMessageContaining("unknown or retired key id 'k1'");
    }

    @Test
    void announcementsWithBadCredentialsNeverReachTheRegistry() throws Exception {
        if (!sharesAgentDirectory()) {
            assertThat(SecurityLayer.of(orchestratorSecurity).wrap(track(newTransport())).directory()).isEmpty();
            return;
        }
        Orchestrator orchestrator = orchestrator(orchestratorSecurity);
        AgentDirectory raw = track(newTransport()).directory().orElseThrow();
        Map<String, SecurityConfig> liars = Map.of(
                "forged", agentConfig("agents", "k2", random(), Duration.ZERO),
                "unknown", agentConfig("agents", "k9", random(), Duration.ZERO),
                "expired", agentConfig("agents", "k2", k2, Duration.ofHours(-1)));
        for (var e : liars.entrySet()) {
            SecurityLayer.of(e.getValue()).wrap(new DirectoryOnly(raw)).directory().orElseThrow()
                    .announce(agent("ann-" + e.getKey(), "sec-ann-" + run), Duration.ofSeconds(30));
        }
        raw.announce(agent("ann-missing", "sec-ann-" + run), Duration.ofSeconds(30));

        Awaitility.await().atMost(PATIENCE).until(() -> rejected("announce", AuthenticationException.Reason.FORGED) >= 1
                && rejected("announce", AuthenticationException.Reason.UNKNOWN_KEY) >= 1
                && rejected("announce", AuthenticationException.Reason.EXPIRED) >= 1
                && rejected("announce", AuthenticationException.Reason.MISSING) >= 1);
        assertThat(orchestrator.agents("sec-ann-" + run)).isEmpty();
    }

    @Test
    void aReplayedAnnouncementIsRejectedAndASignedWithdrawalDeregisters() throws Exception {
        if (!sharesAgentDirectory()) {
            assertThat(SecurityLayer.of(orchestratorSecurity).wrap(track(newTransport())).directory()).isEmpty();
            return;
        }
        Orchestrator orchestrator = orchestrator(orchestratorSecurity);
        AgentDirectory raw = track(newTransport()).directory().orElseThrow();
        CapturingDirectory capture = new CapturingDirectory();
        AgentDescriptor d = agent("ann-replayed", "sec-ann-replay-" + run);
        SecurityLayer.of(honestAgent()).wrap(new DirectoryOnly(capture)).directory().orElseThrow().announce(d, Duration.ofSeconds(30));
        AgentDescriptor signed = capture.announced.get(0);

        raw.announce(signed, Duration.ofSeconds(30));
        Awaitility.await().atMost(PATIENCE).until(() -> orchestrator.agent(d.id()).isPresent());
        assertThat(orchestrator.agent(d.id()).orElseThrow().descriptor().metadata()).doesNotContainKey(SecurityHeaders.CREDENTIAL_METADATA);
        orchestrator.deregister(d.id());
        raw.announce(signed, Duration.ofSeconds(30));
        Awaitility.await().atMost(PATIENCE).until(() -> rejected("announce", AuthenticationException.Reason.REPLAYED) >= 1);
        assertThat(orchestrator.agent(d.id())).isEmpty();

        // A real agent: registered from its announcements; its signed withdrawal removes it, an unsigned one would not.
        AgentDescriptor live = agent("ann-live", "sec-ann-live-" + run);
        AgentRuntime runtime = startAgent(live, honestAgent(), task -> Payload.ofUtf8("hi"), true);
        Awaitility.await().atMost(PATIENCE).until(() -> orchestrator.agent(live.id()).isPresent());
        assertThat(await(orchestrator.dispatch(Task.of("sec-ann-live-" + run, "q"))).payload().asUtf8()).isEqualTo("hi");
        raw.withdraw(live.id());
        runtime.close();
        Awaitility.await().atMost(PATIENCE).until(() -> orchestrator.agent(live.id()).isEmpty());
    }

    @Test
    void announcementsOutsideThePolicyAreDeniedAndAudited() throws Exception {
        if (!sharesAgentDirectory()) {
            assertThat(SecurityLayer.of(orchestratorSecurity).wrap(track(newTransport())).directory()).isEmpty();
            return;
        }
        List<io.agentorchestrator.api.security.AuditEvent> audit = new CopyOnWriteArrayList<>();
        SecurityConfig strict = SecurityConfig.builder(Principal.of("orchestrator"))
                .signingKeys(KeyProviders.of("k2", Map.of("k2", k2)))
                .payloadKeys(KeyProviders.of("p1", Map.of("p1", p1)))
                .policy(AccessPolicy.builder().allowRegister("worker", "sec-ok-*").allowDispatch("*", "*").build())
                .auditSink(audit::add)
                .build();
        Orchestrator orchestrator = orchestrator(strict);
        AgentDescriptor allowed = agent("pol-ok", "sec-ok-" + run);
        AgentDescriptor denied = agent("pol-no", "sec-no-" + run);
        startAgent(allowed, honestAgent(), task -> Payload.ofUtf8("ok"), true);
        startAgent(denied, honestAgent(), task -> Payload.ofUtf8("no"), true);

        Awaitility.await().atMost(PATIENCE).until(() -> orchestrator.agent(allowed.id()).isPresent()
                && strict.stats().rejected("announce", "ACCESS_DENIED") >= 1);
        assertThat(orchestrator.agent(denied.id())).isEmpty();
        assertThat(audit).anySatisfy(e -> {
            assertThat(e.type()).isEqualTo(io.agentorchestrator.api.security.AuditEvent.Type.ACCESS_DENIED);
            assertThat(e.agentId()).isEqualTo(denied.id());
            assertThat(e.principal()).isEqualTo("agents");
        });
        assertThat(audit).anySatisfy(e -> {
            assertThat(e.type()).isEqualTo(io.agentorchestrator.api.security.AuditEvent.Type.AGENT_REGISTERED);
            assertThat(e.agentId()).isEqualTo(allowed.id());
            assertThat(e.principal()).isEqualTo("agents");
        });
        assertThatThrownBy(() -> orchestrator.register(denied)).isInstanceOf(AccessDeniedException.class)
                .hasMessage("Access denied: principal 'orchestrator' may not register capability 'sec-no-" + run + "'");
    }

    // ------------------------------------------------------------------ what the broker holds

    /** One task message as a broker stores it, taken off the broker so that no agent gets it. */
    protected interface StoredTask {

        /** Everything the broker holds of the message (body and headers) as text, for scanning. */
        String raw();

        /** The task envelope's JSON, as the transport wrote it. */
        byte[] json();

        /** Puts a message with this JSON where the original was, for the agent to receive. */
        void putBack(byte[] json) throws Exception;
    }

    /** Takes the one task message addressed to an agent off the broker, waiting for it to arrive. */
    @FunctionalInterface
    protected interface TaskTaker {
        StoredTask take(AgentDescriptor agent) throws Exception;
    }

    /**
     * Sends a task with encryption on to an agent not yet listening, checks what the broker holds
     * (no plaintext, neither raw nor base64; a payload as long as the text plus the GCM tag), puts
     * it back with one bit of the payload flipped, and checks the agent refuses it unhandled.
     * Broker ITs call it with a {@link TaskTaker} that reads the broker directly.
     */
    protected void assertBrokerHoldsOnlyCiphertextAndAFlippedBitIsNeverHandled(TaskTaker taker) throws Exception {
        Orchestrator orchestrator = orchestrator(orchestratorSecurity);
        String capability = "sec-raw-" + UUID.randomUUID().toString().substring(0, 8);
        AgentDescriptor d = agent("raw", capability);
        orchestrator.register(d);
        String secret = "route via the secret depot " + UUID.randomUUID();
        CompletableFuture<TaskResult> result = orchestrator.dispatch(Task.of(capability, secret));

        StoredTask stored = taker.take(d);
        byte[] secretBytes = secret.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(stored.raw()).doesNotContain(secret).doesNotContain(java.util.Base64.getEncoder().encodeToString(secretBytes));
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode task = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(stored.json());
        byte[] payload = java.util.Base64.getDecoder().decode(task.get("payload").asText());
        // AES-GCM: as long as the text plus a 16-byte tag.
        assertThat(payload).hasSize(secretBytes.length + 16);
        payload[payload.length / 2] ^= 1;
        task.put("payload", java.util.Base64.getEncoder().encodeToString(payload));
        stored.putBack(json.writeValueAsBytes(task));

        AtomicInteger handled = new AtomicInteger();
        SecurityConfig agentSide = honestAgent();
        startAgent(d, agentSide, t -> {
            handled.incrementAndGet();
            return Payload.ofUtf8("handled");
        }, false);
        assertThatThrownBy(() -> await(result)).isInstanceOf(TaskFailedException.class).hasMessageContaining("refused task");
        assertThat(handled.get()).isZero();
        assertThat(agentSide.stats().rejectedTotal()).isEqualTo(1);
    }

    // ------------------------------------------------------------------ test doubles of our own SPIs

    /** Answers every task with the first reply it ever sent: a replay of a signed reply. */
    private static final class ReplayingTransport implements Transport {
        private final Transport delegate;
        private final AtomicReference<ResultEnvelope> first = new AtomicReference<>();

        ReplayingTransport(Transport delegate) {
            this.delegate = delegate;
        }

        @Override
        public String scheme() {
            return delegate.scheme();
        }

        @Override
        public CompletableFuture<ResultEnvelope> send(AgentDescriptor agent, TaskEnvelope envelope) {
            return delegate.send(agent, envelope);
        }

        @Override
        public Listener listen(AgentDescriptor agent, TaskReceiver receiver) {
            return delegate.listen(agent, (task, reply) -> receiver.onTask(task, result -> {
                first.compareAndSet(null, result);
                reply.reply(first.get());
            }));
        }

        @Override
        public void close() {
        }
    }

    /** A transport that only offers a directory, to sign announcements through the security layer. */
    private record DirectoryOnly(AgentDirectory directory0) implements Transport {
        @Override
        public String scheme() {
            return "test";
        }

        @Override
        public CompletableFuture<ResultEnvelope> send(AgentDescriptor agent, TaskEnvelope envelope) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Listener listen(AgentDescriptor agent, TaskReceiver receiver) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<AgentDirectory> directory() {
            return Optional.of(directory0);
        }

        @Override
        public void close() {
        }
    }

    /** Keeps what is announced. */
    private static final class CapturingDirectory implements AgentDirectory {
        final List<AgentDescriptor> announced = new CopyOnWriteArrayList<>();

        @Override
        public void announce(AgentDescriptor agent, Duration ttl) {
            announced.add(agent);
        }

        @Override
        public void withdraw(String agentId) {
        }

        @Override
        public Transport.Listener watch(Watcher watcher) {
            return () -> { };
        }
    }
}
