package io.agentorchestrator.examples.bench;

import java.io.PrintStream;
import java.util.Map;

/** One benchmark scenario of {@code bench <name>}: runs, reports progress, returns its metrics. */
interface Scenario {

    /**
     * Runs the scenario.
     *
     * @param quick    finish in under 60 s on 2 cores, at the cost of precision
     * @param progress where to print progress while running
     * @return metric name to value, in a stable order
     */
    Map<String, Number> run(boolean quick, PrintStream progress) throws Exception;

    /** Runs the scenario with every option of the command line; scenarios that need none keep the default. */
    default Map<String, Number> run(BenchOptions options, PrintStream progress) throws Exception {
        return run(options.quick(), progress);
    }
}
