package io.agentorchestrator.api.security;

import java.time.Instant;

/**
 * A credential that passed verification: who sent it and how long it may be remembered for replay
 * protection.
 *
 * @param principal the authenticated sender
 * @param tokenId   the credential's unique id (a JWT's {@code jti}); a second message with the same
 *                  id is a replay
 * @param expiresAt when the credential expires
 */
public record VerifiedCredential(Principal principal, String tokenId, Instant expiresAt) {
}
