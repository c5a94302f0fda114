package io.agentorchestrator.core.internal.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentorchestrator.core.OutlierDetectionConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Triggers and ejection back-off of one agent's outlier detector, on a fake clock. */
class OutlierDetectorTest {

    private static final long SECOND = 1_000_000_000L;

    private final OutlierDetector detector = new OutlierDetector(OutlierDetectionConfig.builder()
            .consecutiveFailures(3)
            .failureRate(0.5, 10, 6)
            .baseEjectionTime(Duration.ofSeconds(30))
            .maxEjectionTime(Duration.ofSeconds(80))
            .build());

    @Test
    void tripsOnConsecutiveFailuresAndASuccessResetsTheRun() {
        assertThat(detector.onResult(true)).isNull();
        assertThat(detector.onResult(true)).isNull();
        assertThat(detector.onResult(false)).isNull();
        assertThat(detector.onResult(true)).isNull();
        assertThat(detector.onResult(true)).isNull();
        assertThat(detector.onResult(true)).isEqualTo("3 consecutive failures");
    }

    @Test
    void tripsOnTheFailureRateOnceTheWindowHoldsTheMinimum() {
        String reason = null;
        for (int i = 0; i < 6 && reason == null; i++) {
            reason = detector.onResult(i % 2 == 1);
        }
        assertThat(reason).isEqualTo("3 of the last 6 calls failed");
    }

    @Test
    void ejectionsGrowByTheBaseTimeUpToTheMax() {
        long now = 0;
        assertThat(detector.eject(now).duration()).isEqualTo(Duration.ofSeconds(30));
        assertThat(detector.isEjected(now + 29 * SECOND)).isTrue();
        assertThat(detector.eject(now + 10 * SECOND)).as("already ejected").isNull();
        now += 30 * SECOND;
        assertThat(detector.isEjected(now)).isFalse();
        assertThat(detector.reinstate(now, false)).isTrue();
        assertThat(detector.eject(now).duration()).isEqualTo(Duration.ofSeconds(60));
        now += 60 * SECOND;
        assertThat(detector.eject(now).duration()).isEqualTo(Duration.ofSeconds(80));
        now += 80 * SECOND;
        OutlierDetector.Ejection fourth = detector.eject(now);
        assertThat(fourth.number()).isEqualTo(4);
        assertThat(fourth.duration()).isEqualTo(Duration.ofSeconds(80));
    }

    @Test
    void theEjectionCountIsForgottenAfterALongGoodSpell() {
        long now = 0;
        detector.eject(now);
        now += 30 * SECOND;
        detector.reinstate(now, false);
        now += 81 * SECOND;
        assertThat(detector.eject(now).number()).isEqualTo(1);
    }

    @Test
    void aForcedReinstatementEndsTheEjectionAtOnce() {
        detector.eject(0);
        assertThat(detector.reinstate(SECOND, false)).isFalse();
        assertThat(detector.reinstate(SECOND, true)).isTrue();
        assertThat(detector.isEjected(SECOND)).isFalse();
        assertThat(detector.markedEjected()).isFalse();
    }
}
