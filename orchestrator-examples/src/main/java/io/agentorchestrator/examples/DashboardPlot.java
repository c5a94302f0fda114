package io.agentorchestrator.examples;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javax.imageio.ImageIO;

/**
 * Draws the panels of {@code observability/grafana-dashboard.json} from a real demo run: runs the
 * demo with its meters served by {@link PrometheusEndpoint}, scrapes the endpoint over HTTP twice
 * a second, computes what the dashboard's queries compute (rates over a 2 s window, quantiles
 * from histogram buckets) and renders a PNG with {@code java.awt}, headless. The README's plot is
 * made with it:
 *
 * <pre>
 * java -cp orchestrator-examples/target/orchestrator-examples.jar io.agentorchestrator.examples.DashboardPlot docs/observability-dashboard.png 3000
 * </pre>
 */
public final class DashboardPlot {

    /** Time between scrapes. */
    static final long SCRAPE_MILLIS = 500;
    /** Scrapes a rate spans, as {@code rate(x[2s])} would. */
    static final int WINDOW = 4;

    private static final int WIDTH = 1400;
    private static final int PANEL_HEIGHT = 330;
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
        new Color(0x9467bd), new Color(0x8c564b)};

    /** One scrape: seconds since the first, and its samples. */
    record Frame(double seconds, List<PrometheusText.Sample> samples) {
    }

    /** One chart: a title, a unit for its axis, and named lines of (seconds, value) points. */
    record Panel(String title, String unit, Map<String, List<double[]>> lines) {
    }

    private DashboardPlot() {
    }

    /**
     * Runs the demo, scrapes it and writes the plot.
     *
     * @param args the PNG file to write, then optionally the number of tasks (default 3000)
     */
    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: DashboardPlot OUTPUT.png [TASKS]");
            System.exit(2);
        }
        System.setProperty("java.awt.headless", "true");
        int tasks = args.length == 2 ? Integer.parseInt(args[1]) : 3000;
        List<Frame> frames = record(tasks, System.out::println);
        render(panels(frames), Path.of(args[0]), "Agent Orchestrator: demo run, " + tasks + " tasks, in-process transport");
        System.out.println("wrote " + args[0] + " from " + frames.size() + " scrapes");
    }

    /** Runs the demo with {@code tasks} tasks and returns its scrapes, one every {@value #SCRAPE_MILLIS} ms. */
    static List<Frame> record(int tasks, java.util.function.Consumer<String> progress) throws Exception {
        List<Frame> frames = new ArrayList<>();
        try (PrometheusEndpoint endpoint = PrometheusEndpoint.start(0)) {
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest scrape = HttpRequest.newBuilder(URI.create(endpoint.url())).build();
            DemoOptions options = new DemoOptions(tasks, DemoOptions.DEFAULT_BALANCER, false, false, false);
            CompletableFuture<DemoResult> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return new DemoRun(options, progress, endpoint.registry()).run();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            });
            long start = System.nanoTime();
            boolean last = false;
            while (!last) {
                last = run.isDone();
                String body = http.send(scrape, HttpResponse.BodyHandlers.ofString()).body();
                frames.add(new Frame((System.nanoTime() - start) / 1e9, PrometheusText.parse(body)));
                if (!last) {
                    try {
                        run.get(SCRAPE_MILLIS, TimeUnit.MILLISECONDS);
                    } catch (java.util.concurrent.TimeoutException e) {
                        // next scrape
                    }
                }
            }
            progress.accept(run.join().summaryLine());
        }
        return frames;
    }

    /** The dashboard's panels over the recorded scrapes. */
    static List<Panel> panels(List<Frame> frames) {
        TreeSet<String> capabilities = new TreeSet<>();
        for (Frame f : frames) {
            for (PrometheusText.Sample s : f.samples()) {
                if (s.name().equals("orchestrator_agents")) {
                    capabilities.add(s.labels().get("capability"));
                }
            }
        }
        Map<String, List<double[]>> throughput = new LinkedHashMap<>();
        Map<String, List<double[]>> healthy = new LinkedHashMap<>();
        for (String c : capabilities) {
            Predicate<Map<String, String>> of = l -> c.equals(l.get("capability"));
            throughput.put(c, rate(frames, "orchestrator_tasks_completed_total", of));
            healthy.put(c, gauge(frames, "orchestrator_agents", l -> of.test(l) && "healthy".equals(l.get("status"))));
        }
        Map<String, List<double[]>> trouble = new LinkedHashMap<>();
        trouble.put("retries", rate(frames, "orchestrator_retries_total", l -> true));
        trouble.put("failed tasks", rate(frames, "orchestrator_tasks_failed_total", l -> true));
        trouble.put("failed attempts", rate(frames, "orchestrator_attempt_latency_seconds_count", l -> !"success".equals(l.get("outcome"))));
        Map<String, List<double[]>> latency = new LinkedHashMap<>();
        Predicate<Map<String, String>> success = l -> "success".equals(l.get("outcome"));
        latency.put("p50", quantile(frames, 0.50, "orchestrator_task_latency_seconds_bucket", success));
        latency.put("p95", quantile(frames, 0.95, "orchestrator_task_latency_seconds_bucket", success));
        latency.put("p99", quantile(frames, 0.99, "orchestrator_task_latency_seconds_bucket", success));
        Map<String, List<double[]>> attempt = new LinkedHashMap<>();
        attempt.put("attempt p99", quantile(frames, 0.99, "orchestrator_attempt_latency_seconds_bucket", success));
        Map<String, List<double[]>> load = new LinkedHashMap<>();
        load.put("in flight", gauge(frames, "orchestrator_tasks_in_flight", l -> true));
        load.put("queued", gauge(frames, "orchestrator_tasks_queued", l -> true));
        return List.of(
                new Panel("Tasks completed per second", "tasks/s", throughput),
                new Panel("Retries and failures per second", "1/s", trouble),
                new Panel("End-to-end latency of successful tasks", "s", latency),
                new Panel("Attempt latency p99 (successful attempts)", "s", attempt),
                new Panel("Healthy agents by capability", "agents", healthy),
                new Panel("Tasks in flight and queued", "tasks", load));
    }

    private static List<double[]> gauge(List<Frame> frames, String name, Predicate<Map<String, String>> filter) {
        List<double[]> points = new ArrayList<>();
        for (Frame f : frames) {
            points.add(new double[] {f.seconds(), PrometheusText.sum(f.samples(), name, filter)});
        }
        return points;
    }

    /** Per-second increase over the last {@value #WINDOW} scrapes, like {@code rate(name[2s])}. */
    private static List<double[]> rate(List<Frame> frames, String name, Predicate<Map<String, String>> filter) {
        List<double[]> points = new ArrayList<>();
        for (int i = WINDOW; i < frames.size(); i++) {
            Frame from = frames.get(i - WINDOW);
            Frame to = frames.get(i);
            double delta = PrometheusText.sum(to.samples(), name, filter) - PrometheusText.sum(from.samples(), name, filter);
            points.add(new double[] {to.seconds(), Math.max(0, delta) / (to.seconds() - from.seconds())});
        }
        return points;
    }

    /** {@code histogram_quantile(q, sum by (le) (increase(name[2s])))}; no point where nothing was observed. */
    private static List<double[]> quantile(List<Frame> frames, double q, String name, Predicate<Map<String, String>> filter) {
        List<double[]> points = new ArrayList<>();
        for (int i = WINDOW; i < frames.size(); i++) {
            TreeMap<Double, Double> buckets = new TreeMap<>();
            addBuckets(buckets, frames.get(i).samples(), name, filter, 1);
            addBuckets(buckets, frames.get(i - WINDOW).samples(), name, filter, -1);
            double value = quantile(q, buckets);
            if (!Double.isNaN(value)) {
                points.add(new double[] {frames.get(i).seconds(), value});
            }
        }
        return points;
    }

    private static void addBuckets(TreeMap<Double, Double> buckets, List<PrometheusText.Sample> samples, String name,
            Predicate<Map<String, String>> filter, int sign) {
        for (PrometheusText.Sample s : samples) {
            if (s.name().equals(name) && filter.test(s.labels())) {
                buckets.merge(PrometheusText.number(s.labels().get("le")), sign * s.value(), Double::sum);
            }
        }
    }

    /** Prometheus' interpolation: linear within the bucket the rank falls in; the highest finite bound for +Inf. */
    static double quantile(double q, TreeMap<Double, Double> cumulative) {
        if (cumulative.isEmpty()) {
            return Double.NaN;
        }
        double total = cumulative.lastEntry().getValue();
        if (total <= 0) {
            return Double.NaN;
        }
        double rank = q * total;
        double lowerBound = 0;
        double lowerCount = 0;
        for (Map.Entry<Double, Double> b : cumulative.entrySet()) {
            if (b.getValue() >= rank) {
                if (b.getKey().isInfinite()) {
                    return lowerBound;
                }
                double inBucket = b.getValue() - lowerCount;
                return inBucket <= 0 ? b.getKey() : lowerBound + (b.getKey() - lowerBound) * (rank - lowerCount) / inBucket;
            }
            lowerBound = b.getKey();
            lowerCount = b.getValue();
        }
        return lowerBound;
    }

    /** Renders the panels two per row into a PNG. */
    static void render(List<Panel> panels, Path out, String title) throws IOException {
        int rows = (panels.size() + 1) / 2;
        int height = 60 + rows * PANEL_HEIGHT;
        BufferedImage image = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(new Color(0xf7f8fa));
            g.fillRect(0, 0, WIDTH, height);
            g.setColor(new Color(0x222222));
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 20));
            g.drawString(title, 20, 36);
            double maxSeconds = 0;
            for (Panel p : panels) {
                for (List<double[]> line : p.lines().values()) {
                    for (double[] point : line) {
                        maxSeconds = Math.max(maxSeconds, point[0]);
                    }
                }
            }
            for (int i = 0; i < panels.size(); i++) {
                int x = (i % 2) * (WIDTH / 2) + 10;
                int y = 60 + (i / 2) * PANEL_HEIGHT;
                drawPanel(g, panels.get(i), x, y, WIDTH / 2 - 20, PANEL_HEIGHT - 16, Math.max(1, maxSeconds));
            }
        } finally {
            g.dispose();
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        ImageIO.write(image, "png", out.toFile());
    }

    private static void drawPanel(Graphics2D g, Panel panel, int x, int y, int w, int h, double maxSeconds) {
        g.setColor(Color.WHITE);
        g.fillRect(x, y, w, h);
        g.setColor(new Color(0xd0d4da));
        g.drawRect(x, y, w, h);
        g.setColor(new Color(0x222222));
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(panel.title(), x + 12, y + 22);
        int left = x + 64;
        int right = x + w - 16;
        int top = y + 40;
        int bottom = y + h - 56;
        double max = 0;
        for (List<double[]> line : panel.lines().values()) {
            for (double[] p : line) {
                max = Math.max(max, p[1]);
            }
        }
        max = 4 * niceCeiling(max / 4);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        FontMetrics fm = g.getFontMetrics();
        for (int t = 0; t <= 4; t++) {
            int ty = bottom - (bottom - top) * t / 4;
            g.setColor(new Color(0xeceef1));
            g.drawLine(left, ty, right, ty);
            g.setColor(new Color(0x555555));
            String label = format(max * t / 4);
            g.drawString(label, left - 6 - fm.stringWidth(label), ty + 4);
        }
        double step = niceCeiling(maxSeconds / 6);
        for (double t = 0; t <= maxSeconds; t += step) {
            int tx = left + (int) Math.round((right - left) * t / maxSeconds);
            String label = String.format(Locale.ROOT, "%.0f s", t);
            g.drawString(label, tx - fm.stringWidth(label) / 2, bottom + 16);
        }
        g.drawString(panel.unit(), x + 12, top - 4);
        int legendX = left;
        int color = 0;
        for (Map.Entry<String, List<double[]>> line : panel.lines().entrySet()) {
            Color c = PALETTE[color++ % PALETTE.length];
            g.setColor(c);
            // Each line thinner than the one before, so lines that coincide stay visible.
            g.setStroke(new BasicStroke(Math.max(1.2f, 4f - 1.1f * (color - 1))));
            int[] xs = new int[line.getValue().size()];
            int[] ys = new int[xs.length];
            for (int i = 0; i < xs.length; i++) {
                double[] p = line.getValue().get(i);
                xs[i] = left + (int) Math.round((right - left) * p[0] / maxSeconds);
                ys[i] = bottom - (int) Math.round((bottom - top) * (max == 0 ? 0 : p[1] / max));
            }
            g.drawPolyline(xs, ys, xs.length);
            g.fillRect(legendX, bottom + 30, 14, 4);
            g.setColor(new Color(0x333333));
            g.drawString(line.getKey(), legendX + 18, bottom + 36);
            legendX += 28 + fm.stringWidth(line.getKey());
        }
        g.setStroke(new BasicStroke(1f));
    }

    /** 1, 2 or 5 times a power of ten, at least {@code value}; 1 for nothing. */
    private static double niceCeiling(double value) {
        if (value <= 0 || Double.isNaN(value)) {
            return 1;
        }
        double power = Math.pow(10, Math.floor(Math.log10(value)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * power >= value) {
                return m * power;
            }
        }
        return 10 * power;
    }

    private static String format(double v) {
        if (v == 0) {
            return "0";
        }
        if (Math.abs(v) >= 10) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        return String.format(Locale.ROOT, v >= 1 ? "%.1f" : "%.2f", v);
    }
}
