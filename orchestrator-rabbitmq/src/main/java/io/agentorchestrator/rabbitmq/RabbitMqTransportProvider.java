package io.agentorchestrator.rabbitmq;

import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.TransportProvider;
import io.agentorchestrator.api.ValidationException;
import java.net.URI;
import java.util.Set;

/**
 * Serves {@code amqp://} and {@code amqps://} transport URIs with a RabbitMQ transport, found by
 * {@link java.util.ServiceLoader} when {@code orchestrator-rabbitmq} is on the classpath:
 *
 * <pre>{@code
 * Orchestrator orchestrator = Orchestrator.builder()
 *     .transport("amqp://guest:guest@127.0.0.1:5672/?prefix=orders")
 *     .security(security)    // required off inproc: (or SecurityConfig.insecure("why"))
 *     .build();
 * orchestrator.register(AgentDescriptor.builder("planner-1")
 *     .capability("route-planning").endpoint("amqp:planner-1").build());
 * }</pre>
 *
 * <p>Agent endpoints are {@code amqp:<agentId>} (the agent's own queue) or
 * {@code amqp:capability/<capability>} (a queue shared by the capability's agents, balanced by the
 * broker), also when the connection uses TLS. Creating a transport validates the URI and connects
 * nothing: the connection opens on first use. See the module README for the URI options.
 */
public final class RabbitMqTransportProvider implements TransportProvider {

    private static volatile Boolean available;

    /** Used by {@link java.util.ServiceLoader}. */
    public RabbitMqTransportProvider() {
    }

    /** {@code amqp} and {@code amqps}. */
    @Override
    public Set<String> schemes() {
        return Set.of("amqp", "amqps");
    }

    /**
     * Creates a transport for the broker the URI names; opens no connection yet.
     *
     * @throws ValidationException when the URI or one of its options is invalid; the message names it
     */
    @Override
    public Transport create(URI uri) {
        return new RabbitMqTransport(RabbitMqSettings.parse(uri));
    }

    /** Whether the RabbitMQ Java client ({@code com.rabbitmq:amqp-client}) is on the classpath. */
    @Override
    public boolean isAvailable() {
        Boolean a = available;
        if (a == null) {
            try {
                Class.forName("com.rabbitmq.client.ConnectionFactory", false, RabbitMqTransportProvider.class.getClassLoader());
                a = Boolean.TRUE;
            } catch (ClassNotFoundException | LinkageError e) {
                a = Boolean.FALSE;
            }
            available = a;
        }
        return a;
    }

    @Override
    public String toString() {
        return "RabbitMqTransportProvider[amqp, amqps]";
    }
}
