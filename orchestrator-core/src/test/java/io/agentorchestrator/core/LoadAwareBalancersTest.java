package io.agentorchestrator.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.agentorchestrator.api.Agent;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentStatus;
import io.agentorchestrator.api.Balancer;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.ValidationException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** p2c, peak-ewma, consistent-hash and weighted-random. */
class LoadAwareBalancersTest {

    /** An agent whose load, latency and weight the test sets. */
    static final class TestAgent implements Agent {
        final AgentDescriptor descriptor;
        int inFlight;
        long latency;

        TestAgent(String id, int weight) {
            descriptor = AgentDescriptor.builder(id).capability("c").endpoint("inproc:" + id).weight(weight).build();
        }

        TestAgent load(int inFlight) {
            this.inFlight = inFlight;
            return this;
        }

        TestAgent latency(long nanos) {
            this.latency = nanos;
            return this;
        }

        @Override
        public AgentDescriptor descriptor() {
            return descriptor;
        }

        @Override
        public AgentStatus status() {
            return AgentStatus.HEALTHY;
        }

        @Override
        public int inFlight() {
            return inFlight;
        }

        @Override
        public long latencyEwmaNanos() {
            return latency;
        }
    }

    private static final Task TASK = Task.of("c", "x");

    private static List<TestAgent> agents(int n) {
        List<TestAgent> agents = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            agents.add(new TestAgent("agent-" + i, 1));
        }
        return agents;
    }

    @Test
    void p2cNeverPicksTheMostLoadedOfThree() {
        List<TestAgent> agents = List.of(new TestAgent("a", 1).load(1), new TestAgent("b", 1).load(9), new TestAgent("c", 1).load(2));
        Balancer p2c = Balancers.powerOfTwoChoices();
        for (int i = 0; i < 10_000; i++) {
            assertThat(p2c.pick(agents, TASK).id()).isNotEqualTo("b");
        }
    }

    @Test
    void p2cComparesLoadPerUnitOfWeight() {
        TestAgent light = new TestAgent("light", 1).load(2);
        TestAgent heavy = new TestAgent("heavy", 3).load(4);
        assertThat(Balancers.powerOfTwoChoices().pick(List.of(light, heavy), TASK).id()).isEqualTo("heavy");
        heavy.load(9);
        assertThat(Balancers.powerOfTwoChoices().pick(List.of(light, heavy), TASK).id()).isEqualTo("light");
    }

    @Test
    void p2cSpreadsEvenlyOverIdleAgents() {
        List<TestAgent> agents = agents(4);
        Map<String, Integer> counts = new HashMap<>();
        Balancer p2c = Balancers.powerOfTwoChoices();
        for (int i = 0; i < 40_000; i++) {
            counts.merge(p2c.pick(agents, TASK).id(), 1, Integer::sum);
        }
        assertThat(counts.values()).allSatisfy(n -> assertThat(n).isBetween(9_000, 11_000));
    }

    @Test
    void peakEwmaAvoidsTheSlowAgentAndWeighsLoad() {
        TestAgent fast = new TestAgent("fast", 1).latency(1_000_000);
        TestAgent slow = new TestAgent("slow", 1).latency(10_000_000);
        Balancer b = Balancers.peakEwma();
        assertThat(b.pick(List.of(fast, slow), TASK).id()).isEqualTo("fast");
        fast.load(9);
        assertThat(b.pick(List.of(fast, slow), TASK).id()).as("10 ms × 10 in flight costs more than 10 ms × 1").isEqualTo("fast");
        fast.load(10);
        assertThat(b.pick(List.of(fast, slow), TASK).id()).isEqualTo("slow");
    }

    @Test
    void peakEwmaTriesAnUnsampledAgentWhileIdleButPenalisesItOtherwise() {
        TestAgent known = new TestAgent("known", 1).latency(50_000_000).load(3);
        TestAgent fresh = new TestAgent("fresh", 1);
        Balancer b = Balancers.peakEwma(Duration.ofSeconds(1));
        assertThat(b.pick(List.of(known, fresh), TASK).id()).isEqualTo("fresh");
        fresh.load(1);
        assertThat(b.pick(List.of(known, fresh), TASK).id()).isEqualTo("known");
        assertThatThrownBy(() -> Balancers.peakEwma(Duration.ZERO)).isInstanceOf(ValidationException.class)
                .hasMessage("unsampledPenalty must be > 0, but was PT0S");
    }

    @Test
    void consistentHashKeepsAKeyOnOneAgent() {
        List<TestAgent> agents = agents(10);
        Balancer b = Balancers.consistentHash();
        for (int k = 0; k < 1_000; k++) {
            Task task = Task.builder("c").key("shipment-" + k).build();
            String first = b.pick(agents, task).id();
            for (int i = 0; i < 5; i++) {
                assertThat(b.pick(agents, task).id()).isEqualTo(first);
            }
        }
    }

    @Test
    void removingOneOfTenAgentsRemapsOnlyItsKeys() {
        List<TestAgent> ten = agents(10);
        List<TestAgent> nine = ten.subList(0, 9);
        Balancer b = Balancers.consistentHash();
        int keys = 100_000;
        int moved = 0;
        int onRemoved = 0;
        for (int k = 0; k < keys; k++) {
            Task task = Task.builder("c").key("session-" + k).build();
            String before = b.pick(ten, task).id();
            String after = b.pick(nine, task).id();
            if (before.equals("agent-9")) {
                onRemoved++;
            } else if (!before.equals(after)) {
                moved++;
            }
        }
        assertThat(moved).as("keys of the remaining agents that moved").isZero();
        assertThat((double) onRemoved / keys).as("share of keys remapped").isLessThanOrEqualTo(0.15).isGreaterThan(0.05);
    }

    @Test
    void boundedLoadKeepsEveryAgentUnderOnePointTwoFiveTimesTheAverage() {
        List<TestAgent> agents = agents(10);
        Balancer b = Balancers.consistentHash();
        int picks = 100_000;
        for (int i = 0; i < picks; i++) {
            // A skewed key space: a handful of hot shipments get most tasks.
            String key = "shipment-" + (i % 10 < 7 ? i % 3 : i);
            TestAgent chosen = (TestAgent) b.pick(agents, Task.builder("c").key(key).build());
            chosen.inFlight++;
        }
        double average = picks / 10.0;
        assertThat(agents).allSatisfy(a -> assertThat(a.inFlight).isLessThanOrEqualTo((int) (1.25 * average)));
    }

    @Test
    void consistentHashSharesFollowWeights() {
        List<TestAgent> agents = List.of(new TestAgent("a", 1), new TestAgent("b", 3));
        Balancer b = Balancers.consistentHash();
        int onB = 0;
        for (int k = 0; k < 40_000; k++) {
            if (b.pick(agents, Task.builder("c").key("k" + k).build()).id().equals("b")) {
                onB++;
            }
        }
        assertThat(onB / 40_000.0).isCloseTo(0.75, within(0.02));
        assertThatThrownBy(() -> Balancers.consistentHash(1.0)).hasMessage("loadFactor must be > 1 and <= 100, but was 1.0");
    }

    @Test
    void weightedRandomFollowsWeightsWithAndWithoutItsAliasTable() {
        for (int n : new int[] {3, 30}) {
            List<TestAgent> agents = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                agents.add(new TestAgent("a" + i, 1 + i % 3));
            }
            List<TestAgent> frozen = List.copyOf(agents);
            Balancer b = Balancers.weightedRandom();
            Map<Integer, Integer> byWeight = new HashMap<>();
            int picks = 120_000;
            for (int i = 0; i < picks; i++) {
                byWeight.merge(b.pick(frozen, TASK).weight(), 1, Integer::sum);
            }
            int w1 = byWeight.get(1);
            assertThat(byWeight.get(2) / (double) w1).isCloseTo(2.0, within(0.1));
            assertThat(byWeight.get(3) / (double) w1).isCloseTo(3.0, within(0.15));
        }
    }

    @Test
    void weightChangesTakeEffectOnTheNextSnapshot() {
        Balancer b = Balancers.weightedRandom();
        List<TestAgent> before = List.of(new TestAgent("a", 1), new TestAgent("b", 1));
        for (int i = 0; i < 100; i++) {
            b.pick(before, TASK);
        }
        List<TestAgent> after = List.of(new TestAgent("a", 1), new TestAgent("b", 9));
        int onB = 0;
        for (int i = 0; i < 20_000; i++) {
            if (b.pick(after, TASK).id().equals("b")) {
                onB++;
            }
        }
        assertThat(onB / 20_000.0).isCloseTo(0.9, within(0.02));
    }
}
