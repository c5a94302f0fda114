package io.agentorchestrator.core.a2a;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskFailedException;
import io.agentorchestrator.api.TaskResult;
import io.agentorchestrator.api.TaskTimeoutException;
import io.agentorchestrator.core.Orchestrator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Interop with a real A2A agent built with the official {@code @a2a-js/sdk} 1.3.0 (see
 * {@code orchestrator-examples/a2a-agent}): the orchestrator reads its card, registers it and
 * sends it tasks that complete, fail, ask for input, are rejected, and are cancelled by the
 * caller or by their deadline, in both JSON-RPC dialects the SDK serves (A2A 1.0 and 0.3).
 */
class A2aInteropIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static NodeA2aAgent agent;
    private static Orchestrator orchestrator;
    private static Orchestrator legacy;
    private static AgentDescriptor descriptor;

    @BeforeAll
    static void startAgent() throws Exception {
        agent = NodeA2aAgent.start();
        descriptor = A2aAgents.fromCard(URI.create(agent.baseUrl()));
        orchestrator = Orchestrator.builder().transport("a2a:?maxPollMillis=100").maxAttempts(2).build();
        orchestrator.register(descriptor);
        // The same agent, told to speak A2A 0.3 (the SDK's compatibility layer answers it).
        legacy = Orchestrator.builder().transport("a2a:?maxPollMillis=100").maxAttempts(2).build();
        legacy.register(AgentDescriptor.builder("interop-legacy").name(descriptor.name()).capabilities("echo", "fail", "slow")
                .endpoint(descriptor.endpoint()).metadata(A2aAgents.PROTOCOL_VERSION_KEY, "0.3").build());
    }

    @AfterAll
    static void stopAgent() throws Exception {
        if (orchestrator != null) {
            orchestrator.close();
        }
        if (legacy != null) {
            legacy.close();
        }
        if (agent != null) {
            agent.close();
        }
    }

    @Test
    void registersTheAgentItsCardDescribes() {
        assertThat(descriptor.id()).isEqualTo("interop-echo-agent");
        assertThat(descriptor.capabilities()).containsExactly("echo", "fail", "slow", "ask", "refuse", "bytes");
        assertThat(descriptor.endpoint()).hasToString("a2a:" + agent.rpcUrl());
        assertThat(descriptor.version()).isEqualTo("1.2.3");
        assertThat(descriptor.metadata())
                .containsEntry(A2aAgents.PROTOCOL_VERSION_KEY, "1.0")
                .containsEntry(A2aAgents.CARD_URL_KEY, agent.baseUrl() + A2aAgents.WELL_KNOWN_PATH)
                .containsEntry(A2aAgents.DESCRIPTION_KEY, "Test agent for the Agent Orchestrator A2A interop test")
                .containsEntry(A2aAgents.PROVIDER_ORGANIZATION_KEY, "Agent Orchestrator tests")
                .containsEntry(A2aAgents.STREAMING_KEY, "true")
                .containsEntry(A2aAgents.INPUT_MODES_KEY, "text/plain")
                .containsEntry(A2aAgents.SKILL_KEY_PREFIX + "slow", "slow");
        assertThat(orchestrator.agents("echo")).extracting(a -> a.id()).containsExactly("interop-echo-agent");
    }

    @Test
    void completedTaskReturnsTheArtifactText() throws Exception {
        TaskResult r = orchestrator.dispatch(Task.of("echo", "hello from java \u00e9")).get(30, TimeUnit.SECONDS);
        assertThat(r.payload().asUtf8()).isEqualTo("HELLO FROM JAVA \u00c9");
        assertThat(r.agentId()).isEqualTo("interop-echo-agent");
        assertThat(r.attempts()).isEqualTo(1);
    }

    @Test
    void payloadThatIsNotUtf8TravelsAsRawBytes() throws Exception {
        byte[] bytes = {(byte) 0xff, 0, (byte) 0xfe, 1, 2};
        TaskResult r = orchestrator.dispatch(Task.of("bytes", bytes)).get(30, TimeUnit.SECONDS);
        assertThat(r.payload().toByteArray()).containsExactly(2, 1, (byte) 0xfe, 0, (byte) 0xff);
    }

    @Test
    void failedTaskIsATaskFailedExceptionWithTheAgentsReason() throws Exception {
        TaskFailedException e = failure(orchestrator.dispatch(Task.of("fail", "disk on fire")), TaskFailedException.class);
        assertThat(e.errorCode()).isEqualTo("a2a-failed");
        assertThat(e.getMessage()).contains("disk on fire");
        assertThat(e.retryable()).isFalse();
    }

    @Test
    void inputRequiredIsATypedFailureCarryingTheQuestion() throws Exception {
        TaskFailedException e = failure(orchestrator.dispatch(Task.of("ask", "plan a trip")), TaskFailedException.class);
        assertThat(e.errorCode()).isEqualTo("a2a-input-required");
        assertThat(e.getMessage()).contains("Which city?");
    }

    @Test
    void rejectedTaskIsARetryableTypedFailure() throws Exception {
        TaskFailedException e = failure(orchestrator.dispatch(Task.of("refuse", "anything")), TaskFailedException.class);
        assertThat(e.errorCode()).isEqualTo("a2a-rejected");
        assertThat(e.retryable()).isTrue();
        assertThat(e.getMessage()).contains("not my kind of task");
    }

    @Test
    void callerCancellationCancelsTheRemoteTask() throws Exception {
        Task task = Task.builder("slow").payload("wait for me").timeout(Duration.ofSeconds(60)).build();
        CompletableFuture<TaskResult> f = orchestrator.dispatch(task);
        await().atMost(Duration.ofSeconds(20)).until(() -> "TASK_STATE_WORKING".equals(remoteState(task.id())));
        f.cancel(true);
        await().atMost(Duration.ofSeconds(20)).until(() -> "TASK_STATE_CANCELED".equals(remoteState(task.id())));
    }

    @Test
    void deadlineCancelsTheRemoteTask() throws Exception {
        Task task = Task.builder("slow").payload("too slow").timeout(Duration.ofMillis(1500)).build();
        TaskTimeoutException e = failure(orchestrator.dispatch(task), TaskTimeoutException.class);
        assertThat(e.getMessage()).contains(task.id());
        await().atMost(Duration.ofSeconds(20)).until(() -> "TASK_STATE_CANCELED".equals(remoteState(task.id())));
    }

    @Test
    void closingTheOrchestratorCancelsTheRemoteTask() throws Exception {
        Orchestrator closing = Orchestrator.builder().transport("a2a:?maxPollMillis=100").shutdownTimeout(Duration.ZERO).build();
        closing.register(descriptor);
        Task task = Task.builder("slow").payload("interrupted").timeout(Duration.ofSeconds(60)).build();
        CompletableFuture<TaskResult> f = closing.dispatch(task);
        await().atMost(Duration.ofSeconds(20)).until(() -> "TASK_STATE_WORKING".equals(remoteState(task.id())));
        closing.close();
        assertThat(f).isCompletedExceptionally();
        await().atMost(Duration.ofSeconds(20)).until(() -> "TASK_STATE_CANCELED".equals(remoteState(task.id())));
    }

    @Test
    void speaksA2a03ToTheSdksCompatibilityLayer() throws Exception {
        TaskResult r = legacy.dispatch(Task.of("echo", "old dialect")).get(30, TimeUnit.SECONDS);
        assertThat(r.payload().asUtf8()).isEqualTo("OLD DIALECT");
        TaskFailedException e = failure(legacy.dispatch(Task.of("fail", "old failure")), TaskFailedException.class);
        assertThat(e.errorCode()).isEqualTo("a2a-failed");
        assertThat(e.getMessage()).contains("old failure");

        Task slow = Task.builder("slow").payload("cancel me").timeout(Duration.ofSeconds(60)).build();
        CompletableFuture<TaskResult> f = legacy.dispatch(slow);
        await().atMost(Duration.ofSeconds(20)).until(() -> "TASK_STATE_WORKING".equals(remoteState(slow.id())));
        f.cancel(true);
        await().atMost(Duration.ofSeconds(20)).until(() -> "TASK_STATE_CANCELED".equals(remoteState(slow.id())));
    }

    /** The state of the agent's task made for our task {@code taskId}, asked with A2A 1.0 ListTasks; null when none. */
    private static String remoteState(String taskId) throws Exception {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ListTasks\",\"params\":{\"pageSize\":100}}";
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(agent.rpcUrl())).header("Content-Type", "application/json")
                .header("A2A-Version", "1.0").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode tasks = JSON.readTree(response.body()).path("result").path("tasks");
        for (JsonNode t : tasks) {
            for (JsonNode m : t.path("history")) {
                if (taskId.equals(m.path("metadata").path("taskId").asText())) {
                    return t.path("status").path("state").asText();
                }
            }
        }
        return null;
    }

    private static <T extends Throwable> T failure(CompletableFuture<TaskResult> f, Class<T> type) throws Exception {
        try {
            f.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(type);
            return type.cast(e.getCause());
        }
        throw new AssertionError("expected " + type.getSimpleName() + " but the task completed");
    }
}
