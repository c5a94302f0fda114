package io.agentorchestrator.api.security;

import java.util.Optional;
import javax.crypto.SecretKey;

/**
 * Symmetric keys by key id: the keys that sign credentials and the keys that encrypt payloads.
 * New messages use {@link #currentKeyId()}; received ones name their key id, so a rotated-out key
 * keeps working for what is still in flight until it is removed (retired) from the provider.
 *
 * <p>{@code KeyProviders} in the core builds them from a map, environment variables or a file.
 * Implementations are thread-safe and may change their keys at run time.
 */
public interface KeyProvider {

    /** The id of the key new messages are signed or encrypted with. */
    String currentKeyId();

    /** The key with this id, or empty when it is unknown or retired. */
    Optional<SecretKey> key(String keyId);
}
