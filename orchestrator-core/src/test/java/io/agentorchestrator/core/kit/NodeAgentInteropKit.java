package io.agentorchestrator.core.kit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.agentorchestrator.api.Agent;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentStatus;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskFailedException;
import io.agentorchestrator.api.TaskResult;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.core.AgentRuntime;
import io.agentorchestrator.core.Orchestrator;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Interop between the Java orchestrator and a worker written in Node.js from the wire-format
 * specification alone ({@code orchestrator-examples/node-agents}), on one broker. A broker module's
 * test extends it and says how to reach its broker from both languages:
 *
 * <pre>{@code
 * class RedisNodeInteropIT extends NodeAgentInteropKit {
 *     protected Transport newTransport() { return new RedisTransportProvider().create(uri); }
 *     protected String scheme() { return "redis"; }
 *     protected String nodeScript() { return "redis-agent.mjs"; }
 *     protected Map<String, String> nodeEnvironment() { return Map.of("AO_BROKER", "redis://127.0.0.1:6379", "AO_PREFIX", prefix); }
 * }
 * }</pre>
 *
 * <p>The Node worker announces itself, heartbeats, takes tasks of one capability and answers
 * them (payload {@code "<agent id>:<TEXT>"}; {@code "fail:<code>"} fails with that code,
 * {@code "sleep:<ms>:<text>"} waits first). It prints {@code ready ...} once it takes tasks and
 * {@code task <id> <attempt>} when it starts one.
 */
public abstract class NodeAgentInteropKit {

    /** Upper bound for anything that should happen promptly. */
    protected static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final List<String> PACKAGES = List.of("ioredis", "amqplib", "kafkajs");

    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private final String run = UUID.randomUUID().toString().substring(0, 8);

    /** A new transport instance for the orchestrator or a Java agent; the kit closes it. */
    protected abstract Transport newTransport();

    /** The endpoint scheme of agents on this transport, e.g. {@code redis}. */
    protected abstract String scheme();

    /** The Node worker of this broker, e.g. {@code redis-agent.mjs}. */
    protected abstract String nodeScript();

    /** {@code AO_BROKER}, {@code AO_PREFIX} and the broker's other settings for the Node worker. */
    protected abstract Map<String, String> nodeEnvironment();

    /**
     * The transport of a Java agent that shares a capability's queue, stream or consumer group with
     * a Node worker; by default {@link #newTransport()}.
     */
    protected Transport newSharedAgentTransport() {
        return newTransport();
    }

    @AfterEach
    void closeEverything() throws Exception {
        while (!resources.isEmpty()) {
            resources.pop().close();
        }
    }

