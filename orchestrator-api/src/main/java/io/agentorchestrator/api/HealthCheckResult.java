package io.agentorchestrator.api;

/**
 * What one health probe found.
 *
 * @param healthy whether the agent is alive and ready
 * @param detail  why, for people and events ("HTTP 503", "connection refused"); never null
 */
public record HealthCheckResult(boolean healthy, String detail) {

    /** Checks the detail is present. */
    public HealthCheckResult {
        ValidationException.requireNonNull(detail, "detail");
    }

    /** A healthy result. */
    public static HealthCheckResult healthy(String detail) {
        return new HealthCheckResult(true, detail);
    }

    /** An unhealthy result saying why. */
    public static HealthCheckResult unhealthy(String detail) {
        return new HealthCheckResult(false, detail);
    }
}
