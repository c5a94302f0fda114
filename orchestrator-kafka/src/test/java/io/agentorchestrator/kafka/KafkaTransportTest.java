package io.agentorchestrator.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.TransportException;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class KafkaTransportTest {

    private static final AgentDescriptor AGENT = AgentDescriptor.builder("a-1").capability("c").endpoint("kafka:a-1").build();

    @Test
    void sendToAnUnreachableBrokerFailsTypedWithinTheDeliveryTimeout() {
        try (KafkaTransport t = (KafkaTransport) new KafkaTransportProvider().create(URI.create("kafka://127.0.0.1:1?deliveryTimeoutMs=1000"))) {
            CompletableFuture<ResultEnvelope> reply = t.send(AGENT, TaskEnvelope.of(Task.of("c", "x"), System.currentTimeMillis() + 60_000, 1, null));
            assertThatThrownBy(() -> reply.get(20, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(TransportException.class);
            assertThat(((TransportException) catchCause(reply)).scheme()).isEqualTo("kafka");
        }
    }

    @Test
    void sendAfterCloseAndToAForeignEndpointFailsTypedAtOnce() {
        KafkaTransport t = (KafkaTransport) new KafkaTransportProvider().create(URI.create("kafka://127.0.0.1:1"));
        AgentDescriptor foreign = AgentDescriptor.builder("r-1").capability("c").endpoint("redis:r-1").build();
        TaskEnvelope task = TaskEnvelope.of(Task.of("c", Payload.empty().toByteArray()), 0, 1, null);
        assertThat(catchCause(t.send(foreign, task))).isInstanceOf(TransportException.class).hasMessageContaining("endpoint");
        t.close();
        assertThat(catchCause(t.send(AGENT, task))).isInstanceOf(TransportException.class).hasMessageContaining("closed");
    }

    private static Throwable catchCause(CompletableFuture<?> f) {
        try {
            f.get(20, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
