package io.agentorchestrator.rabbitmq;

import io.agentorchestrator.api.Transport;
import io.agentorchestrator.core.kit.TransportCompatibilityKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The RabbitMQ transport passes the transport compatibility kit against a real broker. */
class RabbitMqTransportIT extends TransportCompatibilityKit {

    private static final String PREFIX = RabbitMqTestBroker.uniquePrefix("kit");

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
}
