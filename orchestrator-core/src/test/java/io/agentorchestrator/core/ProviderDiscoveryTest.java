package io.agentorchestrator.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.ProviderNotFoundException;
import io.agentorchestrator.api.ValidationException;
import org.junit.jupiter.api.Test;

class ProviderDiscoveryTest {

    @Test
    void missingBrokerTransportNamesTheArtifactToAdd() {
        assertThatThrownBy(() -> Orchestrator.builder().transport("kafka://localhost:9092"))
                .isInstanceOf(ProviderNotFoundException.class)
                .hasMessage("No transport for scheme 'kafka'. Add io.agentorchestrator:orchestrator-kafka to the classpath.");
        assertThatThrownBy(() -> Orchestrator.builder().transport("rediss://localhost"))
                .hasMessageContaining("io.agentorchestrator:orchestrator-redis");
        assertThatThrownBy(() -> Orchestrator.builder().transport("amqp://guest:guest@localhost"))
                .hasMessageContaining("io.agentorchestrator:orchestrator-rabbitmq");
    }

    @Test
    void unknownSchemeListsTheKnownOnes() {
        assertThatThrownBy(() -> Orchestrator.builder().transport("carrier-pigeon:coop"))
                .isInstanceOf(ProviderNotFoundException.class)
                .hasMessageContaining("No transport for scheme 'carrier-pigeon'. Known schemes: http, https, inproc;")
                .satisfies(e -> assertThat(((ProviderNotFoundException) e).kind()).isEqualTo("transport"));
    }

    @Test
    void malformedTransportUrisAreRejectedWithTheField() {
        assertThatThrownBy(() -> Orchestrator.builder().transport("no-scheme")).isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("transport must be a URI with a scheme");
        assertThatThrownBy(() -> Orchestrator.builder().transport("redis://bad host")).isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("transport must be a valid URI");
        assertThatThrownBy(() -> Orchestrator.builder().transport((String) null)).hasMessage("transport must not be null, but was null");
    }

    @Test
    void inProcessIsFoundAndIsTheDefault() throws Exception {
        try (Orchestrator o = Orchestrator.builder().transport("inproc:").build(); Orchestrator d = Orchestrator.builder().build()) {
            assertThat(o).isNotNull();
            assertThat(d).isNotNull();
        }
    }

    @Test
    void builderValuesAreCheckedWhenSet() {
        assertThatThrownBy(() -> Orchestrator.builder().maxAttempts(0)).hasMessage("maxAttempts must be between 1 and 100, but was 0");
        assertThatThrownBy(() -> Orchestrator.builder().defaultTimeout(java.time.Duration.ofMillis(-1)))
                .hasMessage("defaultTimeout must be > 0, but was PT-0.001S");
        assertThatThrownBy(() -> Orchestrator.builder().maxQueuedTasks(-1))
                .hasMessage("maxQueuedTasks must be between 0 and 10000000, but was -1");
        assertThatThrownBy(() -> Orchestrator.builder().balancer((io.agentorchestrator.api.Balancer) null))
                .hasMessage("balancer must not be null, but was null");
    }
}
