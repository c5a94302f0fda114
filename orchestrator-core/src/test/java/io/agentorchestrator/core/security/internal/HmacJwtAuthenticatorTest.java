package io.agentorchestrator.core.security.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.AuthenticationException;
import io.agentorchestrator.api.AuthenticationException.Reason;
import io.agentorchestrator.api.security.AgentAuthenticator;
import io.agentorchestrator.api.security.CredentialRequest;
import io.agentorchestrator.api.security.Principal;
import io.agentorchestrator.api.security.VerifiedCredential;
import io.agentorchestrator.core.security.AgentAuthenticators;
import io.agentorchestrator.core.security.KeyProviders;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HmacJwtAuthenticatorTest {

    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private final Instant now = Instant.parse("2026-01-01T10:00:00Z");
    private final Clock clock = Clock.fixed(now, ZoneOffset.UTC);
    private final AgentAuthenticator auth = AgentAuthenticators.hmacSha256(KeyProviders.of("k1", Map.of("k1", KEY)),
            Principal.of("planner-agents", "worker", "geo"), clock, Duration.ZERO);
    private final CredentialRequest request = new CredentialRequest("reply", "digest-1", now.plusSeconds(60));

    private Reason reasonOf(String token, CredentialRequest expected) {
        try {
            auth.verify(token, expected);
            throw new AssertionError("verified");
        } catch (AuthenticationException e) {
            if (token.length() > 3) {
                assertThat(e.getMessage()).doesNotContain(token);
            }
            assertThat(e.getMessage()).doesNotContain(new String(KEY, StandardCharsets.US_ASCII));
            return e.reason();
        }
    }

    @Test
    void issuesAJwtThatVerifiesToItsSubjectRolesAndId() {
        String token = auth.issue(request);

        String header = new String(Base64.getUrlDecoder().decode(token.split("\\.")[0]), StandardCharsets.UTF_8);
        assertThat(header).isEqualTo("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}");
        VerifiedCredential v = auth.verify(token, request);
        assertThat(v.principal()).isEqualTo(Principal.of("planner-agents", "geo", "worker"));
        assertThat(v.expiresAt()).isEqualTo(now.plusSeconds(60));
        assertThat(v.tokenId()).hasSizeGreaterThan(16).isNotEqualTo(auth.verify(auth.issue(request), request).tokenId());
    }

    @Test
    void refusesAlteredClaimsAnAlgNoneHeaderAndJunk() {
        String[] parts = auth.issue(request).split("\\.");
        String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8).replace("planner-agents", "admin");
        String altered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(claims.getBytes(StandardCharsets.UTF_8))
                + "." + parts[2];
        String none = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\",\"kid\":\"k1\"}".getBytes(StandardCharsets.UTF_8))
                + "." + parts[1] + ".";

        assertThat(reasonOf(altered, request)).isEqualTo(Reason.FORGED);
        assertThat(reasonOf(none, request)).isEqualTo(Reason.MALFORMED);
        assertThat(reasonOf("not-a-token", request)).isEqualTo(Reason.MALFORMED);
        assertThat(reasonOf("", request)).isEqualTo(Reason.MISSING);
        assertThat(reasonOf("a.b.c.d", request)).isEqualTo(Reason.MALFORMED);
    }

    @Test
    void refusesExpiredTooLongLivedAndMisboundTokens() {
        AgentAuthenticator later = AgentAuthenticators.hmacSha256(KeyProviders.of("k1", Map.of("k1", KEY)),
                Principal.of("planner-agents"), Clock.offset(clock, Duration.ofSeconds(61)), Duration.ZERO);
        String token = auth.issue(request);

        assertThatThrownBy(() -> later.verify(token, request)).isInstanceOf(AuthenticationException.class)
                .hasMessage("Credential of 'planner-agents' expired at 2026-01-01T10:01:00Z");
        assertThat(reasonOf(auth.issue(new CredentialRequest("reply", "digest-1", now.plusSeconds(3600))), request))
                .isEqualTo(Reason.EXPIRED);
        assertThat(reasonOf(token, new CredentialRequest("reply", "digest-2", now.plusSeconds(60)))).isEqualTo(Reason.MISMATCH);
        assertThat(reasonOf(token, new CredentialRequest("announce", "digest-1", now.plusSeconds(60)))).isEqualTo(Reason.MISMATCH);
    }

    @Test
    void aTokenSignedWithAnotherKeyOrAnUnknownKeyIdIsRefused() {
        AgentAuthenticator other = AgentAuthenticators.hmacSha256(KeyProviders.of("k1", Map.of("k1", "another key of thirty-two bytes!".getBytes(StandardCharsets.US_ASCII))),
                Principal.of("intruder"), clock, Duration.ZERO);
        AgentAuthenticator unknown = AgentAuthenticators.hmacSha256(KeyProviders.of("k7", Map.of("k7", KEY)),
                Principal.of("intruder"), clock, Duration.ZERO);

        assertThat(reasonOf(other.issue(request), request)).isEqualTo(Reason.FORGED);
        assertThat(reasonOf(unknown.issue(request), request)).isEqualTo(Reason.UNKNOWN_KEY);
        assertThat(auth.toString()).doesNotContain(new String(KEY, StandardCharsets.US_ASCII));
    }
}
