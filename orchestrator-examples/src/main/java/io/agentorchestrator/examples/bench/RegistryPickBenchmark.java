package io.agentorchestrator.examples.bench;

import io.agentorchestrator.api.Agent;
import io.agentorchestrator.api.Balancer;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.core.Balancers;
import io.agentorchestrator.core.Orchestrator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * JMH: one {@link Balancer#pick} over the agents a real orchestrator holds after registering
 * {@code agents} of them for one capability: the engine's own agent objects, as a dispatch sees
 * them, rather than {@link BenchAgent} stand-ins.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RegistryPickBenchmark {

    @Param({"p2c"})
    public String balancer;

    @Param({"100000"})
    public int agents;

    private Orchestrator orchestrator;
    private List<Agent> candidates;
    private Balancer pick;
    private Task task;

    /** Registers the agents once per trial. */
    @Setup
    public void setUp() {
        orchestrator = Orchestrator.builder().watchAgentDirectory(false).build();
        RegistryBench.register(orchestrator, "pick", agents);
        candidates = orchestrator.agents(RegistryBench.capability("pick"));
        pick = Balancers.byName(balancer);
        task = Task.of(RegistryBench.capability("pick"), "x");
    }

    /** Closes the orchestrator. */
    @TearDown
    public void tearDown() {
        orchestrator.close();
    }

    /** One pick. */
    @Benchmark
    public Agent pick() {
        return pick.pick(candidates, task);
    }
}
