package io.agentorchestrator.core.admin;

import io.agentorchestrator.api.Ticker;
import io.agentorchestrator.core.RateLimitConfig;
import io.agentorchestrator.core.internal.resilience.TokenBucket;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One token bucket per client address. The map is bounded: past {@value #MAX_CLIENTS} clients it
 * starts afresh, which can only let a client through early, never lock one out.
 */
final class ClientRateLimiter {

    static final int MAX_CLIENTS = 10_000;

    private final RateLimitConfig limit;
    private final Ticker ticker;
    private final ConcurrentHashMap<String, TokenBucket> buckets = new ConcurrentHashMap<>();

    ClientRateLimiter(RateLimitConfig limit, Ticker ticker) {
        this.limit = limit;
        this.ticker = ticker;
    }

    boolean tryAcquire(String client) {
        if (buckets.size() >= MAX_CLIENTS && !buckets.containsKey(client)) {
            buckets.clear();
        }
        return buckets.computeIfAbsent(client, c -> new TokenBucket(limit.permitsPerSecond(), limit.burst())).tryAcquire(ticker.read());
    }

    /** Whole seconds until the next request of any client could pass, at least 1, for {@code Retry-After}. */
    long retryAfterSeconds() {
        return Math.max(1, (long) Math.ceil(1 / limit.permitsPerSecond()));
    }
}
