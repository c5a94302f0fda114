package io.agentorchestrator.examples;

import io.agentorchestrator.api.ProviderNotFoundException;
import io.agentorchestrator.core.Balancers;

/**
 * The runner's command-line options, parsed and checked.
 *
 * @param tasks    tasks to dispatch, {@value #MIN_TASKS} to {@value #MAX_TASKS}
 * @param balancer  name of the orchestrator's balancer, for {@link Balancers#byName}; null when the command line names none,
 *                  and then {@code ORCHESTRATOR_BALANCER} or {@value #DEFAULT_BALANCER} decides; see {@link #requireKnownBalancer()}
 * @param verbose   whether to log at INFO instead of WARN
 * @param help      whether to print the usage and exit
 * @param autoscale whether a scaling hook starts and stops extra in-process agents as the load rises and falls
 */
record DemoOptions(int tasks, String balancer, boolean verbose, boolean help, boolean autoscale) {

    /** Tasks dispatched when {@code --tasks} is absent. */
    static final int DEFAULT_TASKS = 300;
    /** Fewest tasks: the scene needs at least one per capability to mean anything. */
    static final int MIN_TASKS = 3;
    /** Most tasks: beyond this a run takes minutes (about 100 tasks/s with one agent down). */
    static final int MAX_TASKS = 5_000;
    /** Balancer when {@code --balancer} is absent. */
    static final String DEFAULT_BALANCER = "least-connections";

    /** Thrown for a command line that cannot be run; the message says what is wrong. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /** The options when none are given. */
    static DemoOptions defaults() {
        return new DemoOptions(DEFAULT_TASKS, null, false, false, false);
    }

    /**
     * Parses {@code args}. Accepts {@code --name value} and {@code --name=value}. Does not check
     * that the balancer exists: {@link #requireKnownBalancer()} does.
     *
     * @throws UsageException naming the option and the rule it breaks
     */
    static DemoOptions parse(String... args) throws UsageException {
        int tasks = DEFAULT_TASKS;
        String balancer = null;
        boolean verbose = false;
        boolean autoscale = false;
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String inlineValue = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                inlineValue = arg.substring(eq + 1);
            }
            switch (name) {
                case "-h", "--help" -> {
                    noValue(name, inlineValue);
                    help = true;
                }
                case "-v", "--verbose" -> {
                    noValue(name, inlineValue);
                    verbose = true;
                }
                case "--autoscale" -> {
                    noValue(name, inlineValue);
                    autoscale = true;
                }
                case "--tasks" -> {
                    String value = inlineValue != null ? inlineValue : valueAfter(args, i++, name);
                    tasks = parseTasks(value);
                }
                case "--balancer" -> {
                    String value = inlineValue != null ? inlineValue : valueAfter(args, i++, name);
                    balancer = value;
                }
                default -> throw new UsageException(arg.startsWith("-")
                        ? "unknown option '" + arg + "'"
                        : "unexpected argument '" + arg + "' (the runner takes options only)");
            }
        }
        return new DemoOptions(tasks, balancer, verbose, help, autoscale);
    }

    /** The help text: synopsis, options with their defaults and rules, exit codes. */
    static String usage() {
        return """
                Usage: java -jar orchestrator-examples.jar [options]

                Runs the halal logistics demo on the in-process transport (inproc:): nine agents for
                certificate verification, cold-chain monitoring and route planning take a few hundred
                concurrent tasks through the orchestrator; one route planner crashes halfway and the
                others take over. Prints a table per agent and, last, a line
                  demo: N tasks, N completed, M failed

                Options:
                  --tasks N        tasks to dispatch, %d to %d (default %d)
                  --balancer NAME  a balancer of the core or the classpath, such as round-robin,
                                   least-connections, weighted-round-robin, random, p2c, peak-ewma;
                                   an unknown name prints the full list (default: ORCHESTRATOR_BALANCER,
                                   else %s)
                  --autoscale      a scaling hook starts extra in-process agents while the demo's
                                   load is high and stops them when it falls, printing each step
                  -v, --verbose    log at INFO (default: WARN only)
                  -h, --help       print this help and exit

                The orchestrator also takes every setting from ORCHESTRATOR_* environment variables,
                -Dorchestrator.* system properties and the file ORCHESTRATOR_CONFIG_FILE names
                (README, Configuration); the options above win over them.

                Exit status: 0 when every task completed, 1 when some did not, 2 for a bad command line.

                Benchmarks: java -jar orchestrator-examples.jar bench <scenario> [--quick] [--json FILE]
                (bench --help lists the scenarios)
                """.formatted(MIN_TASKS, MAX_TASKS, DEFAULT_TASKS, DEFAULT_BALANCER);
    }

    private static void noValue(String name, String inlineValue) throws UsageException {
        if (inlineValue != null) {
            throw new UsageException("option " + name + " takes no value, but was given '" + inlineValue + "'");
        }
    }

    private static String valueAfter(String[] args, int i, String name) throws UsageException {
        if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
            throw new UsageException("option " + name + " needs a value");
        }
        return args[i + 1];
    }

    private static int parseTasks(String value) throws UsageException {
        int tasks;
        try {
            tasks = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(tasksRule(value));
        }
        if (tasks < MIN_TASKS || tasks > MAX_TASKS) {
            throw new UsageException(tasksRule(value));
        }
        return tasks;
    }

    private static String tasksRule(String value) {
        return "--tasks must be a whole number between " + MIN_TASKS + " and " + MAX_TASKS + ", but was '" + value + "'";
    }

    /**
     * Checks that {@link #balancer()} names a balancer on the classpath. Separate from
     * {@link #parse}, which touches nothing but its arguments: the lookup loads the core and with
     * it the logging backend, which must be configured first.
     *
     * @throws UsageException naming the option and the known balancers
     */
    DemoOptions requireKnownBalancer() throws UsageException {
        if (balancer == null) {
            return this;
        }
        try {
            Balancers.byName(balancer);
            return this;
        } catch (ProviderNotFoundException e) {
            throw new UsageException("--balancer: " + e.getMessage());
        }
    }
}
