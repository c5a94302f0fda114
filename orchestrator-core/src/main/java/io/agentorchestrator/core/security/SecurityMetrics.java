package io.agentorchestrator.core.security;

import io.agentorchestrator.api.ValidationException;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Micrometer counters of what the security layer refused: {@value #REJECTED}, tagged {@code kind}
 * (announce, task, reply, register, dispatch) and {@code reason} (an
 * {@link io.agentorchestrator.api.AuthenticationException.Reason}, {@code ACCESS_DENIED} or a limit
 * name). Both tags come from closed sets; a series appears when its first refusal is counted.
 * Needs Micrometer on the classpath (an optional dependency of the core).
 *
 * <pre>{@code new SecurityMetrics(securityConfig).bindTo(meterRegistry);}</pre>
 */
public final class SecurityMetrics implements MeterBinder {

    /** Name of the counter of refusals. */
    public static final String REJECTED = "orchestrator.security.rejected";

    private final SecurityStats stats;

    /** Counters for the refusals of every orchestrator and runtime built with {@code config}. */
    public SecurityMetrics(SecurityConfig config) {
        this.stats = ValidationException.requireNonNull(config, "config").stats();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        stats.forEachKey((kind, reason) -> FunctionCounter.builder(REJECTED, stats, s -> s.rejected(kind, reason))
                .description("Messages and requests the security layer refused")
                .tag("kind", kind).tag("reason", reason)
                .register(registry));
    }
}
