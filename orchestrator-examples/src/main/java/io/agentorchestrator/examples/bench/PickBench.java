package io.agentorchestrator.examples.bench;

import java.io.PrintStream;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * {@code bench pick}: nanoseconds per pick for every balancer at 10, 1,000 and 10,000 agents
 * ({@link PickBenchmark}, run by JMH), as {@code pick_ns.<balancer>.<agents>}.
 */
final class PickBench implements Scenario {

    @Override
    public Map<String, Number> run(boolean quick, PrintStream progress) throws Exception {
        Options options = new OptionsBuilder()
                .include(PickBenchmark.class.getName() + ".pick")
                .forks(1)
                .warmupIterations(quick ? 1 : 5)
                .warmupTime(TimeValue.milliseconds(quick ? 200 : 1_000))
                .measurementIterations(quick ? 2 : 5)
                .measurementTime(TimeValue.milliseconds(quick ? 150 : 1_000))
                .jvmArgsAppend("-Xms256m", "-Xmx256m")
                .verbosity(VerboseMode.SILENT)
                .build();
        progress.printf("bench pick: %d balancers x 3 sizes under JMH (%s)%n", PickBenchmark.BALANCERS.length,
                quick ? "quick" : "full");
        Collection<RunResult> results = new Runner(options).run();
        Map<String, Double> byKey = new LinkedHashMap<>();
        for (RunResult r : results) {
            String balancer = r.getParams().getParam("balancer");
            String agents = r.getParams().getParam("agents");
            byKey.put("pick_ns." + balancer + "." + agents, r.getPrimaryResult().getScore());
        }
        Map<String, Number> metrics = new LinkedHashMap<>();
        for (String balancer : PickBenchmark.BALANCERS) {
            for (String agents : new String[] {"10", "1000", "10000"}) {
                String key = "pick_ns." + balancer + "." + agents;
                Double v = byKey.get(key);
                if (v != null) {
                    metrics.put(key, Math.round(v * 10) / 10.0);
                }
            }
        }
        return metrics;
    }
}
