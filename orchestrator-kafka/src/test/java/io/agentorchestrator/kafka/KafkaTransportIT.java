package io.agentorchestrator.kafka;

import io.agentorchestrator.api.Transport;
import io.agentorchestrator.core.kit.TransportCompatibilityKit;
import java.net.URI;

/** The Kafka transport passes the transport compatibility kit against a real KRaft broker. */
class KafkaTransportIT extends TransportCompatibilityKit {

    private static final String PREFIX = EmbeddedKafka.uniquePrefix("kit");

    @Override
    protected Transport newTransport() {
        return new KafkaTransportProvider().create(URI.create(EmbeddedKafka.shared().uri(PREFIX, "")));
    }

    @Override
    protected String endpoint(String agentId) {
        return "kafka:" + agentId;
    }
}
