package io.agentorchestrator.kafka;

import io.agentorchestrator.api.Transport;
import io.agentorchestrator.core.kit.NodeAgentInteropKit;
import java.net.URI;
import java.util.Map;

/** The Java orchestrator and the Node worker {@code kafka-agent.mjs} (kafkajs) on the embedded KRaft broker. */
class KafkaNodeInteropIT extends NodeAgentInteropKit {

    private static final String PREFIX = EmbeddedKafka.uniquePrefix("node");

    @Override
    protected Transport newTransport() {
        return new KafkaTransportProvider().create(URI.create(EmbeddedKafka.shared().uri(PREFIX, "")));
    }

    /**
     * kafkajs speaks only eager rebalancing: a Java member of a group that a Node worker is in uses
     * the round-robin assignor, which both clients implement under the name "roundrobin".
     */
    @Override
    protected Transport newSharedAgentTransport() {
        return new KafkaTransportProvider().create(URI.create(EmbeddedKafka.shared().uri(PREFIX,
                "kafka.partition.assignment.strategy=org.apache.kafka.clients.consumer.RoundRobinAssignor")));
    }

    @Override
    protected String scheme() {
        return "kafka";
    }

    @Override
    protected String nodeScript() {
        return "kafka-agent.mjs";
    }

    @Override
    protected Map<String, String> nodeEnvironment() {
        return Map.of("AO_BROKER", EmbeddedKafka.shared().bootstrapServers(), "AO_PREFIX", PREFIX, "AO_SESSION_TIMEOUT_MS", "2000");
    }
}
