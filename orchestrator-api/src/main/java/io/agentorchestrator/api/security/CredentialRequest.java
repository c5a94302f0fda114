package io.agentorchestrator.api.security;

import io.agentorchestrator.api.ValidationException;
import java.time.Instant;

/**
 * What one credential is for: the message it accompanies, so a credential cannot be lifted onto
 * another message.
 *
 * @param purpose   what kind of message: {@link #ANNOUNCE}, {@link #TASK} or {@link #REPLY}
 * @param binding   a digest of the message's content (base64url SHA-256, computed by the
 *                  security layer); the verifier recomputes it from what arrived
 * @param expiresAt when the credential stops being valid
 */
public record CredentialRequest(String purpose, String binding, Instant expiresAt) {

    /** An agent announcing itself, renewing its lease, or withdrawing. */
    public static final String ANNOUNCE = "announce";
    /** An orchestrator sending a task. */
    public static final String TASK = "task";
    /** An agent replying to a task. */
    public static final String REPLY = "reply";

    /** Checks that every field is present. */
    public CredentialRequest {
        ValidationException.requireNonNull(purpose, "purpose");
        ValidationException.requireNonNull(binding, "binding");
        ValidationException.requireNonNull(expiresAt, "expiresAt");
    }
}
