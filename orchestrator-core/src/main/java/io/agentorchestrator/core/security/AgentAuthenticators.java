package io.agentorchestrator.core.security;

import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.api.security.AgentAuthenticator;
import io.agentorchestrator.api.security.KeyProvider;
import io.agentorchestrator.api.security.Principal;
import io.agentorchestrator.core.security.internal.HmacJwtAuthenticator;
import java.time.Clock;
import java.time.Duration;

/** Factories for the built-in {@link AgentAuthenticator}s. */
public final class AgentAuthenticators {

    /** Clock difference between hosts tolerated when checking expiry. */
    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(5);

    private AgentAuthenticators() {
    }

    /**
     * HMAC-SHA256 signed JSON Web Tokens ({@code alg: HS256}) with a {@code kid} header naming the
     * signing key, so keys rotate: tokens are signed with {@link KeyProvider#currentKeyId()} and
     * verified with whichever key they name, as long as the provider still holds it.
     *
     * <p>Claims: {@code sub} (the principal), {@code roles}, {@code iat}, {@code exp}, {@code jti}
     * (random, for replay protection), {@code aop} (purpose) and {@code aob} (the digest binding
     * the token to its message). Anyone holding a signing key can mint tokens for any subject:
     * give each trust domain its own keys, and pin roles in the {@link AccessPolicy} when agents
     * must not choose their own.
     *
     * @param keys  the signing keys (shared by both sides)
     * @param self  the principal this side issues tokens as
     * @param clock the clock for {@code iat} and expiry checks
     * @param skew  clock difference between hosts tolerated, 0 to 5 minutes
     */
    public static AgentAuthenticator hmacSha256(KeyProvider keys, Principal self, Clock clock, Duration skew) {
        ValidationException.requireNonNull(keys, "keys");
        ValidationException.requireNonNull(self, "self");
        ValidationException.requireNonNull(clock, "clock");
        ValidationException.requireNonNull(skew, "skew");
        ValidationException.require(!skew.isNegative() && skew.compareTo(Duration.ofMinutes(5)) <= 0, "skew",
                "must be 0 to 5 minutes", skew);
        return new HmacJwtAuthenticator(keys, self, clock, skew);
    }

    /** {@link #hmacSha256(KeyProvider, Principal, Clock, Duration)} with {@link #DEFAULT_CLOCK_SKEW}. */
    public static AgentAuthenticator hmacSha256(KeyProvider keys, Principal self, Clock clock) {
        return hmacSha256(keys, self, clock, DEFAULT_CLOCK_SKEW);
    }
}
