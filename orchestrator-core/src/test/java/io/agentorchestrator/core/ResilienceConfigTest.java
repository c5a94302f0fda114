package io.agentorchestrator.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.ProviderNotFoundException;
import io.agentorchestrator.api.ValidationException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The health and resilience settings check their values and name them. */
class ResilienceConfigTest {

    @Test
    void defaultsAreTheDocumentedConstants() {
        HealthCheckConfig health = HealthCheckConfig.builder().build();
        assertThat(health.interval()).isEqualTo(HealthCheckConfig.DEFAULT_INTERVAL);
        assertThat(health.jitter()).isEqualTo(HealthCheckConfig.DEFAULT_JITTER);
        assertThat(health.timeout()).isEqualTo(HealthCheckConfig.DEFAULT_TIMEOUT);
        assertThat(health.unhealthyThreshold()).isEqualTo(3);
        assertThat(health.healthyThreshold()).isEqualTo(2);
        OutlierDetectionConfig outlier = OutlierDetectionConfig.defaults();
        assertThat(outlier.consecutiveFailures()).isEqualTo(5);
        assertThat(outlier.baseEjectionTime()).isEqualTo(Duration.ofSeconds(30));
        assertThat(outlier.maxEjectionTime()).isEqualTo(Duration.ofSeconds(300));
        assertThat(outlier.maxEjectionPercent()).isEqualTo(10);
        CircuitBreakerConfig breaker = CircuitBreakerConfig.defaults();
        assertThat(breaker.slidingWindowSize()).isEqualTo(100);
        assertThat(breaker.permittedCallsInHalfOpen()).isEqualTo(10);
        assertThat(breaker.waitInOpen()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void aShortIntervalGetsAJitterNoLongerThanItself() {
        assertThat(HealthCheckConfig.builder().interval(Duration.ofMillis(100)).build().jitter()).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void badValuesAreRejectedByName() {
        assertThatThrownBy(() -> HealthCheckConfig.builder().unhealthyThreshold(0)).isInstanceOf(ValidationException.class)
                .hasMessage("unhealthyThreshold must be between 1 and 100, but was 0");
        assertThatThrownBy(() -> HealthCheckConfig.builder().interval(Duration.ofSeconds(1)).jitter(Duration.ofSeconds(2)).build())
                .hasMessageStartingWith("jitter must be between 0 and the interval");
        assertThatThrownBy(() -> HealthCheckConfig.builder().probe("carrier-pigeon")).isInstanceOf(ProviderNotFoundException.class)
                .hasMessageContaining("No health probe named 'carrier-pigeon'").hasMessageContaining("http").hasMessageContaining("ping").hasMessageContaining("tcp");
        assertThatThrownBy(() -> OutlierDetectionConfig.builder().baseEjectionTime(Duration.ofMinutes(10)).maxEjectionTime(Duration.ofMinutes(1))
                .build()).hasMessageStartingWith("maxEjectionTime must be between PT10M");
        assertThatThrownBy(() -> CircuitBreakerConfig.builder().slidingWindow(10, 11)).hasMessage("minimumCalls must be between 1 and 10, but was 11");
        assertThatThrownBy(() -> RateLimitConfig.of(0, 1)).hasMessage("permitsPerSecond must be > 0 and <= 1000000, but was 0.0");
        assertThatThrownBy(() -> Orchestrator.builder().retryBudget(-0.1, 10)).hasMessage("retryBudgetRatio must be between 0 and 10, but was -0.1");
        assertThatThrownBy(() -> Orchestrator.builder().retryBackoff(Duration.ofMillis(50), Duration.ofMillis(10)))
                .hasMessageStartingWith("retryBackoffMax must be between retryBackoffBase");
        assertThatThrownBy(() -> Orchestrator.builder().leaseGraceTtls(0)).hasMessage("leaseGraceTtls must be between 1 and 100, but was 0");
        assertThatThrownBy(() -> HealthProbes.http("health", 200)).hasMessage("path must start with '/', but was 'health'");
    }
}
