/**
 * The optional admin API and live dashboard: agents, health, readiness, analytics, task dispatch
 * and Server-Sent Events over HTTP, protected by bearer tokens with roles, rate limits, CORS and
 * security headers. Mount {@link io.agentorchestrator.core.admin.AdminApi} in a host's own server,
 * or let {@code Orchestrator.builder().adminServer(config)} start an
 * {@link io.agentorchestrator.core.admin.AdminServer} on the JDK's built-in one.
 */
package io.agentorchestrator.core.admin;
