package io.agentorchestrator.core.security.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentorchestrator.api.AuthenticationException;
import io.agentorchestrator.api.AuthenticationException.Reason;
import io.agentorchestrator.api.security.AgentAuthenticator;
import io.agentorchestrator.api.security.CredentialRequest;
import io.agentorchestrator.api.security.KeyProvider;
import io.agentorchestrator.api.security.Principal;
import io.agentorchestrator.api.security.VerifiedCredential;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * HS256 JSON Web Tokens (RFC 7519) with a {@code kid}: the built-in {@link AgentAuthenticator}.
 * Only {@code HS256} is accepted on verification, so a token cannot downgrade itself to
 * {@code none}. Exception messages name the key id at most, never the token or a key.
 */
public final class HmacJwtAuthenticator implements AgentAuthenticator {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Longest token accepted; a bound on work done for junk. */
    static final int MAX_TOKEN_LENGTH = 4096;

    private final KeyProvider keys;
    private final Principal self;
    private final Clock clock;
    private final Duration skew;

    /** Use {@code AgentAuthenticators.hmacSha256}. */
    public HmacJwtAuthenticator(KeyProvider keys, Principal self, Clock clock, Duration skew) {
        this.keys = keys;
        this.self = self;
        this.clock = clock;
        this.skew = skew;
    }

    @Override
    public String issue(CredentialRequest request) {
        String kid = keys.currentKeyId();
        SecretKey key = keys.key(kid).orElseThrow(() -> new IllegalStateException("Current signing key '" + kid + "' is missing"));
        ObjectNode header = JSON.createObjectNode().put("alg", "HS256").put("typ", "JWT").put("kid", kid);
        byte[] jti = new byte[16];
        RANDOM.nextBytes(jti);
        ObjectNode claims = JSON.createObjectNode().put("sub", self.name());
        ArrayNode roles = claims.putArray("roles");
        self.roles().stream().sorted().forEach(roles::add);
        claims.put("iat", clock.instant().getEpochSecond())
                .put("exp", ceilSeconds(request.expiresAt()))
                .put("jti", B64.encodeToString(jti))
                .put("aop", request.purpose())
                .put("aob", request.binding());
        String signingInput = B64.encodeToString(bytes(header)) + "." + B64.encodeToString(bytes(claims));
        return signingInput + "." + B64.encodeToString(mac(key, signingInput));
    }

    @Override
    public VerifiedCredential verify(String credential, CredentialRequest expected) {
        if (credential == null || credential.isEmpty()) {
            throw new AuthenticationException(Reason.MISSING, "No credential");
        }
        if (credential.length() > MAX_TOKEN_LENGTH) {
            throw new AuthenticationException(Reason.MALFORMED, "Credential longer than " + MAX_TOKEN_LENGTH + " characters");
        }
        int first = credential.indexOf('.');
        int second = first < 0 ? -1 : credential.indexOf('.', first + 1);
        if (first < 0 || second < 0 || credential.indexOf('.', second + 1) >= 0) {
            throw new AuthenticationException(Reason.MALFORMED, "Credential is not a JWT (three dot-separated parts)");
        }
        JsonNode header = json(credential.substring(0, first), "header");
        if (!"HS256".equals(header.path("alg").asText())) {
            throw new AuthenticationException(Reason.MALFORMED, "Credential algorithm must be HS256, but was '"
                    + abbreviate(header.path("alg").asText()) + "'");
        }
        String kid = header.path("kid").asText("");
        SecretKey key = keys.key(kid).orElseThrow(() -> new AuthenticationException(Reason.UNKNOWN_KEY,
                "Credential signed with unknown or retired key id '" + abbreviate(kid) + "'"));
        byte[] signature;
        try {
            signature = B64D.decode(credential.substring(second + 1));
        } catch (IllegalArgumentException e) {
            throw new AuthenticationException(Reason.MALFORMED, "Credential signature is not base64url");
        }
        if (!MessageDigest.isEqual(signature, mac(key, credential.substring(0, second)))) {
            throw new AuthenticationException(Reason.FORGED, "Credential signature does not verify with key id '" + kid + "'");
        }
        JsonNode claims = json(credential.substring(first + 1, second), "claims");
        String subject = claims.path("sub").asText("");
        if (subject.isEmpty() || !claims.path("exp").canConvertToLong() || claims.path("jti").asText("").isEmpty()) {
            throw new AuthenticationException(Reason.MALFORMED, "Credential lacks sub, exp or jti");
        }
        Instant now = clock.instant();
        Instant exp = Instant.ofEpochSecond(claims.path("exp").asLong());
        if (now.isAfter(exp.plus(skew))) {
            throw new AuthenticationException(Reason.EXPIRED, "Credential of '" + subject + "' expired at " + exp);
        }
        if (exp.isAfter(expected.expiresAt().plus(skew))) {
            throw new AuthenticationException(Reason.EXPIRED, "Credential of '" + subject + "' is valid until " + exp
                    + ", longer than the " + expected.expiresAt() + " accepted");
        }
        if (claims.has("iat") && Instant.ofEpochSecond(claims.path("iat").asLong()).isAfter(now.plus(skew))) {
            throw new AuthenticationException(Reason.EXPIRED, "Credential of '" + subject + "' was issued in the future");
        }
        if (!expected.purpose().equals(claims.path("aop").asText()) || !expected.binding().equals(claims.path("aob").asText())) {
            throw new AuthenticationException(Reason.MISMATCH, "Credential of '" + subject + "' was issued for another "
                    + (expected.purpose().equals(claims.path("aop").asText()) ? "message" : "purpose than " + expected.purpose()));
        }
        Set<String> roles = new LinkedHashSet<>();
        claims.path("roles").forEach(r -> roles.add(r.asText()));
        return new VerifiedCredential(new Principal(subject, roles), claims.path("jti").asText(), exp);
    }

    private static long ceilSeconds(Instant t) {
        return t.getNano() == 0 ? t.getEpochSecond() : t.getEpochSecond() + 1;
    }

    private static String abbreviate(String s) {
        String clean = s.replaceAll("[^A-Za-z0-9._-]", "?");
        return clean.length() <= 64 ? clean : clean.substring(0, 64) + "...";
    }

    private static JsonNode json(String part, String what) {
        try {
            JsonNode node = JSON.readTree(B64D.decode(part));
            if (node == null || !node.isObject()) {
                throw new AuthenticationException(Reason.MALFORMED, "Credential " + what + " is not a JSON object");
            }
            return node;
        } catch (IOException | IllegalArgumentException e) {
            throw new AuthenticationException(Reason.MALFORMED, "Credential " + what + " is not base64url JSON");
        }
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final ThreadLocal<Mac> HMAC = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance("HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JDK", e);
        }
    });

    private static byte[] mac(SecretKey key, String signingInput) {
        try {
            Mac mac = HMAC.get();
            mac.init(new SecretKeySpec(key.getEncoded(), "HmacSHA256"));
            return mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JDK", e);
        }
    }

    @Override
    public String toString() {
        return "HmacJwtAuthenticator[principal=" + self.name() + ", keys=" + keys + "]";
    }
}
