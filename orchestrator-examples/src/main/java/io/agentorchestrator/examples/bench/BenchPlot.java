package io.agentorchestrator.examples.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;

/**
 * {@code bench plot --out FILE.png RESULT.json...}: draws, from the JSON files of earlier runs,
 * one panel per scenario with the throughput of the orchestrator and of its baseline (raw client
 * or bare executor) at each in-flight level, as grouped bars labelled with their values. Drawn
 * with java.awt, headless; no plotting library.
 */
final class BenchPlot {

    static final int PANEL_WIDTH = 360;
    static final int HEIGHT = 380;
    private static final Pattern SCENARIO = Pattern.compile("\"scenario\"\\s*:\\s*\"([^\"]*)\"");
    private static final Pattern METRIC = Pattern.compile("\"([^\"]+)\"\\s*:\\s*(-?[0-9.eE+-]+)");
    private static final Pattern THROUGHPUT = Pattern.compile("throughput_per_s\\.(orchestrator|raw|baseline)(?:\\.(\\d+))?");
    private static final Color ORCHESTRATOR = new Color(0x2b6cb0);
    private static final Color BASELINE = new Color(0xa0aec0);

    private BenchPlot() {
    }

    /** One scenario's throughput per in-flight level: level to {orchestrator, baseline}. */
    record Panel(String scenario, String baselineName, TreeMap<Integer, double[]> levels) {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Path target = null;
        List<Path> inputs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--out") && i + 1 < args.length) {
                target = Path.of(args[++i]);
            } else if (args[i].startsWith("--out=")) {
                target = Path.of(args[i].substring(6));
            } else if (args[i].startsWith("-")) {
                err.println("error: unknown option '" + args[i] + "'");
                err.print(BenchCommand.usage());
                return 2;
            } else {
                inputs.add(Path.of(args[i]));
            }
        }
        if (target == null || inputs.isEmpty()) {
            err.println("error: bench plot needs --out FILE.png and at least one result JSON");
            err.print(BenchCommand.usage());
            return 2;
        }
        List<Panel> panels = new ArrayList<>();
        for (Path input : inputs) {
            try {
                Panel panel = parse(Files.readString(input, StandardCharsets.UTF_8));
                if (panel.levels().isEmpty()) {
                    err.println("error: " + input + " has no throughput_per_s.orchestrator / .raw / .baseline metrics to plot");
                    return 1;
                }
                panels.add(panel);
            } catch (IOException e) {
                err.println("error: cannot read " + input + ": " + e.getMessage());
                return 1;
            }
        }
        try {
            ImageIO.write(render(panels), "png", target.toFile());
        } catch (IOException e) {
            err.println("error: cannot write " + target + ": " + e.getMessage());
            return 1;
        }
        out.println("bench plot: " + panels.size() + " panel(s) written to " + target);
        return 0;
    }

    /** Reads the throughput metrics of one {@code bench --json} result; the plain names are 64 in flight. */
    static Panel parse(String json) {
        Matcher s = SCENARIO.matcher(json);
        String scenario = s.find() ? s.group(1) : "?";
        Map<String, Double> metrics = new LinkedHashMap<>();
        Matcher m = METRIC.matcher(json);
        while (m.find()) {
            metrics.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        TreeMap<Integer, double[]> levels = new TreeMap<>();
        String baselineName = "baseline";
        for (Map.Entry<String, Double> e : metrics.entrySet()) {
            Matcher t = THROUGHPUT.matcher(e.getKey());
            if (!t.matches()) {
                continue;
            }
            int level = t.group(2) == null ? 64 : Integer.parseInt(t.group(2));
            boolean orchestrator = t.group(1).equals("orchestrator");
            if (!orchestrator) {
                baselineName = t.group(1);
            }
            levels.computeIfAbsent(level, l -> new double[2])[orchestrator ? 0 : 1] = e.getValue();
        }
        return new Panel(scenario, baselineName, levels);
    }

    static BufferedImage render(List<Panel> panels) {
        BufferedImage image = new BufferedImage(PANEL_WIDTH * panels.size(), HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        for (int i = 0; i < panels.size(); i++) {
            drawPanel(g, panels.get(i), i * PANEL_WIDTH);
        }
        g.dispose();
        return image;
    }

    private static void drawPanel(Graphics2D g, Panel panel, int x0) {
        int left = x0 + 60;
        int right = x0 + PANEL_WIDTH - 15;
        int top = 50;
        int bottom = HEIGHT - 70;
        double max = 0;
        for (double[] v : panel.levels().values()) {
            max = Math.max(max, Math.max(v[0], v[1]));
        }
        max = niceCeiling(max);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString("bench " + panel.scenario(), left, 25);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        g.drawString("tasks/s", x0 + 8, top - 8);
        for (int t = 0; t <= 4; t++) {
            int y = bottom - (bottom - top) * t / 4;
            g.setColor(new Color(0xe2e8f0));
            g.drawLine(left, y, right, y);
            g.setColor(Color.DARK_GRAY);
            String label = compact(max * t / 4);
            g.drawString(label, left - 6 - g.getFontMetrics().stringWidth(label), y + 4);
        }
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1));
        g.drawLine(left, bottom, right, bottom);
        int groups = panel.levels().size();
        int groupWidth = (right - left) / Math.max(1, groups);
        int bar = Math.min(60, groupWidth / 3);
        int i = 0;
        for (Map.Entry<Integer, double[]> level : panel.levels().entrySet()) {
            int cx = left + groupWidth * i + groupWidth / 2;
            drawBar(g, cx - bar - 2, bar, level.getValue()[0], max, top, bottom, ORCHESTRATOR);
            drawBar(g, cx + 2, bar, level.getValue()[1], max, top, bottom, BASELINE);
            g.setColor(Color.BLACK);
            String label = level.getKey() + " in flight";
            g.drawString(label, cx - g.getFontMetrics().stringWidth(label) / 2, bottom + 16);
            i++;
        }
        int ly = HEIGHT - 30;
        g.setColor(ORCHESTRATOR);
        g.fillRect(left, ly - 9, 10, 10);
        g.setColor(Color.BLACK);
        g.drawString("orchestrator", left + 14, ly);
        g.setColor(BASELINE);
        g.fillRect(left + 110, ly - 9, 10, 10);
        g.setColor(Color.BLACK);
        g.drawString(panel.baselineName(), left + 124, ly);
    }

    private static void drawBar(Graphics2D g, int x, int width, double value, double max, int top, int bottom, Color color) {
        int h = max <= 0 ? 0 : (int) Math.round((bottom - top) * value / max);
        g.setColor(color);
        g.fillRect(x, bottom - h, width, h);
        g.setColor(Color.BLACK);
        String label = compact(value);
        g.drawString(label, x + (width - g.getFontMetrics().stringWidth(label)) / 2, bottom - h - 4);
    }

    /** 1, 2, 2.5 or 5 times a power of ten, at least {@code v}. */
    static double niceCeiling(double v) {
        if (v <= 0) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(v)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * magnitude >= v) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    static String compact(double v) {
        if (v >= 1_000_000) {
            return String.format(Locale.ROOT, "%.1fM", v / 1_000_000);
        }
        if (v >= 1_000) {
            return String.format(Locale.ROOT, "%.1fk", v / 1_000);
        }
        return String.format(Locale.ROOT, "%.0f", v);
    }
}
