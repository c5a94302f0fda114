package io.agentorchestrator.core;

import io.agentorchestrator.api.ValidationException;
import java.time.Duration;

/**
 * The result cache for tasks marked {@link io.agentorchestrator.api.Task#cacheable() cacheable}:
 * a successful result is kept for {@code ttl} under its capability and the task's cache key (or a
 * SHA-256 of its payload), at most {@code maxSize} results, the least useful evicted first
 * (Caffeine's W-TinyLFU). Concurrent identical cacheable tasks share one dispatch. Failures are
 * never cached.
 *
 * @param ttl     how long a result is served after it arrived, 1 ms to 30 days
 * @param maxSize most results kept, 1 to 100,000,000
 */
public record ResultCacheConfig(Duration ttl, long maxSize) {

    /** How long a result is kept: 5 min. */
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);
    /** Most results kept: 10,000. */
    public static final long DEFAULT_MAX_SIZE = 10_000;

    /** Checks both values. */
    public ResultCacheConfig {
        HealthCheckConfig.requireBetween(ttl, Duration.ofMillis(1), Duration.ofDays(30), "ttl");
        ValidationException.require(maxSize >= 1 && maxSize <= 100_000_000, "maxSize", "must be between 1 and 100000000", maxSize);
    }

    /** A cache with the defaults: 5 min, 10,000 results. */
    public static ResultCacheConfig defaults() {
        return new ResultCacheConfig(DEFAULT_TTL, DEFAULT_MAX_SIZE);
    }

    /** A cache keeping at most {@code maxSize} results for {@code ttl}. */
    public static ResultCacheConfig of(Duration ttl, long maxSize) {
        return new ResultCacheConfig(ttl, maxSize);
    }
}
