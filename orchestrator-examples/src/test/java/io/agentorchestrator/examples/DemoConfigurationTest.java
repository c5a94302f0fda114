package io.agentorchestrator.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentorchestrator.core.config.OrchestratorConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The runner takes the orchestrator's settings from the environment, and shows the scaling hook at work. */
class DemoConfigurationTest {

    private static final int TASKS = 60;

    private static OrchestratorConfig env(String name, String value) {
        return OrchestratorConfig.load(Map.of(name, value), new Properties(), null);
    }

    @Test
    void theEnvironmentChoosesTheBalancerUnlessTheCommandLineDoes() throws Exception {
        List<String> progress = new CopyOnWriteArrayList<>();
        DemoResult result = new DemoRun(new DemoOptions(TASKS, null, false, false, false), progress::add,
                env("ORCHESTRATOR_BALANCER", "random")).run();
        assertThat(result.allCompleted()).isTrue();
        assertThat(progress).anySatisfy(line -> assertThat(line).startsWith("scene:").contains("balancer random;"));

        assertThat(new DemoRun(new DemoOptions(TASKS, "p2c", false, false, false), l -> { }, env("ORCHESTRATOR_BALANCER", "random"))
                .balancer()).isEqualTo("p2c");
        assertThat(new DemoRun(DemoOptions.defaults(), l -> { }).balancer()).isEqualTo(DemoOptions.DEFAULT_BALANCER);
    }

    @Test
    void aBadConfiguredValueIsAUsageErrorNamingItsSource() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setProperty("orchestrator.max.attempts", "0");
        try {
            int status = ExampleRunner.run(new String[] {"--tasks", "3"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            assertThat(status).isEqualTo(ExampleRunner.EXIT_USAGE);
            assertThat(err.toString(StandardCharsets.UTF_8)).contains(
                    "error: configuration: maxAttempts (system property orchestrator.max.attempts) must be between 1 and 100, but was 0");
        } finally {
            System.clearProperty("orchestrator.max.attempts");
        }
    }

    @Test
    void theScalingHookStartsAgentsUnderLoadAndStopsThemWhenItFalls() throws Exception {
        List<String> progress = new CopyOnWriteArrayList<>();
        DemoResult result = new DemoRun(new DemoOptions(150, null, false, false, true), progress::add).run();

        assertThat(result.allCompleted()).as("progress was %s", progress).isTrue();
        assertThat(progress).as("progress").anySatisfy(line -> assertThat(line).startsWith("autoscale: ").contains(": started "));
        assertThat(progress).as("progress").anySatisfy(line -> assertThat(line).startsWith("autoscale: ").contains("stopped "));
        assertThat(progress).noneMatch(line -> line.contains("still running when the demo ends"));
    }
}
