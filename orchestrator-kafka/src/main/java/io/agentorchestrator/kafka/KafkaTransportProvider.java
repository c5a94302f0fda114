package io.agentorchestrator.kafka;

import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.TransportProvider;
import java.net.URI;
import java.util.Set;

/**
 * Makes {@code kafka://host:9092} work as a transport URI once this module is on the classpath;
 * found by {@link java.util.ServiceLoader}. See {@link KafkaTransportConfig#fromUri(URI)} for the
 * URI's options.
 */
public final class KafkaTransportProvider implements TransportProvider {

    /** Used by {@link java.util.ServiceLoader}. */
    public KafkaTransportProvider() {
    }

    @Override
    public Set<String> schemes() {
        return Set.of(KafkaTransport.SCHEME);
    }

    /**
     * A transport for the brokers and options in {@code uri}; connects nothing yet.
     *
     * @throws io.agentorchestrator.api.ValidationException naming what is wrong with the URI
     */
    @Override
    public Transport create(URI uri) {
        return KafkaTransport.create(KafkaTransportConfig.fromUri(uri));
    }

    /** True when kafka-clients is on the classpath. */
    @Override
    public boolean isAvailable() {
        try {
            Class.forName("org.apache.kafka.clients.producer.KafkaProducer", false, KafkaTransportProvider.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
