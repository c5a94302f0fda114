package io.agentorchestrator.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The command line: defaults, both option forms, help, and clear errors for what cannot run. */
class DemoOptionsTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void noArgumentsMeansTheDefaults() throws Exception {
        assertThat(DemoOptions.parse()).isEqualTo(new DemoOptions(300, null, false, false, false));
        assertThat(DemoOptions.parse()).isEqualTo(DemoOptions.defaults());
    }

    @Test
    void acceptsSeparateAndInlineValues() throws Exception {
        assertThat(DemoOptions.parse("--tasks", "50", "--balancer", "round-robin", "--verbose"))
                .isEqualTo(new DemoOptions(50, "round-robin", true, false, false));
        assertThat(DemoOptions.parse("--tasks=3", "--balancer=weighted", "-v", "--autoscale"))
                .isEqualTo(new DemoOptions(3, "weighted", true, false, true));
    }

    @Test
    void adminPortAsksForTheLiveDemo() throws Exception {
        assertThat(DemoOptions.parse().live()).isFalse();
        assertThat(DemoOptions.parse().adminPort()).isEqualTo(DemoOptions.NO_ADMIN_PORT);
        DemoOptions live = DemoOptions.parse("--admin-port", "8091");
        assertThat(live.live()).isTrue();
        assertThat(live.adminPort()).isEqualTo(8091);
        assertThat(DemoOptions.parse("--admin-port=0").adminPort()).isZero();
        assertThatThrownBy(() -> DemoOptions.parse("--admin-port", "70000")).isInstanceOf(DemoOptions.UsageException.class)
                .hasMessage("--admin-port must be a port number between 0 and 65535, but was '70000'");
        assertThatThrownBy(() -> DemoOptions.parse("--admin-port=x")).isInstanceOf(DemoOptions.UsageException.class)
                .hasMessage("--admin-port must be a port number between 0 and 65535, but was 'x'");
        assertThat(run("--help")).isZero();
        assertThat(stdout()).contains("--admin-port N");
    }

    @Test
    void prometheusPortIsOffUnlessGivenAndMustBeAPort() throws Exception {
        assertThat(DemoOptions.parse().prometheusPort()).isZero();
        assertThat(DemoOptions.parse("--prometheus-port", "9464")).isEqualTo(new DemoOptions(300, null, false, false, false, DemoOptions.NO_ADMIN_PORT, 9464));
        assertThat(DemoOptions.parse("--prometheus-port=1").prometheusPort()).isEqualTo(1);
        for (String bad : new String[] {"0", "65536", "x"}) {
            assertThatThrownBy(() -> DemoOptions.parse("--prometheus-port", bad)).isInstanceOf(DemoOptions.UsageException.class)
                    .hasMessage("--prometheus-port must be a port number between 1 and 65535, but was '" + bad + "'");
        }
    }

    @Test
    void helpListsTheOptionsAndExitsZero() {
        int status = run("--help");

        assertThat(status).isEqualTo(ExampleRunner.EXIT_OK);
        assertThat(stdout()).contains("Usage:", "--tasks N", "--balancer NAME", "--verbose", "--help", "least-connections",
                "default 300");
        assertThat(stderr()).isEmpty();
        assertThat(run("-h")).isEqualTo(ExampleRunner.EXIT_OK);
    }

    @Test
    void unknownOptionIsAnErrorWithUsageAndExitsTwo() {
        int status = run("--tasks", "10", "--frobnicate");

        assertThat(status).isEqualTo(ExampleRunner.EXIT_USAGE);
        assertThat(stderr()).startsWith("error: unknown option '--frobnicate'").contains("Usage:", "--tasks N");
        assertThat(stdout()).isEmpty();
    }

    @Test
    void strayArgumentIsAnError() {
        assertThatThrownBy(() -> DemoOptions.parse("300"))
                .isInstanceOf(DemoOptions.UsageException.class)
                .hasMessage("unexpected argument '300' (the runner takes options only)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "2", "-5", "5001", "1000000", "ten", "3.5", ""})
    void tasksOutsideTheRuleIsRejectedNamingOptionAndRule(String value) {
        assertThatThrownBy(() -> DemoOptions.parse("--tasks", value))
                .isInstanceOf(DemoOptions.UsageException.class)
                .hasMessage("--tasks must be a whole number between 3 and 5000, but was '" + value + "'");
    }

    @Test
    void tasksAtTheBoundsIsAccepted() throws Exception {
        assertThat(DemoOptions.parse("--tasks", "3").tasks()).isEqualTo(3);
        assertThat(DemoOptions.parse("--tasks", "5000").tasks()).isEqualTo(5000);
    }

    @Test
    void tasksWithoutValueIsRejected() {
        assertThatThrownBy(() -> DemoOptions.parse("--tasks")).hasMessage("option --tasks needs a value");
        assertThatThrownBy(() -> DemoOptions.parse("--tasks", "--verbose")).hasMessage("option --tasks needs a value");
        assertThat(run("--tasks", "0")).isEqualTo(ExampleRunner.EXIT_USAGE);
        assertThat(stderr()).startsWith("error: --tasks must be a whole number between 3 and 5000, but was '0'");
    }

    @Test
    void unknownBalancerIsRejectedListingTheKnownOnes() throws Exception {
        DemoOptions options = DemoOptions.parse("--balancer", "fastest");

        assertThatThrownBy(options::requireKnownBalancer)
                .isInstanceOf(DemoOptions.UsageException.class)
                .hasMessageStartingWith("--balancer: ")
                .hasMessageContaining("fastest")
                .hasMessageContaining("least-connections");
        assertThat(run("--balancer", "fastest")).isEqualTo(ExampleRunner.EXIT_USAGE);
        assertThat(stderr()).startsWith("error: --balancer: ").contains("Usage:");
    }

    @Test
    void everyBuiltInBalancerIsKnown() throws Exception {
        for (String name : new String[] {"round-robin", "least-connections", "weighted-round-robin", "weighted", "random"}) {
            assertThat(DemoOptions.parse("--balancer", name).requireKnownBalancer().balancer()).isEqualTo(name);
        }
    }

    @Test
    void flagsTakeNoValue() {
        assertThatThrownBy(() -> DemoOptions.parse("--verbose=yes")).hasMessage("option --verbose takes no value, but was given 'yes'");
    }

    private int run(String... args) {
        out.reset();
        err.reset();
        return ExampleRunner.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }
}
