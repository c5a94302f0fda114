package io.agentorchestrator.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.agentorchestrator.api.Agent;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentStatus;
import io.agentorchestrator.api.Balancer;
import io.agentorchestrator.api.ProviderNotFoundException;
import io.agentorchestrator.api.Task;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

class BalancersTest {

    /** A fixed view of an agent, as a balancer sees one. */
    record FakeAgent(AgentDescriptor descriptor, int inFlight) implements Agent {
        static FakeAgent of(String id, int weight, int inFlight) {
            return new FakeAgent(AgentDescriptor.builder(id).capability("c").endpoint("inproc:" + id).weight(weight).build(), inFlight);
        }

        @Override
        public AgentStatus status() {
            return AgentStatus.HEALTHY;
        }

        @Override
        public long latencyEwmaNanos() {
            return 0;
        }
    }

    private static final Task TASK = Task.of("c", "x");

    private static Map<String, Integer> count(Balancer balancer, List<FakeAgent> agents, int picks) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < picks; i++) {
            counts.merge(balancer.pick(agents, TASK).id(), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void weightedRoundRobinFollowsWeightsOneTwoThreeWithinTwoPercent() {
        List<FakeAgent> agents = List.of(FakeAgent.of("a", 1, 0), FakeAgent.of("b", 2, 0), FakeAgent.of("c", 3, 0));
        Map<String, Integer> counts = count(Balancers.weightedRoundRobin(), agents, 60_000);
        assertThat(counts.get("a") / 10_000.0).isCloseTo(1.0, within(0.02));
        assertThat(counts.get("b") / 10_000.0).isCloseTo(2.0, within(0.04));
        assertThat(counts.get("c") / 10_000.0).isCloseTo(3.0, within(0.06));
    }

    @Test
    void weightedRoundRobinIsSmoothLikeNginx() {
        List<FakeAgent> agents = List.of(FakeAgent.of("a", 5, 0), FakeAgent.of("b", 1, 0), FakeAgent.of("c", 1, 0));
        Balancer b = Balancers.weightedRoundRobin();
        StringBuilder order = new StringBuilder();
        for (int i = 0; i < 14; i++) {
            order.append(b.pick(agents, TASK).id());
        }
        assertThat(order.toString()).isEqualTo("aabacaa" + "aabacaa");
    }

    @Test
    void weightedRoundRobinFollowsWeightChanges() {
        Balancer b = Balancers.weightedRoundRobin();
        count(b, List.of(FakeAgent.of("a", 1, 0), FakeAgent.of("b", 1, 0)), 100);
        Map<String, Integer> counts = count(b, List.of(FakeAgent.of("a", 1, 0), FakeAgent.of("b", 3, 0)), 4_000);
        assertThat(counts).containsEntry("a", 1_000).containsEntry("b", 3_000);
    }

    @Test
    void weightedRoundRobinKeepsSharesWhenTheCycleIsTooLongToPrecompute() {
        List<FakeAgent> agents = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            agents.add(FakeAgent.of("a" + i, i == 0 ? 1000 : 997, 0));
        }
        Map<String, Integer> counts = count(Balancers.weightedRoundRobin(), agents, 400_000);
        assertThat(counts).hasSize(200);
        double expectedShare = 1000.0 / (1000 + 199 * 997);
        assertThat(counts.get("a0") / 400_000.0).isCloseTo(expectedShare, within(expectedShare * 0.1));
    }

    @Test
    void leastConnectionsNeverPicksABusierAgentWhenAnIdleOneExists() {
        Balancer b = Balancers.leastConnections();
        for (int round = 0; round < 10_000; round++) {
            ThreadLocalRandom r = ThreadLocalRandom.current();
            List<FakeAgent> agents = new ArrayList<>();
            int idle = r.nextInt(5);
            for (int i = 0; i < 5; i++) {
                agents.add(FakeAgent.of("a" + i, 1, i == idle ? 0 : 1 + r.nextInt(10)));
            }
            assertThat(b.pick(agents, TASK).inFlight()).isZero();
        }
    }

    @Test
    void leastConnectionsPicksTheLeastLoadedAndSpreadsTies() {
        Balancer b = Balancers.leastConnections();
        assertThat(b.pick(List.of(FakeAgent.of("a", 1, 4), FakeAgent.of("b", 1, 2), FakeAgent.of("c", 1, 3)), TASK).id()).isEqualTo("b");
        Map<String, Integer> ties = count(b, List.of(FakeAgent.of("a", 1, 0), FakeAgent.of("b", 1, 0), FakeAgent.of("c", 1, 0)), 3_000);
        assertThat(ties.values()).allSatisfy(n -> assertThat(n).isBetween(800, 1200));
    }

    @Test
    void roundRobinTakesEachInTurn() {
        List<FakeAgent> agents = List.of(FakeAgent.of("a", 1, 0), FakeAgent.of("b", 9, 0), FakeAgent.of("c", 1, 0));
        Map<String, Integer> counts = count(Balancers.roundRobin(), agents, 3_000);
        assertThat(counts).containsEntry("a", 1000).containsEntry("b", 1000).containsEntry("c", 1000);
    }

    @Test
    void randomIsRoughlyUniform() {
        List<FakeAgent> agents = List.of(FakeAgent.of("a", 1, 0), FakeAgent.of("b", 1, 0), FakeAgent.of("c", 1, 0), FakeAgent.of("d", 1, 0));
        Map<String, Integer> counts = count(Balancers.random(), agents, 40_000);
        assertThat(counts.values()).allSatisfy(n -> assertThat(n).isBetween(9_000, 11_000));
    }

    @Test
    void findsBuiltInsByNameAndNamesTheKnownOnesOtherwise() {
        for (String name : List.of("round-robin", "least-connections", "weighted-round-robin", "weighted", "random", "ROUND-ROBIN",
                "p2c", "peak-ewma", "consistent-hash", "weighted-random")) {
            assertThat(Balancers.byName(name)).isNotNull();
        }
        assertThatThrownBy(() -> Balancers.byName("p3c")).isInstanceOf(ProviderNotFoundException.class)
                .hasMessageContaining("No balancer named 'p3c'")
                .hasMessageContaining("consistent-hash, least-connections, p2c, peak-ewma, random, round-robin, weighted, weighted-random, weighted-round-robin")
                .hasMessageContaining("META-INF/services/io.agentorchestrator.api.BalancerProvider");
    }
}
