package io.agentorchestrator.core.kit;

import io.agentorchestrator.core.security.SecurityConfig;

/**
 * The explicit security opt-out for tests of everything but security, on transports other than
 * {@code inproc:} (test doubles, brokers): the security layer has its own tests
 * ({@link SecurityCompatibilityKit} on every transport).
 */
public final class TestSecurity {

    /** Security off, for a test that is about something else. */
    public static final SecurityConfig OFF = SecurityConfig.insecure("test of transports and dispatch; security is tested on its own");

    private TestSecurity() {
    }
}
