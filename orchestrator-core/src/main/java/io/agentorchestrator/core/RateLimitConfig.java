package io.agentorchestrator.core;

import io.agentorchestrator.api.ValidationException;

/**
 * A token bucket: {@code permitsPerSecond} tokens are added per second up to {@code burst}; each
 * task takes one. Used per agent (an agent with an empty bucket gets no task until a token comes
 * back; tasks wait in the queue meanwhile) and per capability (a task that finds its capability's
 * bucket empty is refused with {@link io.agentorchestrator.api.RateLimitExceededException}).
 *
 * @param permitsPerSecond tokens added per second, more than 0 and at most 1,000,000
 * @param burst            the bucket's size: tasks that may go at once after a quiet spell, 1 to 1,000,000
 */
public record RateLimitConfig(double permitsPerSecond, int burst) {

    /** Checks both values. */
    public RateLimitConfig {
        ValidationException.require(permitsPerSecond > 0 && permitsPerSecond <= 1_000_000, "permitsPerSecond",
                "must be > 0 and <= 1000000", permitsPerSecond);
        ValidationException.requireInRange(burst, 1, 1_000_000, "burst");
    }

    /** A limit of {@code permitsPerSecond} with a burst of as many (at least 1). */
    public static RateLimitConfig perSecond(double permitsPerSecond) {
        return new RateLimitConfig(permitsPerSecond, (int) Math.max(1, Math.min(1_000_000, Math.ceil(permitsPerSecond))));
    }

    /** A limit of {@code permitsPerSecond} with a bucket of {@code burst}. */
    public static RateLimitConfig of(double permitsPerSecond, int burst) {
        return new RateLimitConfig(permitsPerSecond, burst);
    }
}
