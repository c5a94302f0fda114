package io.agentorchestrator.core.security.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Remembers the ids of credentials seen, each until it expires, so a copy of a message is
 * recognised. Bounded: the longest lifetime a credential may claim is capped by the verifier, and
 * the number of ids by {@code maxSize} (past it the oldest are forgotten first). Time from the
 * injected clock.
 */
final class ReplayGuard {

    private final Cache<String, Long> seen;
    private final Clock clock;

    ReplayGuard(Clock clock, int maxSize) {
        this.clock = clock;
        this.seen = Caffeine.newBuilder()
                .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
                .executor(Runnable::run)
                .maximumSize(maxSize)
                .expireAfter(Expiry.<String, Long>creating((id, expiresAtMillis) ->
                        java.time.Duration.ofMillis(Math.max(1, expiresAtMillis - clock.millis()))))
                .build();
    }

    /** True the first time {@code principal}'s {@code tokenId} is seen, false for a replay. */
    boolean firstSeen(String principal, String tokenId, Instant expiresAt, long skewMillis) {
        return seen.asMap().putIfAbsent(principal + '\u0000' + tokenId, expiresAt.toEpochMilli() + skewMillis) == null;
    }

    long size() {
        seen.cleanUp();
        return seen.estimatedSize();
    }

    @Override
    public String toString() {
        return "ReplayGuard[" + seen.estimatedSize() + " ids at " + clock.instant() + "]";
    }
}
