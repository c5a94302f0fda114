package io.agentorchestrator.rabbitmq;

import io.agentorchestrator.api.Transport;
import io.agentorchestrator.core.kit.NodeAgentInteropKit;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The Java orchestrator and the Node worker {@code rabbitmq-agent.mjs} (amqplib) on a real RabbitMQ. */
class RabbitMqNodeInteropIT extends NodeAgentInteropKit {

    private static final String PREFIX = RabbitMqTestBroker.uniquePrefix("node");

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
    protected String scheme() {
        return "amqp";
    }

    @Override
    protected String nodeScript() {
        return "rabbitmq-agent.mjs";
    }

    @Override
    protected Map<String, String> nodeEnvironment() {
        return RabbitMqTestBroker.nodeEnvironment(PREFIX);
    }
}
