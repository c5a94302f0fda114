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
 * @param adminPort with {@code --admin-port}, the port of the admin server and dashboard of a demo that
 *                  runs until interrupted; {@value #NO_ADMIN_PORT} without it
 * @param prometheusPort port to serve the meters on in Prometheus format ({@code --prometheus-port}), 0 for none
 */
record DemoOptions(int tasks, String balancer, boolean verbose, boolean help, boolean autoscale, int adminPort, int prometheusPort) {

    /** {@link #adminPort()} when {@code --admin-port} is absent: the demo runs its tasks and ends. */
    static final int NO_ADMIN_PORT = -1;

    /** Options of a demo that runs its tasks and ends, without a Prometheus endpoint. */
    DemoOptions(int tasks, String balancer, boolean verbose, boolean help, boolean autoscale) {
        this(tasks, balancer, verbose, help, autoscale, NO_ADMIN_PORT, 0);
    }

    /** Whether the demo runs live with the admin server until interrupted. */
    boolean live() {
        return adminPort != NO_ADMIN_PORT;
    }

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
        int adminPort = NO_ADMIN_PORT;
        int prometheusPort = 0;
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
                case "--admin-port" -> {
                    String value = inlineValue != null ? inlineValue : valueAfter(args, i++, name);
                    adminPort = parseAdminPort(value);
                }
                case "--balancer" -> {
                    String value = inlineValue != null ? inlineValue : valueAfter(args, i++, name);
                    balancer = value;
                }
                case "--prometheus-port" -> {
                    String value = inlineValue != null ? inlineValue : valueAfter(args, i++, name);
                    prometheusPort = parsePort(value);
                }
                default -> throw new UsageException(arg.startsWith("-")
                        ? "unknown option '" + arg + "'"
                        : "unexpected argument '" + arg + "' (the runner takes options only)");
            }
        }
        return new DemoOptions(tasks, balancer, verbose, help, autoscale, adminPort, prometheusPort);
    }

    private static int parseAdminPort(String value) throws UsageException {
        String rule = "--admin-port must be a port number between 0 and 65535, but was '" + value + "'";
        try {
            int port = Integer.parseInt(value.trim());
            if (port < 0 || port > 65_535) {
                throw new UsageException(rule);
            }
            return port;
        } catch (NumberFormatException e) {
            throw new UsageException(rule);
        }
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
                  --admin-port N   instead, run the scene until interrupted (Ctrl-C) with the admin API
                                   and live dashboard on 127.0.0.1:N (0: any free port): tasks
                                   trickle in and agents fail and recover in turn; the dashboard
                                   address with its token is printed (token: a fresh one, plus
                                   ORCHESTRATOR_ADMIN_TOKENS / ORCHESTRATOR_READ_TOKENS if set)
                  --prometheus-port N
                                   serve the orchestrator's meters at http://127.0.0.1:N/metrics
                                   in Prometheus format during the run, and after it until the
                                   runner is stopped (Ctrl-C); with --admin-port, while the live
                                   demo runs; 1 to 65535 (default: off)
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

    private static int parsePort(String value) throws UsageException {
        String rule = "--prometheus-port must be a port number between 1 and 65535, but was '" + value + "'";
        try {
            int port = Integer.parseInt(value.trim());
            if (port < 1 || port > 65_535) {
                throw new UsageException(rule);
            }
            return port;
        } catch (NumberFormatException e) {
            throw new UsageException(rule);
        }
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
