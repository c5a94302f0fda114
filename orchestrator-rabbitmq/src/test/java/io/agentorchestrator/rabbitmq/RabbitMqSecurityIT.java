package io.agentorchestrator.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskFailedException;
import io.agentorchestrator.api.TaskResult;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.kit.SecurityCompatibilityKit;
import io.agentorchestrator.core.security.SecurityConfig;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The security kit against a real RabbitMQ, and what the broker itself holds of a secured task:
 * the queued message carries ciphertext only, and a message with one bit flipped is refused.
 */
class RabbitMqSecurityIT extends SecurityCompatibilityKit {

    private static final String PREFIX = RabbitMqTestBroker.uniquePrefix("sec");
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void broker() {
        RabbitMqTestBroker.ensureRunning();
    }

    @AfterAll
    static void cleanUp() {
        RabbitMqTestBroker.deleteTopology(PREFIX);
    }

    @Override
    protected Transport newTransport() {
        return RabbitMqTestBroker.transport(PREFIX, "");
    }

    @Override
    protected String endpoint(String agentId) {
        return "amqp:" + agentId;
    }

    @Test
    void theQueuedMessageHoldsOnlyCiphertextAndAFlippedBitIsNeverHandled() throws Exception {
        Orchestrator orchestrator = orchestrator(orchestratorSecurity);
        String capability = "sec-raw-" + UUID.randomUUID().toString().substring(0, 8);
        AgentDescriptor d = agent("raw", capability);
        orchestrator.register(d);
        String secret = "route via the secret depot " + UUID.randomUUID();
        CompletableFuture<TaskResult> result = orchestrator.dispatch(Task.of(capability, secret));

        String queue = PREFIX + ".agent." + d.id();
        try (Connection c = RabbitMqTestBroker.factory().newConnection("it-sec-raw"); Channel ch = c.createChannel()) {
            AtomicReference<GetResponse> got = new AtomicReference<>();
            Awaitility.await().atMost(PATIENCE).until(() -> {
                got.set(ch.basicGet(queue, true));
                return got.get() != null;
            });
            byte[] body = got.get().getBody();
            String raw = new String(body, StandardCharsets.ISO_8859_1) + got.get().getProps();
            assertThat(raw).doesNotContain(secret)
                    .doesNotContain(Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8)));
            ObjectNode task = (ObjectNode) JSON.readTree(body);
            byte[] stored = Base64.getDecoder().decode(task.get("payload").asText());
            assertThat(stored).hasSize(secret.getBytes(StandardCharsets.UTF_8).length + 16);

            stored[stored.length / 2] ^= 1;
            task.put("payload", Base64.getEncoder().encodeToString(stored));
            ch.basicPublish("", queue, got.get().getProps(), JSON.writeValueAsBytes(task));
        }
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
}
