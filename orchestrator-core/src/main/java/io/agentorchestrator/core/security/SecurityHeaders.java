package io.agentorchestrator.core.security;

/**
 * Where the security layer puts what it adds to messages, for agents written in other languages.
 * The names follow the library's {@code x-orchestrator-} prefix for headers it sets itself.
 *
 * <p>Task envelopes carry {@link #CREDENTIAL} and, when payloads are encrypted,
 * {@link #KEY_ID} and {@link #NONCE} as headers; the payload is then the AES-GCM ciphertext with
 * its 16-byte tag appended. Announcements carry {@link #CREDENTIAL_METADATA} (and, for a signed
 * withdrawal, {@link #WITHDRAW_METADATA}) in the agent's metadata. Results have no headers, so
 * their payload is a frame: the magic {@code "AOS1"}, a flags byte (bit 0: encrypted), the
 * credential's length (2 bytes, big-endian) and ASCII bytes, then when encrypted the key id's
 * length (1 byte) and UTF-8 bytes and the 12-byte nonce, then the body (ciphertext or plaintext).
 * The README's "Security" section shows how each digest the credentials bind is computed.
 */
public final class SecurityHeaders {

    /** Task header with the sender's credential (a JWT for the built-in scheme). */
    public static final String CREDENTIAL = "x-orchestrator-credential";
    /** Task header naming the payload encryption key id. */
    public static final String KEY_ID = "x-orchestrator-enc-kid";
    /** Task header with the AES-GCM nonce, base64url without padding. */
    public static final String NONCE = "x-orchestrator-enc-nonce";
    /**
     * Task header a host application sets to name the caller a task is dispatched for; the access
     * policy checks that caller. Absent: the orchestrator's own principal.
     */
    public static final String CALLER = "x-orchestrator-caller";
    /** Agent metadata key with the announcement's credential. */
    public static final String CREDENTIAL_METADATA = "x-orchestrator-credential";
    /** Agent metadata key marking a signed withdrawal ({@code "true"}). */
    public static final String WITHDRAW_METADATA = "x-orchestrator-withdraw";
    /** The first bytes of a secured result payload. */
    public static final String RESULT_FRAME_MAGIC = "AOS1";

    private SecurityHeaders() {
    }
}
