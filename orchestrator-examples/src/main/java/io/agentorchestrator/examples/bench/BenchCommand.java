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
        SCENARIOS.put("codec", new CodecBench());
        SCENARIOS.put("tail", new TailBench());
        SCENARIOS.put("failover", FailoverBench::run);
        SCENARIOS.put("dispatch", new DispatchBench());
        SCENARIOS.put("registry", new RegistryBench());
        SCENARIOS.put("redis", new RedisBench());
        SCENARIOS.put("rabbitmq", new RabbitMqBench());
        SCENARIOS.put("kafka", new KafkaBench());
    }

    private BenchCommand() {
    }

    /** The usage text of the bench command. */
    public static String usage() {
        return """
                usage: java -jar orchestrator-examples.jar bench <scenario> [--quick] [--json FILE] [options]
                       java -jar orchestrator-examples.jar bench plot --out FILE.png RESULT.json...

                scenarios:
                  pick      ns per pick for every balancer at 10, 1,000 and 10,000 agents (JMH)
                  codec     ns and bytes per encode/decode of a 1 KiB task and result, vs the old Jackson generator (JMH)
                  tail      p50/p99/p99.9 latency and the slow agent's share, 8 agents, one 10x slower
                  failover  8 agents under load, two killed mid-run and one back: lost tasks, detection time
                  dispatch  in-process request/reply: orchestrator vs executor + CompletableFuture; metrics+events on vs off; tracing on vs off
                  registry  100,000 agents: heap, registrations/s, P2C pick (JMH); 1,000 agents heartbeating at once
                  redis     1 KiB request/reply at 1 and 64 in flight: redis: transport vs raw Jedis streams
                  rabbitmq  1 KiB request/reply at 1 and 64 in flight: amqp: transport vs raw amqp-client
                  kafka     1 KiB request/reply at 1 and 64 in flight: kafka: transport vs raw kafka-clients

                options:
                  --quick            finish each scenario in under 60 s (less precise)
                  --json FILE        also write {"scenario": ..., "metrics": {...}} to FILE
                  --redis URI        Redis of bench redis (default redis://127.0.0.1:6379)
                  --amqp URI         RabbitMQ of bench rabbitmq (default amqp://guest:guest@127.0.0.1:5672)
                  --bootstrap HOSTS  Kafka of bench kafka (default: an embedded broker started in this JVM)
                  --scale F          multiply durations and sizes by F (0 < F <= 1; the tests use a tiny one)

                plot: draws the throughput of orchestrator and baseline per in-flight level, one panel per
                result file, into a PNG.
                """;
    }

    /**
     * Runs {@code bench} with the arguments after the word {@code bench}.
     *
     * @return the exit status: 0 done, 1 the scenario failed, 2 bad command line
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length > 0 && args[0].equals("plot")) {
            return BenchPlot.run(java.util.Arrays.copyOfRange(args, 1, args.length), out, err);
        }
        String scenario = null;
        boolean quick = false;
        Path json = null;
        double scale = 1;
        String redis = BenchOptions.DEFAULT_REDIS;
        String amqp = BenchOptions.DEFAULT_AMQP;
        String bootstrap = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String option = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            boolean valued = option.equals("--json") || option.equals("--redis") || option.equals("--amqp") || option.equals("--bootstrap")
                    || option.equals("--scale");
            String value = null;
            if (valued) {
                value = a.contains("=") ? a.substring(a.indexOf('=') + 1) : (i + 1 < args.length ? args[++i] : null);
                if (value == null || value.isBlank()) {
                    return usageError(err, option + " needs a value");
                }
            }
            if (a.equals("--quick")) {
                quick = true;
            } else if (option.equals("--json")) {
                json = Path.of(value);
            } else if (option.equals("--redis")) {
                redis = value;
            } else if (option.equals("--amqp")) {
                amqp = value;
            } else if (option.equals("--bootstrap")) {
                bootstrap = value;
            } else if (option.equals("--scale")) {
                try {
                    scale = Double.parseDouble(value);
                } catch (NumberFormatException e) {
                    scale = Double.NaN;
                }
                if (!(scale > 0 && scale <= 1)) {
                    return usageError(err, "--scale must be a number > 0 and <= 1, but was " + value);
                }
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
            metrics = s.run(new BenchOptions(quick, scale, redis, amqp, bootstrap), err);
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
