package io.agentorchestrator.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.agentorchestrator.api.AgentDescriptor;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The peak-EWMA latency estimate, driven by explicit timestamps instead of wall time, and what
 * incarnations of one agent share.
 */
class AgentStateTest {

    private static final long MS = 1_000_000L;
    private final AgentState agent = new AgentState(
            AgentDescriptor.builder("a").capability("c").endpoint("inproc:a").maxConcurrency(2).build(), Duration.ofSeconds(10).toNanos());

    @Test
    void theFirstSampleIsTheEstimate() {
        assertThat(agent.latencyEwmaNanos()).isZero();
        agent.recordSuccess(100 * MS, 0);
        assertThat(agent.latencyEwmaNanos()).isEqualTo(100 * MS);
    }

    @Test
    void aHigherSampleReplacesTheEstimateAtOnce() {
        agent.recordSuccess(100 * MS, 0);
        agent.recordSuccess(300 * MS, 1);
        assertThat(agent.latencyEwmaNanos()).isEqualTo(300 * MS);
    }

    @Test
    void aLowerSampleDecaysTheEstimateWithElapsedTime() {
        agent.recordSuccess(300 * MS, 0);
        agent.recordSuccess(100 * MS, 0);
        assertThat(agent.latencyEwmaNanos()).as("no time passed: the peak holds").isEqualTo(300 * MS);

        long tenSeconds = Duration.ofSeconds(10).toNanos();
        agent.recordSuccess(100 * MS, tenSeconds);
        double w = Math.exp(-1);
        assertThat((double) agent.latencyEwmaNanos()).isCloseTo(300 * MS * w + 100 * MS * (1 - w), within(1.0 * MS));

        agent.recordSuccess(100 * MS, tenSeconds + Duration.ofMinutes(10).toNanos());
        assertThat((double) agent.latencyEwmaNanos()).as("long after, the old peak is forgotten").isCloseTo(100 * MS, within(1.0 * MS));
    }

    @Test
    void slotsAreTakenUpToMaxConcurrency() {
        assertThat(agent.tryAcquire()).isTrue();
        assertThat(agent.tryAcquire()).isTrue();
        assertThat(agent.tryAcquire()).isFalse();
        agent.release();
        assertThat(agent.hasCapacity()).isTrue();
        assertThat(agent.inFlight()).isEqualTo(1);
    }

    @Test
    void aNewIncarnationKeepsItsOwnWeightAndSharesTheCountersOfTheFirst() {
        AgentState heavier = agent.with(agent.descriptor().toBuilder().weight(5).maxConcurrency(3).build());
        assertThat(agent.weight()).as("the published incarnation does not change").isEqualTo(1);
        assertThat(heavier.weight()).isEqualTo(5);
        assertThat(heavier.sameAgent(agent)).isTrue();
        assertThat(agent.sameAgent(new AgentState(agent.descriptor(), 1))).as("registered anew").isFalse();

        assertThat(agent.tryAcquire()).isTrue();
        assertThat(heavier.tryAcquire()).isTrue();
        assertThat(agent.inFlight()).isEqualTo(2);
        assertThat(agent.tryAcquire()).as("its own max of 2 is reached").isFalse();
        assertThat(heavier.tryAcquire()).as("the new max of 3 is not").isTrue();
        heavier.release();
        heavier.recordSuccess(7 * MS, 0);
        heavier.recordFailure();
        heavier.status(io.agentorchestrator.api.AgentStatus.DRAINING);
        assertThat(agent.inFlight()).isEqualTo(2);
        assertThat(agent.completed()).isEqualTo(1);
        assertThat(agent.failed()).isEqualTo(1);
        assertThat(agent.latencyEwmaNanos()).isEqualTo(7 * MS);
        assertThat(agent.status()).isEqualTo(io.agentorchestrator.api.AgentStatus.DRAINING);
    }
}
