package io.agentorchestrator.examples.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Balancer;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.core.AgentRuntime;
import io.agentorchestrator.core.Balancers;
import io.agentorchestrator.core.Orchestrator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CostAwareBalancerTest {

    @Test
    void isFoundByNameThroughServiceLoader() {
        Balancer b = Balancers.byName("cost-aware");
        assertThat(b).isInstanceOf(CostAwareBalancer.class);
    }

    @Test
    void sendsWorkToTheCheapestModelUntilItIsBusy() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<AgentRuntime> runtimes = new ArrayList<>();
        try (Orchestrator orchestrator = Orchestrator.builder().balancer("cost-aware").watchAgentDirectory(false).build()) {
            for (String[] model : new String[][] {{"cheap", "0.2"}, {"premium", "3.0"}}) {
                String id = model[0] + "-" + run;
                AgentDescriptor d = AgentDescriptor.builder(id).capability("summarise-" + run).endpoint("inproc:" + id)
                        .maxConcurrency(10).metadata("cost", model[1]).build();
                runtimes.add(AgentRuntime.builder(d).transport("inproc:").announce(false).handler(t -> Payload.ofUtf8(id)).start());
                orchestrator.register(d);
            }
            for (int i = 0; i < 20; i++) {
                String agent = orchestrator.dispatch(Task.of("summarise-" + run, "doc")).get(10, TimeUnit.SECONDS).agentId();
                assertThat(agent).startsWith("cheap-");
            }
        } finally {
            runtimes.forEach(r -> r.close(Duration.ZERO));
        }
    }
}
