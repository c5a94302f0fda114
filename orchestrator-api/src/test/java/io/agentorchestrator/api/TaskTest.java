package io.agentorchestrator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TaskTest {

    @Test
    void generatesUniqueVersionFourIds() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String id = Task.of("cap", "x").id();
            assertThat(java.util.UUID.fromString(id).version()).isEqualTo(4);
            ids.add(id);
        }
        assertThat(ids).hasSize(10_000);
    }

    @Test
    void validatesEachField() {
        assertThatThrownBy(() -> Task.builder("bad cap")).hasMessageStartingWith("capability must be");
        assertThatThrownBy(() -> Task.builder("c").priority(10)).hasMessage("priority must be between 0 and 9, but was 10");
        assertThatThrownBy(() -> Task.builder("c").timeout(Duration.ZERO)).hasMessage("timeout must be > 0, but was PT0S");
        assertThatThrownBy(() -> Task.builder("c").payload((Payload) null)).hasMessage("payload must not be null, but was null");
        assertThatThrownBy(() -> Task.builder("c").header("bad name", "v")).hasMessageStartingWith("header name must be");
        assertThatThrownBy(() -> Task.builder("c").key("")).hasMessage("key must be 1-256 characters, but was ''");
        assertThatThrownBy(() -> Task.builder("c").id("no spaces")).hasMessageStartingWith("id must be");
    }

    @Test
    void payloadIsCopiedAndNeverLogged() {
        byte[] bytes = {1, 2, 3};
        Task t = Task.of("c", bytes);
        bytes[0] = 9;
        assertThat(t.payload().toByteArray()).containsExactly(1, 2, 3);
        assertThat(t.payload().toString()).isEqualTo("Payload[3 bytes]");
        assertThat(t.toString()).doesNotContain("1, 2, 3");
    }

    @Test
    void ofIsTheBuilderWithDefaults() {
        Payload payload = Payload.ofUtf8("p");
        Task of = Task.of("c", payload);
        Task built = Task.builder("c").id(of.id()).payload(payload).build();
        assertThat(of).isEqualTo(built);
        assertThat(of.priority()).isEqualTo(Task.DEFAULT_PRIORITY);
        assertThat(of.headers()).isEmpty();
        assertThat(of.requirements()).isEmpty();
        assertThat(of.timeout()).isEmpty();
        assertThat(of.cacheable()).isFalse();
        assertThatThrownBy(() -> Task.of("bad cap", payload)).hasMessageStartingWith("capability must be");
        assertThatThrownBy(() -> Task.of("c", (Payload) null)).hasMessage("payload must not be null, but was null");
        // The text and byte overloads are the same task, checked in the same order.
        Task text = Task.of("c", "p");
        assertThat(text).isEqualTo(Task.builder("c").id(text.id()).payload("p").build());
        Task bytes = Task.of("c", new byte[] {1, 2});
        assertThat(bytes).isEqualTo(Task.builder("c").id(bytes.id()).payload(Payload.of(new byte[] {1, 2})).build());
        assertThatThrownBy(() -> Task.of("bad cap", (String) null)).hasMessageStartingWith("capability must be");
        assertThatThrownBy(() -> Task.of("bad cap", (byte[]) null)).hasMessageStartingWith("capability must be");
        assertThatThrownBy(() -> Task.of("c", (String) null)).hasMessage("payload must not be null, but was null");
        assertThatThrownBy(() -> Task.of("c", (byte[]) null)).hasMessageContaining("must not be null");
        // The builder's maps start lazily: a copy of a task with headers and requirements keeps both.
        Task rich = Task.builder("c").header("h", "1").require("zone", "eu").build();
        assertThat(rich.toBuilder().build()).isEqualTo(rich);
        assertThat(rich.toBuilder().header("h2", "2").build().headers()).containsExactly(java.util.Map.entry("h", "1"),
                java.util.Map.entry("h2", "2"));
    }

    @Test
    void toBuilderKeepsEverything() {
        Task t = Task.builder("c").payload("p").priority(8).timeout(Duration.ofSeconds(2)).key("k").header("traceparent", "x").build();
        assertThat(t.toBuilder().build()).isEqualTo(t);
    }

    @Test
    void envelopeRejectsMalformedWireFields() {
        assertThatThrownBy(() -> new TaskEnvelope(1, "id", "cap", Payload.empty(), 12, 0, null, null, 1, null))
                .hasMessage("priority must be between 0 and 9, but was 12");
        assertThatThrownBy(() -> new TaskEnvelope(0, "id", "cap", Payload.empty(), 1, 0, null, null, 1, null))
                .hasMessage("version must be >= 1, but was 0");
        assertThatThrownBy(() -> new ResultEnvelope(1, "id", "agent", false, null, null, null, false))
                .hasMessage("errorCode must not be null, but was null");
    }
}
