package io.agentorchestrator.core.internal.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Token bucket refill on a fake clock. */
class TokenBucketTest {

    private static final long MS = 1_000_000L;

    @Test
    void allowsTheBurstThenOneTokenPerInterval() {
        TokenBucket bucket = new TokenBucket(10, 3); // one token per 100 ms
        long now = 5_000 * MS;
        assertThat(bucket.tryAcquire(now)).isTrue();
        assertThat(bucket.tryAcquire(now)).isTrue();
        assertThat(bucket.tryAcquire(now)).isTrue();
        assertThat(bucket.tryAcquire(now)).isFalse();
        assertThat(bucket.available(now)).isFalse();
        assertThat(bucket.nanosUntilAvailable(now)).isEqualTo(100 * MS);
        now += 99 * MS;
        assertThat(bucket.tryAcquire(now)).isFalse();
        now += MS;
        assertThat(bucket.tryAcquire(now)).isTrue();
        assertThat(bucket.tryAcquire(now)).isFalse();
    }

    @Test
    void refillsNoFurtherThanTheBurst() {
        TokenBucket bucket = new TokenBucket(10, 2);
        long now = 0;
        assertThat(bucket.tryAcquire(now)).isTrue();
        now += 60_000 * MS;
        assertThat(bucket.tryAcquire(now)).isTrue();
        assertThat(bucket.tryAcquire(now)).isTrue();
        assertThat(bucket.tryAcquire(now)).isFalse();
    }

    @Test
    void worksWithANegativeTickerOrigin() {
        TokenBucket bucket = new TokenBucket(1, 1);
        long now = -7_000_000 * MS;
        assertThat(bucket.tryAcquire(now)).isTrue();
        assertThat(bucket.tryAcquire(now + 999 * MS)).isFalse();
        assertThat(bucket.tryAcquire(now + 1_000 * MS)).isTrue();
    }
}
