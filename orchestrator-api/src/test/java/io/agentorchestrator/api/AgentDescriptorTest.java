package io.agentorchestrator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AgentDescriptorTest {

    private static AgentDescriptor.Builder valid() {
        return AgentDescriptor.builder("planner-1").capability("route-planning").endpoint("inproc:planner-1");
    }

    @Test
    void buildsWithDefaults() {
        AgentDescriptor d = valid().build();
        assertThat(d.name()).isEqualTo("planner-1");
        assertThat(d.weight()).isEqualTo(AgentDescriptor.DEFAULT_WEIGHT);
        assertThat(d.maxConcurrency()).isEqualTo(AgentDescriptor.DEFAULT_MAX_CONCURRENCY);
        assertThat(d.version()).isEqualTo(AgentDescriptor.DEFAULT_VERSION);
        assertThat(d.scheme()).isEqualTo("inproc");
        assertThat(d.capabilities()).containsExactly("route-planning");
    }

    @Test
    void rejectsBlankOrMalformedIds() {
        assertThatThrownBy(() -> AgentDescriptor.builder("")).isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("id must be 1-128 characters").hasMessageEndingWith("but was ''");
        assertThatThrownBy(() -> AgentDescriptor.builder("  ")).hasMessageStartingWith("id must be");
        assertThatThrownBy(() -> AgentDescriptor.builder("bad id")).hasMessageEndingWith("but was 'bad id'");
        assertThatThrownBy(() -> AgentDescriptor.builder("-dash")).isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> AgentDescriptor.builder("x".repeat(129))).isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> AgentDescriptor.builder(null)).hasMessage("id must not be null, but was null");
    }

    @Test
    void rejectsWeightAndConcurrencyOutOfRange() {
        assertThatThrownBy(() -> valid().weight(0)).isInstanceOf(ValidationException.class)
                .hasMessage("weight must be between 1 and 1000, but was 0")
                .satisfies(e -> {
                    ValidationException v = (ValidationException) e;
                    assertThat(v.field()).isEqualTo("weight");
                    assertThat(v.value()).isEqualTo(0);
                });
        assertThatThrownBy(() -> valid().maxConcurrency(-3)).hasMessage("maxConcurrency must be between 1 and 100000, but was -3");
    }

    @Test
    void rejectsEndpointsWithoutSchemeOrName() {
        assertThatThrownBy(() -> valid().endpoint("planner-1")).isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("endpoint must be an absolute URI with a scheme");
        assertThatThrownBy(() -> valid().endpoint("inproc: bad")).hasMessageStartingWith("endpoint must be a valid URI");
        assertThatThrownBy(() -> valid().endpoint((String) null)).hasMessage("endpoint must not be null, but was null");
        assertThatThrownBy(() -> AgentDescriptor.builder("a").capability("c").build()).hasMessage("endpoint must be set, but was null");
    }

    @Test
    void acceptsCapabilitiesOfTheDocumentedAlphabetAndLengthOnly() {
        for (String ok : new String[] {"a", "9", "route-planning", "ns/sub:v1.2_x", "A" + "b".repeat(127)}) {
            assertThat(AgentDescriptor.requireCapability(ok, "capability")).isEqualTo(ok);
        }
        for (String bad : new String[] {"", "-lead", ".lead", "/lead", "tab\t", "é", "a b", "a?", "A" + "b".repeat(128)}) {
            assertThatThrownBy(() -> AgentDescriptor.requireCapability(bad, "capability"))
                    .isInstanceOf(ValidationException.class).hasMessageStartingWith("capability must be 1-128 characters");
        }
    }

    @Test
    void requiresACapabilityAndChecksEach() {
        assertThatThrownBy(() -> AgentDescriptor.builder("a").endpoint("inproc:a").build())
                .hasMessage("capabilities must hold at least one capability, but was []");
        assertThatThrownBy(() -> valid().capability("has space")).hasMessageStartingWith("capability must be 1-128 characters");
        assertThatThrownBy(() -> new AgentDescriptor("a", "a", Set.of("ok", "not ok"), URI.create("inproc:a"), 1, 1, Map.of(), "1"))
                .hasMessageContaining("'not ok'");
    }

    @Test
    void limitsMetadata() {
        Map<String, String> many = new HashMap<>();
        for (int i = 0; i <= AgentDescriptor.MAX_METADATA_ENTRIES; i++) {
            many.put("k" + i, "v");
        }
        assertThatThrownBy(() -> valid().metadata(many).build()).hasMessage("metadata must hold at most 64 entries, but was 65");
        assertThatThrownBy(() -> valid().metadata("zone", "x".repeat(1025)).build())
                .hasMessage("metadata['zone'] must be at most 1024 characters long, but was 1025");
        assertThatThrownBy(() -> valid().metadata(" ", "x").build()).hasMessageStartingWith("metadata key must be");
        assertThatThrownBy(() -> valid().metadata("zone", null)).hasMessage("metadata['zone'] must not be null, but was null");
    }

    @Test
    void collectionsAreImmutableCopies() {
        AgentDescriptor d = valid().metadata("zone", "kl-1").build();
        assertThatThrownBy(() -> d.capabilities().add("x")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> d.metadata().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
        assertThat(d.toBuilder().weight(3).build()).isEqualTo(valid().metadata("zone", "kl-1").weight(3).build());
    }
}
