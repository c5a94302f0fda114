package io.agentorchestrator.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentorchestrator.api.Transport;
import io.agentorchestrator.core.kit.NodeAgentInteropKit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The Node worker and the Java orchestrator with {@code maxPriority=0} on both sides: both declare
 * the same plain queues (a mismatch would make the broker refuse the Node worker's declaration).
 */
class RabbitMqNodeInteropPlainQueuesIT extends NodeAgentInteropKit {

    private static final String PREFIX = RabbitMqTestBroker.uniquePrefix("node-plain");

    @BeforeAll
    static void broker() {
        RabbitMqTestBroker.ensureRunning();
    }

    @AfterAll
    static void everyTaskQueueIsPlainAndCleanUp() {
        try {
            // Whichever side declared a queue first, the other one would have met a different
            // x-max-priority; the broker's listing shows what was actually declared.
            List<String> taskQueues = new ArrayList<>(RabbitMqTestBroker.queuesWithArguments(PREFIX + ".agent."));
            taskQueues.addAll(RabbitMqTestBroker.queuesWithArguments(PREFIX + ".capability."));
            assertThat(taskQueues).anyMatch(q -> q.startsWith(PREFIX + ".agent.node-"));
            assertThat(taskQueues).allMatch(q -> !q.contains("x-max-priority"), "declared without x-max-priority");
        } finally {
            RabbitMqTestBroker.deleteTopology(PREFIX);
        }
    }

    @Override
    protected Transport newTransport() {
        return RabbitMqTestBroker.transport(PREFIX, "maxPriority=0");
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
        Map<String, String> environment = new HashMap<>(RabbitMqTestBroker.nodeEnvironment(PREFIX));
        environment.put("AO_MAX_PRIORITY", "0");
        return environment;
    }
}
