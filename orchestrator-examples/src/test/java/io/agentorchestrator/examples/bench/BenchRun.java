package io.agentorchestrator.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs {@code bench ...} through {@link BenchCommand} as the jar would, and reads its JSON back. */
final class BenchRun {

    /** The scale of the test runs: they only prove a scenario runs, in a second or two. */
    static final String TINY = "0.02";

    final int status;
    final String out;
    final String err;
    final Map<String, Double> metrics;

    private BenchRun(int status, String out, String err, Map<String, Double> metrics) {
        this.status = status;
        this.out = out;
        this.err = err;
        this.metrics = metrics;
    }

    static BenchRun of(Path dir, String scenario, String... extra) throws Exception {
        Path json = dir.resolve(scenario + ".json");
        String[] args = new String[4 + extra.length + 2];
        args[0] = scenario;
        args[1] = "--quick";
        args[2] = "--scale";
        args[3] = TINY;
        System.arraycopy(extra, 0, args, 4, extra.length);
        args[args.length - 2] = "--json";
        args[args.length - 1] = json.toString();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = BenchCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        Map<String, Double> metrics = new LinkedHashMap<>();
        if (status == 0) {
            String text = Files.readString(json);
            assertThat(text).startsWith("{\"scenario\": \"" + scenario + "\", \"metrics\": {");
            Matcher m = Pattern.compile("\"([^\"]+)\": (-?[0-9.Ee+-]+)").matcher(text);
            while (m.find()) {
                metrics.put(m.group(1), Double.parseDouble(m.group(2)));
            }
        }
        return new BenchRun(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), metrics);
    }

    /** Asserts the run succeeded and reported every one of {@code names}, each a positive number. */
    BenchRun reportsPositive(String... names) {
        assertThat(status).as("exit status; stderr:%n%s", err).isZero();
        for (String name : names) {
            assertThat(metrics).as("metrics of the run").containsKey(name);
            assertThat(metrics.get(name)).as(name).isPositive();
        }
        return this;
    }
}
