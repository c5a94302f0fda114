package io.agentorchestrator.api.security;

import io.agentorchestrator.api.AuthenticationException;

/**
 * Issues and checks the credentials that agents and orchestrators attach to what they send through
 * a transport (announcements, heartbeats, tasks, replies). The built-in scheme is HMAC-SHA256
 * signed JWTs with key ids ({@code AgentAuthenticators.hmacSha256} in the core); implement this
 * for another one (asymmetric signatures, tokens from an identity provider).
 *
 * <p>A fresh credential is issued for every message, bound to its content. Replay protection
 * (remembering {@link VerifiedCredential#tokenId()}s until they expire) is done by the security
 * layer, not here. Implementations are thread-safe.
 */
public interface AgentAuthenticator {

    /**
     * Issues a credential for one message, as this side's own principal.
     *
     * @return the credential as a printable ASCII string (it travels in headers and metadata)
     */
    String issue(CredentialRequest request);

    /**
     * Checks a credential that came with a message.
     *
     * @param credential the credential as received
     * @param expected   the purpose and binding recomputed from the message as received; the
     *                   credential must carry the same ones. {@code expiresAt} is the latest
     *                   expiry the verifier accepts (now plus the longest allowed lifetime)
     * @return the sender, when the credential is valid
     * @throws AuthenticationException when it is not; the message must not contain the credential
     */
    VerifiedCredential verify(String credential, CredentialRequest expected);
}
