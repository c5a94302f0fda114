package io.agentorchestrator.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plot's arithmetic (what the dashboard's PromQL computes) and its rendering, on made-up scrapes. */
class DashboardPlotTest {

    @Test
    void quantileInterpolatesWithinTheBucketLikePrometheus() {
        TreeMap<Double, Double> cumulative = new TreeMap<>();
        cumulative.put(0.1, 50.0);
        cumulative.put(0.5, 90.0);
        cumulative.put(1.0, 100.0);
        cumulative.put(Double.POSITIVE_INFINITY, 100.0);
        assertThat(DashboardPlot.quantile(0.5, cumulative)).isCloseTo(0.1, within(1e-9));
        assertThat(DashboardPlot.quantile(0.7, cumulative)).isCloseTo(0.3, within(1e-9));
        assertThat(DashboardPlot.quantile(0.99, cumulative)).isCloseTo(0.95, within(1e-9));
        cumulative.put(Double.POSITIVE_INFINITY, 200.0);
        assertThat(DashboardPlot.quantile(0.99, cumulative)).as("beyond the last finite bound").isEqualTo(1.0);
        assertThat(DashboardPlot.quantile(0.5, new TreeMap<>())).isNaN();
    }

    @Test
    void parsesTheTextFormat() {
        List<PrometheusText.Sample> samples = PrometheusText.parse("""
                # HELP orchestrator_tasks_completed_total Tasks
                # TYPE orchestrator_tasks_completed_total counter
                orchestrator_tasks_completed_total{capability="plan",outcome="success"} 12.0
                orchestrator_task_latency_seconds_bucket{capability="plan",outcome="success",le="+Inf"} 12
                orchestrator_tasks_in_flight 3.0
                """);
        assertThat(samples).hasSize(3);
        assertThat(PrometheusText.sum(samples, "orchestrator_tasks_completed_total", l -> "plan".equals(l.get("capability")))).isEqualTo(12);
        assertThat(samples.get(1).labels()).containsEntry("le", "+Inf");
        assertThat(samples.get(2).value()).isEqualTo(3);
    }

    @Test
    void rendersEveryPanelFromScrapes(@TempDir Path dir) throws Exception {
        List<DashboardPlot.Frame> frames = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            frames.add(new DashboardPlot.Frame(i * 0.5, PrometheusText.parse(
                    "orchestrator_agents{capability=\"plan\",status=\"healthy\"} 2\n"
                    + "orchestrator_tasks_completed_total{capability=\"plan\",outcome=\"success\"} " + (10 * i) + "\n"
                    + "orchestrator_task_latency_seconds_bucket{capability=\"plan\",outcome=\"success\",le=\"0.1\"} " + (10 * i) + "\n"
                    + "orchestrator_task_latency_seconds_bucket{capability=\"plan\",outcome=\"success\",le=\"+Inf\"} " + (10 * i) + "\n"
                    + "orchestrator_tasks_in_flight " + i + "\n")));
        }
        List<DashboardPlot.Panel> panels = DashboardPlot.panels(frames);
        assertThat(panels).hasSize(6);
        List<double[]> throughput = panels.get(0).lines().get("plan");
        assertThat(throughput).hasSize(16).allSatisfy(p -> assertThat(p[1]).isCloseTo(20.0, within(1e-9)));
        assertThat(panels.get(2).lines().get("p99")).allSatisfy(p -> assertThat(p[1]).isCloseTo(0.099, within(1e-9)));

        Path png = dir.resolve("plot.png");
        DashboardPlot.render(panels, png, "test");
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(1400);
        assertThat(image.getHeight()).isEqualTo(60 + 3 * 330);
    }
}
