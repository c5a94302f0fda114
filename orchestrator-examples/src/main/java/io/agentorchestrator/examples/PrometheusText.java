package io.agentorchestrator.examples;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the Prometheus text exposition format, as a scrape of {@link PrometheusEndpoint} returns
 * it, into samples: what the dashboard plot and the check of the dashboard's series work from.
 * Handles what Micrometer writes (no timestamps, label values without escaped quotes).
 */
final class PrometheusText {

    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"([^\"]*)\"");

    /** One sample line: series name, labels and value. */
    record Sample(String name, Map<String, String> labels, double value) {
    }

    private PrometheusText() {
    }

    /** The sample lines of {@code exposition}, comments skipped. */
    static List<Sample> parse(String exposition) {
        List<Sample> samples = new ArrayList<>();
        for (String line : exposition.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.indexOf(' ');
            Map<String, String> labels = new HashMap<>();
            String name;
            String rest;
            if (brace >= 0 && brace < space) {
                int close = line.lastIndexOf('}');
                name = line.substring(0, brace);
                Matcher m = LABEL.matcher(line.substring(brace, close));
                while (m.find()) {
                    labels.put(m.group(1), m.group(2));
                }
                rest = line.substring(close + 1).trim();
            } else {
                name = line.substring(0, space);
                rest = line.substring(space + 1).trim();
            }
            int end = rest.indexOf(' ');
            samples.add(new Sample(name, Map.copyOf(labels), number(end < 0 ? rest : rest.substring(0, end))));
        }
        return samples;
    }

    /** Sum of the values of series {@code name} whose labels pass {@code filter}; 0 when none. */
    static double sum(List<Sample> samples, String name, Predicate<Map<String, String>> filter) {
        double sum = 0;
        for (Sample s : samples) {
            if (s.name().equals(name) && filter.test(s.labels())) {
                sum += s.value();
            }
        }
        return sum;
    }

    /** A number as Prometheus writes it, {@code +Inf} and {@code NaN} included. */
    static double number(String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(text);
        };
    }
}
