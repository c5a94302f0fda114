/**
 * The security layer: signed, expiring, single-use credentials on everything agents and
 * orchestrators send through a transport ({@link io.agentorchestrator.core.security.AgentAuthenticators}),
 * end-to-end payload encryption ({@link io.agentorchestrator.core.security.KeyProviders}), the
 * access policy, limits against abuse and the audit trail, all configured by one
 * {@link io.agentorchestrator.core.security.SecurityConfig} given to
 * {@code Orchestrator.builder().security(...)} and {@code AgentRuntime.builder(...).security(...)}.
 */
package io.agentorchestrator.core.security;