    @Test
    void nodeAgentAnnouncesItselfAndCompletesTasks() throws Exception {
        String capability = capability("echo");
        String nodeId = "node-" + run;
        startNode(nodeId, capability, false);
        Orchestrator orchestrator = orchestrator();
        Agent node = awaitHealthy(orchestrator, nodeId);
        assertThat(node.descriptor().endpoint().toString()).isEqualTo(scheme() + ":" + nodeId);
        assertThat(node.descriptor().metadata()).containsEntry("language", "node");

        List<CompletableFuture<TaskResult>> results = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            results.add(orchestrator.dispatch(Task.builder(capability).payload("hello-" + i).key("k-" + (i % 3))
                    .header("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01").build()));
        }
        for (int i = 0; i < results.size(); i++) {
            TaskResult r = results.get(i).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertThat(r.payload().asUtf8()).isEqualTo(nodeId + ":HELLO-" + i);
            assertThat(r.agentId()).isEqualTo(nodeId);
        }
    }

    @Test
    void failingNodeHandlerIsATypedFailure() throws Exception {
        String capability = capability("fail");
        String nodeId = "node-" + run;
        startNode(nodeId, capability, false);
        Orchestrator orchestrator = orchestrator();
        awaitHealthy(orchestrator, nodeId);

        CompletableFuture<TaskResult> f = orchestrator.dispatch(Task.of(capability, "fail:stock-missing"));
        assertThatThrownBy(() -> f.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(TaskFailedException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo("stock-missing");
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).contains("node agent " + nodeId + " refused");
                });
    }

    @Test
    void killedNodeAgentsTaskIsRedeliveredToAnotherAgent() throws Exception {
        String capability = capability("crash");
        String nodeId = "node-" + run;
        NodeProcess node = startNode(nodeId, capability, true);
        Orchestrator orchestrator = orchestrator();
        awaitHealthy(orchestrator, nodeId);

        Task slow = Task.builder(capability).payload("sleep:600000:parcel").timeout(PATIENCE.multipliedBy(2)).build();
        CompletableFuture<TaskResult> f = orchestrator.dispatch(slow);
        node.awaitLine(Pattern.compile("^task " + Pattern.quote(slow.id()) + " "), PATIENCE);
        node.kill();

        // Another agent, in Java, on the same shared queue, stream or group takes the task over.
        String javaId = "java-" + run;
        startJavaAgent(javaId, capability, true);
        TaskResult r = f.get(PATIENCE.multipliedBy(2).toSeconds(), TimeUnit.SECONDS);
        assertThat(r.payload().asUtf8()).isEqualTo(javaId + ":PARCEL");
        assertThat(r.attempts()).isEqualTo(1);
    }

    @Test
    void mixedPoolOfJavaAndNodeAgentsSharesTheWork() throws Exception {
        String capability = capability("mixed");
        String nodeId = "node-" + run;
        String javaId = "java-" + run;
        startNode(nodeId, capability, false);
        startJavaAgent(javaId, capability, false);
        Orchestrator orchestrator = orchestrator();
        awaitHealthy(orchestrator, nodeId);
        awaitHealthy(orchestrator, javaId);

        Map<String, Integer> byAgent = new HashMap<>();
        for (int i = 0; i < 40; i++) {
            TaskResult r = orchestrator.dispatch(Task.of(capability, "part-" + i)).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            String worker = r.payload().asUtf8().substring(0, r.payload().asUtf8().indexOf(':'));
            assertThat(worker).isEqualTo(r.agentId());
            byAgent.merge(worker, 1, Integer::sum);
        }
        // Round-robin over the two: each takes every other task.
        assertThat(byAgent).containsOnlyKeys(nodeId, javaId);
        assertThat(byAgent.get(nodeId)).isBetween(15, 25);
        assertThat(byAgent.get(javaId)).isBetween(15, 25);
    }

    // ------------------------------------------------------------------ helpers

    private String capability(String name) {
        return "interop-" + name + "-" + run;
    }

    /** The Node workers do not sign or check credentials, so both sides run with security explicitly off. */
    private static final io.agentorchestrator.core.security.SecurityConfig NODE_WORKERS_DO_NOT_SIGN =
            io.agentorchestrator.core.security.SecurityConfig.insecure("interop with the example Node workers, which do not sign");

    private Orchestrator orchestrator() {
        return track(Orchestrator.builder().security(NODE_WORKERS_DO_NOT_SIGN).transport(track(newTransport())).balancer("round-robin").defaultTimeout(PATIENCE).build());
    }

    private NodeProcess startNode(String agentId, String capability, boolean shared) throws Exception {
        Map<String, String> env = new HashMap<>(nodeEnvironment());
        env.put("AO_AGENT_ID", agentId);
        env.put("AO_CAPABILITY", capability);
        env.put("AO_ENDPOINT", shared ? "shared" : "own");
        env.put("AO_HEARTBEAT_MS", "1000");
        NodeProcess p = track(NodeProcess.start(NodeProcess.examplesDirectory("node-agents", nodeScript()), PACKAGES, env, nodeScript()));
        p.awaitLine(Pattern.compile("^ready " + Pattern.quote(agentId)), PATIENCE);
        return p;
    }

    /** A Java agent answering as the Node one does, without the waiting. */
    private void startJavaAgent(String agentId, String capability, boolean shared) {
        Transport transport = track(shared ? newSharedAgentTransport() : newTransport());
        AgentDescriptor d = AgentDescriptor.builder(agentId).capability(capability)
                .endpoint(scheme() + ":" + (shared ? "capability/" + capability : agentId)).maxConcurrency(4).build();
        AgentRuntime runtime = AgentRuntime.builder(d).transport(transport).security(NODE_WORKERS_DO_NOT_SIGN)
                .heartbeatInterval(Duration.ofSeconds(1))
                .handler(task -> {
                    String text = task.payload().asUtf8();
                    String rest = text.startsWith("sleep:") ? text.substring(text.indexOf(':', 6) + 1) : text;
                    return Payload.ofUtf8(agentId + ":" + rest.toUpperCase(Locale.ROOT));
                }).start();
        resources.push(() -> runtime.close(Duration.ZERO));
    }

    private static Agent awaitHealthy(Orchestrator orchestrator, String agentId) {
        await().atMost(PATIENCE).until(() -> orchestrator.agent(agentId).filter(a -> a.status() == AgentStatus.HEALTHY).isPresent());
        return orchestrator.agent(agentId).orElseThrow();
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.push(resource);
        return resource;
    }
}
