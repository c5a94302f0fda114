package io.agentorchestrator.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.ValidationException;
import java.net.URI;
import org.junit.jupiter.api.Test;

class KeysTest {

    private final Keys keys = new Keys("ao");

    @Test
    void agentEndpointNamesTheAgentsOwnStreams() {
        Keys.Target t = keys.target(URI.create("redis:planner-1"));
        assertThat(t.shared()).isFalse();
        assertThat(t.stream(9)).isEqualTo("ao:agent:planner-1:p9");
        assertThat(t.streamsHighestFirst()).hasSize(10).startsWith("ao:agent:planner-1:p9").endsWith("ao:agent:planner-1:p0");
        assertThat(keys.target(URI.create("redis://planner-1")).base()).isEqualTo("ao:agent:planner-1");
    }

    @Test
    void capabilityEndpointNamesTheSharedStreams() {
        Keys.Target t = keys.target(URI.create("redis:capability/route-planning"));
        assertThat(t.shared()).isTrue();
        assertThat(t.stream(5)).isEqualTo("ao:capability:route-planning:p5");
    }

    @Test
    void otherKeys() {
        assertThat(keys.replies("abc")).isEqualTo("ao:replies:abc");
        assertThat(keys.done("t-1", 2)).isEqualTo("ao:done:t-1:2");
        assertThat(keys.deadLetter()).isEqualTo("ao:dead-letter");
        assertThat(keys.registry()).isEqualTo("ao:registry");
        assertThat(keys.leases()).isEqualTo("ao:registry:leases");
        assertThat(keys.registryChannel()).isEqualTo("ao:registry:events");
    }

    @Test
    void rejectsEndpointsThatNameNeither() {
        assertThatThrownBy(() -> keys.target(URI.create("redis:a/b"))).isInstanceOf(ValidationException.class)
                .hasMessage("endpoint must be redis:<agentId> or redis:capability/<capability>, but was 'redis:a/b'");
        assertThatThrownBy(() -> keys.target(URI.create("redis:capability/"))).isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("endpoint capability must be 1-128 characters");
    }
}
