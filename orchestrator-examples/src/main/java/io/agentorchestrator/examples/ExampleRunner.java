package io.agentorchestrator.examples;

import io.agentorchestrator.api.OrchestratorException;
import io.agentorchestrator.api.ProviderNotFoundException;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.config.OrchestratorConfig;
import io.agentorchestrator.examples.bench.BenchCommand;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;

/**
 * Entry point of {@code orchestrator-examples.jar}: runs the halal logistics demo on the
 * in-process transport and prints a report per agent, then, as its last line,
 * {@code demo: N tasks, C completed, F failed}.
 *
 * <p>Run {@code java -jar orchestrator-examples.jar --help} for the options. Exit status 0 when
 * every task completed, 1 when some did not, 2 for a bad command line.
 */
public final class ExampleRunner {

    /** Exit status when every task completed. */
    public static final int EXIT_OK = 0;
    /** Exit status when some task did not complete, or the demo itself broke. */
    public static final int EXIT_INCOMPLETE = 1;
    /** Exit status for a command line that cannot be run. */
    public static final int EXIT_USAGE = 2;

    private ExampleRunner() {
    }

    /**
     * Runs the demo with the given command line and exits the JVM with its status.
     *
     * @param args see {@code --help}
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the demo without exiting: the testable body of {@link #main}.
     *
     * @return the exit status
     */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length > 0 && args[0].equals("bench")) {
            return BenchCommand.run(Arrays.copyOfRange(args, 1, args.length), out, err);
        }
        DemoOptions options;
        OrchestratorConfig config;
        try {
            options = DemoOptions.parse(args);
            if (options.help()) {
                out.print(DemoOptions.usage());
                return EXIT_OK;
            }
            // slf4j-simple reads its level once, when the first logger is created: set it before
            // anything of the core is loaded, the balancer lookup included.
            if (options.verbose()) {
                System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
            }
            options.requireKnownBalancer();
            config = configuration();
        } catch (DemoOptions.UsageException e) {
            err.println("error: " + e.getMessage());
            err.println();
            err.print(DemoOptions.usage());
            return EXIT_USAGE;
        }

        if (options.live()) {
            return LiveDemo.runUntilInterrupted(options, out, err);
        }
        DemoResult result;
        PrometheusEndpoint endpoint = null;
        try {
            if (options.prometheusPort() != 0) {
                endpoint = PrometheusEndpoint.start(options.prometheusPort());
                out.println("metrics: serving " + endpoint.url());
            }
            result = new DemoRun(options, out::println, config, endpoint == null ? null : endpoint.registry()).run();
        } catch (java.io.IOException e) {
            err.println("error: --prometheus-port " + options.prometheusPort() + " cannot be served: " + e.getMessage());
            return EXIT_USAGE;
        } catch (ValidationException | ProviderNotFoundException e) {
            // A configured value the builder refused: nothing has started yet.
            err.println("error: configuration: " + e.getMessage());
            return EXIT_USAGE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("error: interrupted");
            out.println(DemoResult.summaryLine(options.tasks(), 0, options.tasks()));
            return EXIT_INCOMPLETE;
        } catch (RuntimeException e) {
            err.println("error: the demo broke: " + e);
            e.printStackTrace(err);
            out.println(DemoResult.summaryLine(options.tasks(), 0, options.tasks()));
            return EXIT_INCOMPLETE;
        }
        print(result, out);
        if (endpoint != null) {
            out.println("metrics: still serving " + endpoint.url() + "; stop the runner (Ctrl-C) when done");
            try {
                Thread.currentThread().join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                endpoint.close();
            }
        }
        return result.allCompleted() ? EXIT_OK : EXIT_INCOMPLETE;
    }

    /** The orchestrator settings of the environment (README, Configuration); a bad one is a usage error. */
    private static OrchestratorConfig configuration() throws DemoOptions.UsageException {
        try {
            return OrchestratorConfig.fromSystem();
        } catch (OrchestratorException e) {
            throw new DemoOptions.UsageException("configuration: " + e.getMessage());
        }
    }

    private static void print(DemoResult result, PrintStream out) {
        out.println();
        out.print(ReportTable.render(result.agents()));
        out.println();
        out.println(String.format(Locale.ROOT, "%d tasks in %.1f s; %d failed attempt(s) retried on another agent; "
                + "end-to-end latency (queueing included) p50 %d ms, p99 %d ms",
                result.tasks(), result.elapsed().toNanos() / 1e9, result.retries(), result.endToEndP50Ms(), result.endToEndP99Ms()));
        if (result.crash() != null) {
            out.println("crashed: " + result.crash().agentId() + " with " + result.crash().inFlightAtCrash()
                    + " task(s) in flight; the other agents took over");
        }
        for (String anomaly : result.anomalies()) {
            out.println("problem: " + anomaly);
        }
        out.println(result.summaryLine());
    }
}
