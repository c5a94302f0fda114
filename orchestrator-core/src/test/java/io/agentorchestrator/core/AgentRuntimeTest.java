package io.agentorchestrator.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.TransportException;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.internal.InProcessTransport;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AgentRuntimeTest {

    private final InProcessTransport transport = new InProcessTransport();
    private final String id = "rt-" + UUID.randomUUID().toString().substring(0, 8);
    private final AgentDescriptor agent = AgentDescriptor.builder(id).capability("cap").endpoint("inproc:" + id).maxConcurrency(1).build();

    private static TaskEnvelope envelope(long deadline) {
        return TaskEnvelope.of(Task.of("cap", "x"), deadline, 1, null);
    }

    @Test
    void answersBusyBeyondMaxConcurrencyWithoutRunningTheHandler() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (AgentRuntime runtime = AgentRuntime.builder(agent).transport(transport).announce(false).handler(t -> {
            started.countDown();
            release.await(10, TimeUnit.SECONDS);
            return Payload.ofUtf8("done");
        }).start()) {
            long deadline = System.currentTimeMillis() + 60_000;
            CompletableFuture<ResultEnvelope> first = transport.send(agent, envelope(deadline));
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            ResultEnvelope second = transport.send(agent, envelope(deadline)).get(10, TimeUnit.SECONDS);
            assertThat(second.success()).isFalse();
            assertThat(second.errorCode()).isEqualTo(ResultEnvelope.AGENT_BUSY);
            assertThat(second.retryable()).isTrue();
            release.countDown();
            assertThat(first.get(10, TimeUnit.SECONDS).payload().asUtf8()).isEqualTo("done");
            // The running count drops just after the reply leaves.
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> runtime.running() == 0);
        }
    }

    @Test
    void directExecutorRunsTheHandlerOnTheDeliveringThreadAndTheDefaultHandsItToAWorker() throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        try (AgentRuntime runtime = AgentRuntime.builder(agent).transport(transport).announce(false).directExecutor()
                .handler(t -> Payload.ofUtf8(Thread.currentThread().getName())).start()) {
            // The in-process transport delivers on the sender's thread.
            ResultEnvelope r = transport.send(agent, envelope(deadline)).get(10, TimeUnit.SECONDS);
            assertThat(r.payload().asUtf8()).isEqualTo(Thread.currentThread().getName());
            assertThat(runtime.running()).isZero();
        }
        try (AgentRuntime runtime = AgentRuntime.builder(agent).transport(transport).announce(false)
                .handler(t -> Payload.ofUtf8(Thread.currentThread().getName())).start()) {
            ResultEnvelope r = transport.send(agent, envelope(deadline)).get(10, TimeUnit.SECONDS);
            assertThat(r.payload().asUtf8()).startsWith("agent-" + id + "-");
        }
    }

    @Test
    void refusesTasksPastTheirDeadlineWithoutRunningThem() throws Exception {
        try (AgentRuntime runtime = AgentRuntime.builder(agent).transport(transport).announce(false)
                .handler(t -> { throw new AssertionError("must not run"); }).start()) {
            ResultEnvelope r = transport.send(agent, envelope(System.currentTimeMillis() - 1)).get(10, TimeUnit.SECONDS);
            assertThat(r.errorCode()).isEqualTo(ResultEnvelope.DEADLINE_EXCEEDED);
            assertThat(r.retryable()).isFalse();
        }
    }

    @Test
    void closeDrainsRunningTasksAndThenRefusesNewOnes() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        AgentRuntime runtime = AgentRuntime.builder(agent).transport(transport).announce(false).handler(t -> {
            started.countDown();
            return Payload.ofUtf8("finished while draining");
        }).start();
        CompletableFuture<ResultEnvelope> running = transport.send(agent, envelope(System.currentTimeMillis() + 60_000));
        runtime.close(Duration.ofSeconds(5));
        assertThat(running.get(10, TimeUnit.SECONDS).payload().asUtf8()).isEqualTo("finished while draining");
        assertThatThrownBy(() -> transport.send(agent, envelope(System.currentTimeMillis() + 60_000)).get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(TransportException.class).hasMessageContaining("No agent is listening at inproc:" + id);
    }

    @Test
    void twoRuntimesCannotListenOnOneEndpoint() {
        try (AgentRuntime first = AgentRuntime.builder(agent).transport(transport).announce(false).handler(t -> Payload.empty()).start()) {
            assertThatThrownBy(() -> AgentRuntime.builder(agent).transport(transport).handler(t -> Payload.empty()).start())
                    .isInstanceOf(TransportException.class).hasMessageContaining("already listening at inproc:" + id);
            assertThat(first.agent()).isEqualTo(agent);
        }
    }

    @Test
    void requiresAHandlerAndAMatchingTransport() {
        assertThatThrownBy(() -> AgentRuntime.builder(agent).transport(transport).start()).isInstanceOf(ValidationException.class)
                .hasMessage("handler must be set, but was null");
        AgentDescriptor redisAgent = AgentDescriptor.builder("r").capability("cap").endpoint("redis:r").build();
        assertThatThrownBy(() -> AgentRuntime.builder(redisAgent).transport(transport).handler(t -> Payload.empty()).start())
                .hasMessage("transport must serve the agent endpoint's scheme 'redis', but was 'inproc'");
        assertThatThrownBy(() -> AgentRuntime.builder(agent).heartbeatInterval(Duration.ofMillis(10)))
                .hasMessage("heartbeatInterval must be between 100 ms and 10 min, but was PT0.01S");
    }
}
