package io.agentorchestrator.api;

/**
 * A credential was missing, malformed, forged, expired, replayed, signed with an unknown key, or
 * did not match the message it came with. The message says which, never the credential itself.
 */
public class AuthenticationException extends OrchestratorException {

    /** Why a credential was refused; bounded, so it can serve as a metric tag. */
    public enum Reason {
        /** No credential where one is required. */
        MISSING,
        /** Not a well-formed credential of the expected scheme. */
        MALFORMED,
        /** The signature does not verify: wrong key or altered content. */
        FORGED,
        /** Signed with a key id the verifier does not know (never issued, or retired). */
        UNKNOWN_KEY,
        /** Past its expiry, or valid for longer than the verifier accepts. */
        EXPIRED,
        /** Seen before: a copy of an earlier message. */
        REPLAYED,
        /** Valid, but issued for another message, purpose or agent. */
        MISMATCH,
        /** The payload failed decryption or its integrity check. */
        TAMPERED
    }

    private final Reason reason;

    /**
     * Creates the exception.
     *
     * @param reason  why the credential was refused
     * @param message what was refused; must not contain the credential or any secret
     */
    public AuthenticationException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    /** Why the credential was refused. */
    public Reason reason() {
        return reason;
    }
}
