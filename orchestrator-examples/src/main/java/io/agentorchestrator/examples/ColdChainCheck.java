package io.agentorchestrator.examples;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The work of a {@code cold-chain-monitoring} agent: reads a shipment's temperature log and
 * reports whether it stayed in its range (chilled 0 to 4 °C, frozen -25 to -18 °C).
 *
 * <p>Request: {@code shipment=SHP-000042;range=chilled;readings=2.1,3.4,...} (one reading every
 * 30 minutes). Reply: {@code shipment=...;status=OK|EXCURSION;min=..;max=..;mean=..;outOfRange=N;longestExcursionMinutes=M}.
 */
final class ColdChainCheck {

    /** Minutes between two readings in a log. */
    static final int READING_INTERVAL_MINUTES = 30;
    /** Readings in one sample log: a day. */
    static final int READINGS_PER_LOG = 48;

    private ColdChainCheck() {
    }

    /** Analyses one temperature log and returns the reply text. */
    static String analyse(String request) {
        Map<String, String> in = KeyValues.parse(request);
        String shipment = KeyValues.require(in, "shipment");
        String range = KeyValues.require(in, "range");
        double low;
        double high;
        switch (range) {
            case "chilled" -> {
                low = 0.0;
                high = 4.0;
            }
            case "frozen" -> {
                low = -25.0;
                high = -18.0;
            }
            default -> throw new IllegalArgumentException("range must be chilled or frozen, but was '" + range + "'");
        }
        String[] parts = KeyValues.require(in, "readings").split(",");
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        double sum = 0;
        int outOfRange = 0;
        int run = 0;
        int longestRun = 0;
        for (String part : parts) {
            double t = Double.parseDouble(part);
            min = Math.min(min, t);
            max = Math.max(max, t);
            sum += t;
            if (t < low || t > high) {
                outOfRange++;
                longestRun = Math.max(longestRun, ++run);
            } else {
                run = 0;
            }
        }
        Map<String, String> out = new LinkedHashMap<>();
        out.put("shipment", shipment);
        out.put("status", outOfRange == 0 ? "OK" : "EXCURSION");
        out.put("min", String.format(Locale.ROOT, "%.1f", min));
        out.put("max", String.format(Locale.ROOT, "%.1f", max));
        out.put("mean", String.format(Locale.ROOT, "%.2f", sum / parts.length));
        out.put("outOfRange", Integer.toString(outOfRange));
        out.put("longestExcursionMinutes", Integer.toString(longestRun * READING_INTERVAL_MINUTES));
        return KeyValues.format(out);
    }

    /** A sample log: a random walk inside the range, with an occasional door-open excursion. */
    static String sampleRequest(Random random, int shipmentNumber) {
        boolean frozen = random.nextInt(3) == 0;
        double centre = frozen ? -21.5 : 2.0;
        double t = centre;
        boolean excursion = random.nextInt(10) == 0;
        int excursionAt = random.nextInt(READINGS_PER_LOG - 4);
        StringBuilder readings = new StringBuilder();
        for (int i = 0; i < READINGS_PER_LOG; i++) {
            t += (random.nextDouble() - 0.5) * 0.6 + (centre - t) * 0.2;
            double reading = excursion && i >= excursionAt && i < excursionAt + 3 ? t + 4.5 : t;
            readings.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.1f", reading));
        }
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("shipment", String.format("SHP-%06d", shipmentNumber));
        fields.put("range", frozen ? "frozen" : "chilled");
        fields.put("readings", readings.toString());
        return KeyValues.format(fields);
    }
}
