package io.agentorchestrator.examples.bench;

import io.agentorchestrator.api.Agent;
import io.agentorchestrator.api.Balancer;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.core.Balancers;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JMH: the cost of one {@link Balancer#pick} per balancer and number of agents, on an immutable
 * candidate list as the engine passes it (its registry snapshot). Agents have weights 1-5,
 * in-flight counts 0-7 and latencies 1-20 ms, drawn from a fixed seed.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PickBenchmark {

    /** Every balancer the benchmark measures, by name. */
    public static final String[] BALANCERS = {"round-robin", "least-connections", "weighted-round-robin", "random", "p2c",
        "peak-ewma", "consistent-hash", "weighted-random"};

    @Param({"round-robin", "least-connections", "weighted-round-robin", "random", "p2c", "peak-ewma", "consistent-hash",
        "weighted-random"})
    public String balancer;

    @Param({"10", "1000", "10000"})
    public int agents;

    private List<Agent> candidates;
    private Balancer pick;
    private Task[] tasks;
    private int next;

    /** Builds the agents and tasks once per trial. */
    @Setup
    public void setUp() {
        Random random = new Random(42);
        List<Agent> list = new ArrayList<>(agents);
        for (int i = 0; i < agents; i++) {
            list.add(new BenchAgent(i, 1 + random.nextInt(5), random.nextInt(8), 1_000_000L + random.nextInt(19_000_000)));
        }
        candidates = List.copyOf(list);
        pick = Balancers.byName(balancer);
        tasks = new Task[1024];
        for (int i = 0; i < tasks.length; i++) {
            tasks[i] = Task.builder("bench").key("shipment-" + random.nextInt(100_000)).build();
        }
    }

    /** One pick. */
    @Benchmark
    public Agent pick() {
        return pick.pick(candidates, tasks[next++ & 1023]);
    }
}
