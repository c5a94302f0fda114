/**
 * Plug-in points of the security layer: how agents and orchestrators prove who they are
 * ({@link io.agentorchestrator.api.security.AgentAuthenticator}), where symmetric keys come from
 * ({@link io.agentorchestrator.api.security.KeyProvider}) and where audit events go
 * ({@link io.agentorchestrator.api.security.AuditSink}). The implementations and the
 * configuration live in {@code io.agentorchestrator.core.security}.
 */
package io.agentorchestrator.api.security;
