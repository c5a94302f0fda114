/**
 * How the security layer works: decorators of {@code Transport}, {@code AgentDirectory} and
 * {@code Orchestrator} installed by the builders, the HS256 JWT authenticator, AES-GCM and the
 * result frame, the replay memory and the registration gate. Not a public API.
 */
package io.agentorchestrator.core.security.internal;
