package io.agentorchestrator.examples;

import java.util.ArrayList;
import java.util.List;

/** Renders the per-agent rows of a {@link DemoResult} as a plain-text table, numbers right-aligned. */
final class ReportTable {

    private static final String[] HEADER = {
        "agent", "capability", "weight", "max", "status", "completed", "failures", "p50 ms", "p99 ms",
    };
    /** Which columns hold text (left-aligned); the others hold numbers. */
    private static final boolean[] TEXT = {true, true, false, false, true, false, false, false, false};

    private ReportTable() {
    }

    /** The table, one line per agent after a header and a rule, each line ending in a newline. */
    static String render(List<DemoResult.AgentRow> rows) {
        List<String[]> cells = new ArrayList<>();
        cells.add(HEADER);
        for (DemoResult.AgentRow row : rows) {
            cells.add(new String[] {
                row.id(), row.capability(), Integer.toString(row.weight()), Integer.toString(row.maxConcurrency()),
                row.status(), Long.toString(row.completed()), Long.toString(row.failures()), millis(row.p50Ms()),
                millis(row.p99Ms()),
            });
        }
        int[] widths = new int[HEADER.length];
        for (String[] line : cells) {
            for (int c = 0; c < line.length; c++) {
                widths[c] = Math.max(widths[c], line[c].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (int r = 0; r < cells.size(); r++) {
            appendLine(out, cells.get(r), widths);
            if (r == 0) {
                String[] rule = new String[widths.length];
                for (int c = 0; c < widths.length; c++) {
                    rule[c] = "-".repeat(widths[c]);
                }
                appendLine(out, rule, widths);
            }
        }
        return out.toString();
    }

    private static void appendLine(StringBuilder out, String[] line, int[] widths) {
        StringBuilder text = new StringBuilder();
        for (int c = 0; c < line.length; c++) {
            if (c > 0) {
                text.append("  ");
            }
            String pad = " ".repeat(widths[c] - line[c].length());
            text.append(TEXT[c] ? line[c] + pad : pad + line[c]);
        }
        out.append(text.toString().stripTrailing()).append('\n');
    }

    private static String millis(long ms) {
        return ms < 0 ? "-" : Long.toString(ms);
    }
}
