package io.agentorchestrator.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentorchestrator.core.scaling.ScalingDecision;
import io.agentorchestrator.core.scaling.ScalingPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Scaling decisions on a fake ticker: rising, steady and falling load, each signal, bounds, and the stabilization windows. */
class AutoScalerTest {

    private final AtomicLong nanos = new AtomicLong(5_000_000_000L);
    private final ScalingPolicy policy = ScalingPolicy.builder().targetUtilization(0.5).targetQueuePerAgent(10).bounds(1, 10)
            .latencyTarget(Duration.ofMillis(100)).scaleDownStabilization(Duration.ofSeconds(60)).build();
    private final AutoScaler scaler = new AutoScaler(policy, nanos::get);

    private void at(int seconds) {
        nanos.set(5_000_000_000L + Duration.ofSeconds(seconds).toNanos());
    }

    /** {@code agents} agents of 4 slots each. */
    private List<ScalingDecision> load(int agents, int inFlight, int queued) {
        return scaler.evaluate(Map.of("plan", new AutoScaler.Load(agents, inFlight, agents * 4, queued, 0)));
    }

    private int desired() {
        return scaler.desired("plan").orElseThrow();
    }

    @Test
    void risingSteadyAndFallingLoadWithTheScaleDownWindowRespected() {
        at(0);
        List<ScalingDecision> rising = load(2, 8, 0);
        assertThat(rising).singleElement().satisfies(d -> {
            assertThat(d.currentAgents()).isEqualTo(2);
            assertThat(d.desiredAgents()).as("utilization 1.0 against 0.5 doubles the agents").isEqualTo(4);
            assertThat(d.utilization()).isEqualTo(1.0);
            assertThat(d.reason()).isEqualTo("utilization 1.00, target 0.50");
        });

        at(10);
        assertThat(load(4, 8, 0)).as("steady at the target: nothing to report").isEmpty();
        assertThat(desired()).isEqualTo(4);

        at(20);
        assertThat(load(4, 2, 0)).as("the load fell, but 4 was recommended 10 s ago").isEmpty();
        assertThat(desired()).isEqualTo(4);
        at(50);
        assertThat(load(4, 2, 0)).isEmpty();
        at(70);
        assertThat(load(4, 2, 0)).as("the last 4 (at 10 s) is exactly 60 s old: still in the window").isEmpty();

        at(71);
        List<ScalingDecision> falling = load(4, 2, 0);
        assertThat(falling).singleElement().satisfies(d -> {
            assertThat(d.desiredAgents()).as("⌈4 × 0.125 ÷ 0.5⌉").isEqualTo(1);
            assertThat(d.currentAgents()).isEqualTo(4);
        });
        assertThat(desired()).isEqualTo(1);
    }

    @Test
    void aShortLullInsideTheWindowRemovesNoAgent() {
        at(0);
        load(2, 8, 0); // -> 4
        at(15);
        assertThat(load(4, 8, 0)).isEmpty();
        at(30);
        assertThat(load(4, 1, 0)).as("lull").isEmpty();
        at(45);
        assertThat(load(4, 8, 0)).as("back at the target").isEmpty();
        at(100);
        assertThat(load(4, 8, 0)).isEmpty();
        assertThat(desired()).isEqualTo(4);
    }

    @Test
    void aRatioWithinTheToleranceChangesNothing() {
        at(0);
        load(4, 8, 0);
        assertThat(desired()).isEqualTo(4);
        at(1);
        // 11 of 20 slots: 0.55 against 0.5 is a ratio of 1.1, just inside the tolerance.
        assertThat(scaler.evaluate(Map.of("plan", new AutoScaler.Load(4, 11, 20, 0, 0)))).isEmpty();
        assertThat(AutoScaler.proposal(4, 0.55, 0.5)).isEqualTo(4);
        assertThat(AutoScaler.proposal(4, 0.45, 0.5)).isEqualTo(4);
        assertThat(AutoScaler.proposal(4, 0.6, 0.5)).isEqualTo(5);
    }

    @Test
    void queueDepthAndLatencyAreSignalsTooAndTheLargestWins() {
        at(0);
        assertThat(load(2, 4, 60)).singleElement().satisfies(d -> {
            assertThat(d.desiredAgents()).as("30 waiting per agent against 10").isEqualTo(6);
            assertThat(d.reason()).isEqualTo("30.0 waiting tasks per agent, target 10");
        });
        AutoScaler other = new AutoScaler(policy, nanos::get);
        List<ScalingDecision> slow = other.evaluate(Map.of("plan", new AutoScaler.Load(2, 4, 8, 0, Duration.ofMillis(250).toNanos())));
        assertThat(slow).singleElement().satisfies(d -> {
            assertThat(d.desiredAgents()).as("⌈2 × 250 ÷ 100⌉").isEqualTo(5);
            assertThat(d.reason()).isEqualTo("latency 250 ms, target 100 ms");
            assertThat(d.latencyMillis()).isEqualTo(250.0);
        });
    }

    @Test
    void boundsHoldAndAnEmptyCapabilityWithWorkWaitingAsksForOne() {
        at(0);
        assertThat(load(8, 32, 1000).get(0).desiredAgents()).isEqualTo(10);
        AutoScaler empty = new AutoScaler(ScalingPolicy.builder().bounds(0, 5).build(), nanos::get);
        assertThat(empty.evaluate(Map.of("plan", new AutoScaler.Load(0, 0, 0, 3, 0))).get(0).desiredAgents()).isEqualTo(1);
        assertThat(empty.evaluate(Map.of("idle", new AutoScaler.Load(0, 0, 0, 0, 0))).get(0).desiredAgents()).isZero();
    }

    @Test
    void aScaleUpWindowWaitsUntilTheSpikeLasted() {
        AutoScaler cautious = new AutoScaler(ScalingPolicy.builder().targetUtilization(0.5).bounds(1, 10)
                .scaleUpStabilization(Duration.ofSeconds(30)).scaleDownStabilization(Duration.ZERO).build(), nanos::get);
        at(0);
        assertThat(cautious.evaluate(Map.of("plan", new AutoScaler.Load(2, 4, 8, 0, 0))).get(0).desiredAgents()).isEqualTo(2);
        at(10);
        assertThat(cautious.evaluate(Map.of("plan", new AutoScaler.Load(2, 8, 8, 0, 0)))).as("spike, but 2 was recommended 10 s ago")
                .isEmpty();
        at(41);
        assertThat(cautious.evaluate(Map.of("plan", new AutoScaler.Load(2, 8, 8, 0, 0))).get(0).desiredAgents()).isEqualTo(4);
    }

    @Test
    void aHookThatThrowsIsLoggedAndTheSignalStillPublished() {
        List<ScalingDecision> announced = new java.util.ArrayList<>();
        AutoScaler withHook = new AutoScaler(policy, nanos::get, d -> {
            throw new IllegalStateException("scaler down");
        });
        withHook.run(Map.of("plan", new AutoScaler.Load(2, 8, 8, 0, 0)), announced::add);
        assertThat(announced).singleElement().satisfies(d -> assertThat(d.desiredAgents()).isEqualTo(4));
        assertThat(withHook.desired("plan")).hasValue(4);
    }
}
