package io.agentorchestrator.rabbitmq;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.core.kit.SecurityCompatibilityKit;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The security kit against a real RabbitMQ, and what the broker itself holds of a secured task:
 * the queued message (read with basicGet) carries ciphertext only, and a message with one bit
 * flipped is refused.
 */
class RabbitMqSecurityIT extends SecurityCompatibilityKit {

    private static final String PREFIX = RabbitMqTestBroker.uniquePrefix("sec");

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
        assertBrokerHoldsOnlyCiphertextAndAFlippedBitIsNeverHandled(agent -> {
            String queue = PREFIX + ".agent." + agent.id();
            AtomicReference<GetResponse> got = new AtomicReference<>();
            try (Connection c = RabbitMqTestBroker.factory().newConnection("it-sec-raw"); Channel ch = c.createChannel()) {
                Awaitility.await().atMost(PATIENCE).until(() -> {
                    got.set(ch.basicGet(queue, true));
                    return got.get() != null;
                });
            }
            return new StoredTask() {
                @Override
                public String raw() {
                    return new String(got.get().getBody(), StandardCharsets.ISO_8859_1) + got.get().getProps();
                }

                @Override
                public byte[] json() {
                    return got.get().getBody();
                }

                @Override
                public void putBack(byte[] json) throws Exception {
                    try (Connection c = RabbitMqTestBroker.factory().newConnection("it-sec-raw"); Channel ch = c.createChannel()) {
                        ch.basicPublish("", queue, got.get().getProps(), json);
                    }
                }
            };
        });
    }
}
