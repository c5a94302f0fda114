package io.agentorchestrator.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The in-process benchmark scenarios run once each at a tiny size: only to prove they run and
 * report the metrics the README and the issue name. Their figures mean nothing at this size.
 */
class BenchScenariosTest {

    @TempDir
    Path dir;

    @Test
    void dispatchReportsOrchestratorBaselineAndObservabilityFigures() throws Exception {
        BenchRun run = BenchRun.of(dir, "dispatch").reportsPositive("throughput_per_s.orchestrator", "throughput_per_s.baseline",
                "ratio.vs_baseline", "p99_us.orchestrator", "ratio.observability_on_vs_off", "throughput_per_s.orchestrator.1",
                "ratio.vs_baseline.1", "events_seen.observability_on", "ratio.tracing_on_vs_off", "observations_seen.tracing_on");
        assertThat(run.metrics).as("the subscriber's losses are reported, none or more").containsKey("events_dropped.observability_on");
        assertThat(run.out).contains("ratio.vs_baseline").contains("bench dispatch (quick)");
        assertThat(run.err).as("progress").contains("round 1/12");
    }

    @Test
    void registryReportsHeapRegistrationsPickAndHeartbeats() throws Exception {
        BenchRun run = BenchRun.of(dir, "registry").reportsPositive("register_per_s", "pick_ns.p2c.2000", "heartbeats_per_s.20_agents");
        // At 2,000 agents the heap figure is within the collector's noise: only its presence is checked.
        assertThat(run.metrics).containsKey("heap_mb.per_100k_agents");
        assertThat(run.metrics.get("all_registered_ms.20_agents")).as("time until all 20 agents were seen").isNotNegative();
    }

    @Test
    void plotDrawsOnePanelPerResultFile() throws Exception {
        BenchRun.of(dir, "dispatch").reportsPositive("throughput_per_s.orchestrator");
        Path png = dir.resolve("plot.png");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = BenchCommand.run(new String[] {"plot", "--out", png.toString(), dir.resolve("dispatch.json").toString(),
            dir.resolve("dispatch.json").toString()}, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        assertThat(status).isZero();
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(2 * BenchPlot.PANEL_WIDTH);
        assertThat(image.getHeight()).isEqualTo(BenchPlot.HEIGHT);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("2 panel(s)");
    }

    @Test
    void plotReadsTheInFlightLevelFromTheMetricName() {
        BenchPlot.Panel panel = BenchPlot.parse("{\"scenario\": \"redis\", \"metrics\": {\"throughput_per_s.orchestrator.1\": 10, "
                + "\"throughput_per_s.raw.1\": 20, \"throughput_per_s.orchestrator\": 300, \"throughput_per_s.raw\": 400, \"ratio.vs_raw\": 0.75}}");
        assertThat(panel.scenario()).isEqualTo("redis");
        assertThat(panel.baselineName()).isEqualTo("raw");
        assertThat(panel.levels()).containsOnlyKeys(1, 64);
        assertThat(panel.levels().get(1)).containsExactly(10.0, 20.0);
        assertThat(panel.levels().get(64)).containsExactly(300.0, 400.0);
    }

    @Test
    void rejectsAScaleOutsideZeroToOne() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = BenchCommand.run(new String[] {"dispatch", "--scale", "2"}, System.out, new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--scale must be a number > 0 and <= 1, but was 2");
        assertThat(Files.list(dir)).isEmpty();
    }
}
