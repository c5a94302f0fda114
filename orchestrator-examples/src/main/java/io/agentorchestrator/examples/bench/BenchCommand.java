package io.agentorchestrator.examples.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code bench <scenario> [--quick] [--json FILE]}: runs one benchmark scenario, prints its
 * metrics as a table and, with {@code --json}, writes {@code {"scenario": "...", "metrics": {...}}}.
 */
public final class BenchCommand {

    private static final Map<String, Scenario> SCENARIOS = new LinkedHashMap<>();

    static {
        SCENARIOS.put("pick", new PickBench());
        SCENARIOS.put("tail", new TailBench());
        SCENARIOS.put("failover", FailoverBench::run);
    }

    private BenchCommand() {
    }

    /** The usage text of the bench command. */
    public static String usage() {
        return """
                usage: java -jar orchestrator-examples.jar bench <scenario> [--quick] [--json FILE]

                scenarios:
                  pick      ns per pick for every balancer at 10, 1,000 and 10,000 agents (JMH)
                  tail      p50/p99/p99.9 latency and the slow agent's share, 8 agents, one 10x slower
                  failover  8 agents under load, two killed mid-run and one back: lost tasks, detection time

                options:
                  --quick      finish each scenario in under 60 s (less precise)
                  --json FILE  also write {"scenario": ..., "metrics": {...}} to FILE
                """;
    }

    /**
     * Runs {@code bench} with the arguments after the word {@code bench}.
     *
     * @return the exit status: 0 done, 1 the scenario failed, 2 bad command line
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        String scenario = null;
        boolean quick = false;
        Path json = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--quick")) {
                quick = true;
            } else if (a.equals("--json") || a.startsWith("--json=")) {
                String value = a.startsWith("--json=") ? a.substring(7) : (i + 1 < args.length ? args[++i] : null);
                if (value == null || value.isBlank()) {
                    return usageError(err, "--json needs a file name");
                }
                json = Path.of(value);
            } else if (a.equals("-h") || a.equals("--help")) {
                out.print(usage());
                return 0;
            } else if (a.startsWith("-")) {
                return usageError(err, "unknown option '" + a + "'");
            } else if (scenario == null) {
                scenario = a;
            } else {
                return usageError(err, "only one scenario at a time, but got '" + scenario + "' and '" + a + "'");
            }
        }
        if (scenario == null) {
            return usageError(err, "bench needs a scenario: one of " + String.join(", ", SCENARIOS.keySet()));
        }
        Scenario s = SCENARIOS.get(scenario.toLowerCase(Locale.ROOT));
        if (s == null) {
            return usageError(err, "unknown scenario '" + scenario + "'; known: " + String.join(", ", SCENARIOS.keySet()));
        }
        Map<String, Number> metrics;
        long start = System.nanoTime();
        try {
            metrics = s.run(quick, err);
        } catch (Exception e) {
            err.println("error: bench " + scenario + " failed: " + e);
            e.printStackTrace(err);
            return 1;
        }
        out.printf("bench %s%s: %.1f s%n", scenario, quick ? " (quick)" : "", (System.nanoTime() - start) / 1e9);
        printTable(metrics, out);
        if (json != null) {
            try {
                Files.writeString(json, toJson(scenario, metrics), StandardCharsets.UTF_8);
            } catch (IOException e) {
                err.println("error: cannot write " + json + ": " + e.getMessage());
                return 1;
            }
        }
        return 0;
    }

    private static int usageError(PrintStream err, String message) {
        err.println("error: " + message);
        err.println();
        err.print(usage());
        return 2;
    }

    static void printTable(Map<String, Number> metrics, PrintStream out) {
        int width = 6;
        for (String k : metrics.keySet()) {
            width = Math.max(width, k.length());
        }
        out.printf("%-" + width + "s  %12s%n", "metric", "value");
        for (Map.Entry<String, Number> e : metrics.entrySet()) {
            out.printf("%-" + width + "s  %12s%n", e.getKey(), e.getValue());
        }
    }

    /** The metrics as one JSON object; names are ours (no escaping needed beyond quotes). */
    static String toJson(String scenario, Map<String, Number> metrics) {
        StringBuilder b = new StringBuilder("{\"scenario\": \"").append(scenario).append("\", \"metrics\": {");
        boolean first = true;
        for (Map.Entry<String, Number> e : metrics.entrySet()) {
            if (!first) {
                b.append(", ");
            }
            first = false;
            Number v = e.getValue();
            String number = (v instanceof Double || v instanceof Float) && !Double.isFinite(v.doubleValue()) ? "null" : v.toString();
            b.append('"').append(e.getKey().replace("\"", "\\\"")).append("\": ").append(number);
        }
        return b.append("}}\n").toString();
    }
}
