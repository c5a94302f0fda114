package io.agentorchestrator.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.TransportProvider;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.internal.ProviderLookup;
import java.net.URI;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class RabbitMqTransportProviderTest {

    @Test
    void isFoundByServiceLoaderForAmqpAndAmqps() {
        assertThat(ServiceLoader.load(TransportProvider.class).stream().map(ServiceLoader.Provider::get))
                .anySatisfy(p -> {
                    assertThat(p).isInstanceOf(RabbitMqTransportProvider.class);
                    assertThat(p.schemes()).containsExactlyInAnyOrder("amqp", "amqps");
                    assertThat(p.isAvailable()).isTrue();
                });
    }

    @Test
    void transportUriIsResolvedByScheme() {
        // Connects nothing: the connection opens on first use, so no broker is needed here.
        try (Transport t = ProviderLookup.transport("amqp://guest:guest@127.0.0.1:5672/?prefix=lookup")) {
            assertThat(t).isInstanceOf(RabbitMqTransport.class);
            assertThat(t.scheme()).isEqualTo("amqp");
            assertThat(t.directory()).isPresent();
            assertThat(t).isInstanceOf(RabbitMqTransportCounters.class);
            assertThat(((RabbitMqTransportCounters) t).malformedMessages()).isZero();
        }
    }

    @Test
    void invalidUriIsRejectedWithTheOffendingOption() {
        assertThatThrownBy(() -> new RabbitMqTransportProvider().create(URI.create("amqp://h/?publishRetries=-1")))
                .isInstanceOf(ValidationException.class).hasMessage("publishRetries must be between 0 and 100, but was -1");
    }

    @Test
    void endpointsMapToAgentAndCapabilityQueues() {
        try (RabbitMqTransport t = (RabbitMqTransport) new RabbitMqTransportProvider().create(URI.create("amqp://h/?prefix=p"))) {
            RabbitMqTransport.Route agent = t.route(URI.create("amqp:planner-1"));
            assertThat(agent.queue).isEqualTo("p.agent.planner-1");
            assertThat(agent.routingKey).isEqualTo("agent.planner-1");
            assertThat(agent.shared).isFalse();
            RabbitMqTransport.Route shared = t.route(URI.create("amqp:capability/route-planning"));
            assertThat(shared.queue).isEqualTo("p.capability.route-planning");
            assertThat(shared.routingKey).isEqualTo("capability.route-planning");
            assertThat(shared.shared).isTrue();
            assertThatThrownBy(() -> t.route(URI.create("amqp:-starts-with-dash"))).isInstanceOf(ValidationException.class);
            assertThatThrownBy(() -> t.route(URI.create("redis:planner-1"))).isInstanceOf(ValidationException.class)
                    .hasMessage("endpoint must use the amqp: scheme, but was 'redis:planner-1'");
            AgentDescriptor d = AgentDescriptor.builder("x").capability("c").endpoint("redis:x").build();
            assertThat(t.send(d, null)).isCompletedExceptionally();
            assertThat(t.send(AgentDescriptor.builder("y").capability("c").endpoint("amqp:capability/").build(), null))
                    .failsWithin(java.time.Duration.ZERO).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                    .havingCause().isInstanceOf(io.agentorchestrator.api.TransportException.class)
                    .withMessageContaining("endpoint capability");
        }
    }
}
