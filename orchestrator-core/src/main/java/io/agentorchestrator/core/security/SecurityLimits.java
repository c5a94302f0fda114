package io.agentorchestrator.core.security;

import io.agentorchestrator.api.ValidationException;

/**
 * Limits against abuse by senders that can reach the broker: each breach is refused with a
 * {@link io.agentorchestrator.api.LimitExceededException} (or a rejected message), counted and
 * audited, and nothing is half-registered. Immutable.
 *
 * @param maxPayloadBytes                 largest task or result payload accepted from a transport
 * @param maxMetadataBytes                most bytes (UTF-16 characters of keys and values) of an
 *                                        agent's metadata
 * @param maxAgentsPerCapability          most registered agents serving one capability
 * @param maxRegistrationsPerPrincipalPerMinute most new agents one principal may register in any
 *                                        60 seconds (heartbeats of registered agents do not count)
 */
public record SecurityLimits(int maxPayloadBytes, int maxMetadataBytes, int maxAgentsPerCapability,
                             int maxRegistrationsPerPrincipalPerMinute) {

    /** Default {@link #maxPayloadBytes()}: 1 MiB, the orchestrator's own default. */
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 1 << 20;
    /** Default {@link #maxMetadataBytes()}: 16 KiB. */
    public static final int DEFAULT_MAX_METADATA_BYTES = 16 * 1024;
    /** Default {@link #maxAgentsPerCapability()}. */
    public static final int DEFAULT_MAX_AGENTS_PER_CAPABILITY = 1000;
    /** Default {@link #maxRegistrationsPerPrincipalPerMinute()}. */
    public static final int DEFAULT_MAX_REGISTRATIONS_PER_PRINCIPAL_PER_MINUTE = 120;

    /** Checks every limit is positive. */
    public SecurityLimits {
        ValidationException.require(maxPayloadBytes > 0, "maxPayloadBytes", "must be > 0", maxPayloadBytes);
        ValidationException.require(maxMetadataBytes > 0, "maxMetadataBytes", "must be > 0", maxMetadataBytes);
        ValidationException.require(maxAgentsPerCapability > 0, "maxAgentsPerCapability", "must be > 0", maxAgentsPerCapability);
        ValidationException.require(maxRegistrationsPerPrincipalPerMinute > 0, "maxRegistrationsPerPrincipalPerMinute",
                "must be > 0", maxRegistrationsPerPrincipalPerMinute);
    }

    /** The default limits. */
    public static SecurityLimits defaults() {
        return new SecurityLimits(DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_MAX_METADATA_BYTES, DEFAULT_MAX_AGENTS_PER_CAPABILITY,
                DEFAULT_MAX_REGISTRATIONS_PER_PRINCIPAL_PER_MINUTE);
    }

    /** A copy with another {@link #maxPayloadBytes()}. */
    public SecurityLimits withMaxPayloadBytes(int max) {
        return new SecurityLimits(max, maxMetadataBytes, maxAgentsPerCapability, maxRegistrationsPerPrincipalPerMinute);
    }

    /** A copy with another {@link #maxMetadataBytes()}. */
    public SecurityLimits withMaxMetadataBytes(int max) {
        return new SecurityLimits(maxPayloadBytes, max, maxAgentsPerCapability, maxRegistrationsPerPrincipalPerMinute);
    }

    /** A copy with another {@link #maxAgentsPerCapability()}. */
    public SecurityLimits withMaxAgentsPerCapability(int max) {
        return new SecurityLimits(maxPayloadBytes, maxMetadataBytes, max, maxRegistrationsPerPrincipalPerMinute);
    }

    /** A copy with another {@link #maxRegistrationsPerPrincipalPerMinute()}. */
    public SecurityLimits withMaxRegistrationsPerPrincipalPerMinute(int max) {
        return new SecurityLimits(maxPayloadBytes, maxMetadataBytes, maxAgentsPerCapability, max);
    }
}
