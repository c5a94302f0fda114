package io.agentorchestrator.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs the whole demo in-process, small: every task must complete although an agent crashes
 * halfway with tasks in flight. A failure here usually means the core lost or failed a task.
 */
class DemoRunTest {

    private static final int TASKS = 90;

    @ParameterizedTest
    @ValueSource(strings = {"least-connections", "round-robin", "weighted-round-robin", "random", "weighted-random", "p2c",
        "peak-ewma", "consistent-hash"})
    void everyTaskCompletesAlthoughAnAgentCrashesHalfway(String balancer) throws Exception {
        List<String> progress = new CopyOnWriteArrayList<>();

        DemoResult result = new DemoRun(new DemoOptions(TASKS, balancer, false, false, false), progress::add).run();

        assertThat(result.anomalies()).as("anomalies; progress was %s", progress).isEmpty();
        assertThat(result.completed()).isEqualTo(TASKS);
        assertThat(result.failed()).isZero();
        assertThat(result.allCompleted()).isTrue();
        assertThat(result.crash()).as("the victim must crash while it holds tasks; progress was %s", progress).isNotNull();
        assertThat(result.crash().agentId()).isEqualTo(LogisticsScene.VICTIM);
        assertThat(result.crash().inFlightAtCrash()).isPositive();
        assertThat(result.agents()).hasSize(new LogisticsScene(1).agents().size());
        assertThat(result.agents().stream().mapToLong(DemoResult.AgentRow::completed).sum())
                .as("completions per agent from the event stream add up").isEqualTo(TASKS);
        assertThat(result.agents()).filteredOn(row -> !row.id().equals(LogisticsScene.VICTIM))
                .allSatisfy(row -> assertThat(row.status()).isEqualTo("HEALTHY"));
        assertThat(result.summaryLine()).isEqualTo("demo: 90 tasks, 90 completed, 0 failed");
    }

    @Test
    void runnerPrintsTheTableAndEndsWithTheSummaryLine() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int status = ExampleRunner.run(new String[] {"--tasks", "30"}, print(out), print(err));

        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(status).as("stdout:%n%s%nstderr:%n%s", printed, err).isEqualTo(ExampleRunner.EXIT_OK);
        assertThat(printed).contains("agent", "capability", "completed", "failures", "p50 ms", "p99 ms");
        for (LogisticsScene.AgentSpec agent : new LogisticsScene(1).agents()) {
            assertThat(printed).contains(agent.id());
        }
        assertThat(printed.strip().lines().reduce((first, second) -> second)).hasValue("demo: 30 tasks, 30 completed, 0 failed");
    }

    private static PrintStream print(ByteArrayOutputStream sink) {
        return new PrintStream(sink, true, StandardCharsets.UTF_8);
    }
}
