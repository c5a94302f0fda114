package io.agentorchestrator.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.TransportException;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.internal.ProviderLookup;
import org.junit.jupiter.api.Test;

class RedisTransportProviderTest {

    @Test
    void foundByServiceLoaderForBothSchemesWithoutConnecting() {
        // Port 1: nothing listens there. Creating must not connect, so this cannot fail.
        try (Transport t = ProviderLookup.transport("redis://127.0.0.1:1")) {
            assertThat(t.scheme()).isEqualTo("redis");
            assertThat(t.directory()).isPresent();
        }
        try (Transport t = ProviderLookup.transport("rediss://127.0.0.1:1")) {
            assertThat(t).isInstanceOf(RedisTransport.class);
        }
        assertThat(new RedisTransportProvider().isAvailable()).isTrue();
    }

    @Test
    void badUriIsRejectedAtCreation() {
        assertThatThrownBy(() -> ProviderLookup.transport("redis://127.0.0.1:6379?bogus=1")).isInstanceOf(ValidationException.class)
                .hasMessageContaining("bogus");
    }

    @Test
    void unreachableRedisFailsTheSendWithATypedException() {
        try (Transport t = ProviderLookup.transport("redis://127.0.0.1:1?timeout=200ms")) {
            var agent = io.agentorchestrator.api.AgentDescriptor.builder("a").capability("c").endpoint("redis:a").build();
            var envelope = io.agentorchestrator.api.TaskEnvelope.of(io.agentorchestrator.api.Task.of("c", "x"), 0, 1, null);
            assertThat(t.send(agent, envelope)).failsWithin(java.time.Duration.ofSeconds(10))
                    .withThrowableOfType(java.util.concurrent.ExecutionException.class).havingCause()
                    .isInstanceOf(TransportException.class).withMessageContaining("redis://127.0.0.1:1/0");
            assertThatThrownBy(() -> t.listen(agent, (task, reply) -> { })).isInstanceOf(TransportException.class);
        }
    }
}
