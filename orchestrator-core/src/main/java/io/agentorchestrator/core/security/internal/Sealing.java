package io.agentorchestrator.core.security.internal;

import io.agentorchestrator.api.AuthenticationException;
import io.agentorchestrator.api.AuthenticationException.Reason;
import io.agentorchestrator.api.security.KeyProvider;
import io.agentorchestrator.core.security.SecurityHeaders;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/** The byte-level pieces: content digests, AES-GCM, and the result frame. */
final class Sealing {

    static final int NONCE_BYTES = 12;
    static final int TAG_BITS = 128;
    private static final byte[] MAGIC = SecurityHeaders.RESULT_FRAME_MAGIC.getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();
    static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    static final Base64.Decoder B64D = Base64.getUrlDecoder();

    /** Cipher.getInstance looks the provider up each time; one per thread, re-initialised per message. */
    private static final ThreadLocal<Cipher> GCM = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM is not available in this JDK", e);
        }
    });
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    private Sealing() {
    }

    /** SHA-256 over each part, length-prefixed so parts cannot shift into each other; base64url. */
    static String digest(byte[] body, String... parts) {
        MessageDigest sha = SHA256.get();
        sha.reset();
        for (String p : parts) {
            byte[] b = p == null ? new byte[0] : p.getBytes(StandardCharsets.UTF_8);
            sha.update(ByteBuffer.allocate(5).put((byte) (p == null ? 0 : 1)).putInt(b.length).array());
            sha.update(b);
        }
        sha.update(ByteBuffer.allocate(4).putInt(body.length).array());
        sha.update(body);
        return B64.encodeToString(sha.digest());
    }

    /** Ciphertext with key id and nonce. */
    record Encrypted(String keyId, byte[] nonce, byte[] ciphertext) {
    }

    static Encrypted encrypt(KeyProvider keys, byte[] plaintext, byte[] aad) {
        String kid = keys.currentKeyId();
        SecretKey key = keys.key(kid).orElseThrow(() -> new IllegalStateException("Current payload key '" + kid + "' is missing"));
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher c = GCM.get();
            c.init(Cipher.ENCRYPT_MODE, aes(key), new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(aad);
            return new Encrypted(kid, nonce, c.doFinal(plaintext));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM failed: " + e.getClass().getSimpleName(), e);
        }
    }

    static byte[] decrypt(KeyProvider keys, String kid, byte[] nonce, byte[] ciphertext, byte[] aad) {
        SecretKey key = keys.key(kid).orElseThrow(() -> new AuthenticationException(Reason.UNKNOWN_KEY,
                "Payload encrypted with unknown or retired key id '" + clean(kid) + "'"));
        if (nonce == null || nonce.length != NONCE_BYTES) {
            throw new AuthenticationException(Reason.MALFORMED, "Payload nonce must be " + NONCE_BYTES + " bytes");
        }
        try {
            Cipher c = GCM.get();
            c.init(Cipher.DECRYPT_MODE, aes(key), new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(aad);
            return c.doFinal(ciphertext);
        } catch (AEADBadTagException e) {
            throw new AuthenticationException(Reason.TAMPERED, "Payload failed its integrity check (altered, or wrong key)");
        } catch (GeneralSecurityException e) {
            throw new AuthenticationException(Reason.TAMPERED, "Payload could not be decrypted: " + e.getClass().getSimpleName());
        }
    }

    private static SecretKey aes(SecretKey key) {
        byte[] raw = key.getEncoded();
        // AES takes 16, 24 or 32 bytes; longer keys use their first 32.
        int len = raw.length >= 32 ? 32 : raw.length >= 24 ? 24 : 16;
        return new SecretKeySpec(raw, 0, len, "AES");
    }

    static String clean(String s) {
        if (s == null) {
            return "null";
        }
        String c = s.replaceAll("[^A-Za-z0-9._-]", "?");
        return c.length() <= 64 ? c : c.substring(0, 64) + "...";
    }

    /** A parsed result frame. */
    record Frame(String credential, String keyId, byte[] nonce, byte[] body) {
        boolean encrypted() {
            return keyId != null;
        }
    }

    static byte[] writeFrame(String credential, Encrypted enc, byte[] plaintext) {
        byte[] cred = credential.getBytes(StandardCharsets.US_ASCII);
        byte[] kid = enc == null ? new byte[0] : enc.keyId().getBytes(StandardCharsets.UTF_8);
        byte[] body = enc == null ? plaintext : enc.ciphertext();
        ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 1 + 2 + cred.length + (enc == null ? 0 : 1 + kid.length + NONCE_BYTES) + body.length);
        b.put(MAGIC).put((byte) (enc == null ? 0 : 1)).putShort((short) cred.length).put(cred);
        if (enc != null) {
            b.put((byte) kid.length).put(kid).put(enc.nonce());
        }
        return b.put(body).array();
    }

    static Frame readFrame(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        if (bytes.length < MAGIC.length + 3) {
            throw new AuthenticationException(Reason.MISSING, "Result carries no credential frame");
        }
        byte[] magic = new byte[MAGIC.length];
        b.get(magic);
        if (!MessageDigest.isEqual(magic, MAGIC)) {
            throw new AuthenticationException(Reason.MISSING, "Result carries no credential frame");
        }
        try {
            int flags = b.get();
            int credLen = Short.toUnsignedInt(b.getShort());
            byte[] cred = new byte[credLen];
            b.get(cred);
            String kid = null;
            byte[] nonce = null;
            if ((flags & 1) != 0) {
                byte[] k = new byte[Byte.toUnsignedInt(b.get())];
                b.get(k);
                kid = new String(k, StandardCharsets.UTF_8);
                nonce = new byte[NONCE_BYTES];
                b.get(nonce);
            }
            byte[] body = new byte[b.remaining()];
            b.get(body);
            return new Frame(new String(cred, StandardCharsets.US_ASCII), kid, nonce, body);
        } catch (java.nio.BufferUnderflowException e) {
            throw new AuthenticationException(Reason.MALFORMED, "Result credential frame is truncated");
        }
    }
}
