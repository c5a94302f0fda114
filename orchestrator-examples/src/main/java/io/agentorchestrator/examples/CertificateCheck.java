package io.agentorchestrator.examples;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The work of a {@code halal-certificate-verification} agent: checks a halal certificate's issuing
 * body, check digits and expiry, and returns a verdict with a fingerprint of the certificate.
 *
 * <p>Request: {@code certificate=JAKIM-2026-004213;issuer=JAKIM;product=...;expires=2027-03-01;asOf=2026-11-25;check=42}.
 * Reply: {@code verdict=VALID;fingerprint=...} where the verdict is one of {@code VALID},
 * {@code EXPIRED}, {@code CHECK-DIGITS-MISMATCH}, {@code UNKNOWN-ISSUER}. An invalid certificate
 * is a successful check with a negative verdict, not a failed task.
 */
final class CertificateCheck {

    /** Certification bodies the demo recognises (Malaysia, Singapore, Indonesia, Thailand). */
    static final Set<String> ISSUERS = Set.of("JAKIM", "MUIS", "BPJPH", "CICOT");

    private static final String[] PRODUCTS = {
        "chilled chicken", "frozen beef", "lamb shoulder", "instant noodles", "gelatine capsules", "palm-oil shortening",
    };

    private CertificateCheck() {
    }

    /** Verifies one certificate request and returns the reply text. */
    static String verify(String request) {
        Map<String, String> in = KeyValues.parse(request);
        String number = KeyValues.require(in, "certificate");
        String issuer = KeyValues.require(in, "issuer");
        LocalDate expires = LocalDate.parse(KeyValues.require(in, "expires"));
        LocalDate asOf = LocalDate.parse(KeyValues.require(in, "asOf"));
        int check = Integer.parseInt(KeyValues.require(in, "check"));

        String verdict;
        if (!ISSUERS.contains(issuer)) {
            verdict = "UNKNOWN-ISSUER";
        } else if (checkDigits(number) != check) {
            verdict = "CHECK-DIGITS-MISMATCH";
        } else if (expires.isBefore(asOf)) {
            verdict = "EXPIRED";
        } else {
            verdict = "VALID";
        }
        Map<String, String> out = new LinkedHashMap<>();
        out.put("certificate", number);
        out.put("verdict", verdict);
        out.put("fingerprint", fingerprint(request));
        return KeyValues.format(out);
    }

    /** A sample request: mostly valid certificates, some expired, a few with wrong check digits. */
    static String sampleRequest(Random random, LocalDate asOf) {
        String issuer = random.nextInt(10) < 7 ? "JAKIM" : random.nextBoolean() ? "MUIS" : "BPJPH";
        String number = issuer + "-" + (2022 + random.nextInt(5)) + "-" + String.format("%06d", random.nextInt(1_000_000));
        int roll = random.nextInt(100);
        LocalDate expires = roll < 8 ? asOf.minusDays(1 + random.nextInt(300)) : asOf.plusDays(1 + random.nextInt(700));
        int check = roll >= 8 && roll < 12 ? (checkDigits(number) + 1) % 97 : checkDigits(number);
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("certificate", number);
        fields.put("issuer", issuer);
        fields.put("product", PRODUCTS[random.nextInt(PRODUCTS.length)]);
        fields.put("expires", expires.toString());
        fields.put("asOf", asOf.toString());
        fields.put("check", Integer.toString(check));
        return KeyValues.format(fields);
    }

    /** ISO 7064 mod 97 over the certificate number's digits, the scheme IBANs use. */
    static int checkDigits(String number) {
        int remainder = 0;
        for (int i = 0; i < number.length(); i++) {
            char c = number.charAt(i);
            if (c >= '0' && c <= '9') {
                remainder = (remainder * 10 + (c - '0')) % 97;
            }
        }
        return remainder;
    }

    private static String fingerprint(String request) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(request.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
