/**
 * The public contract of Agent Orchestrator: value types (agents, tasks, results, envelopes),
 * the event family, the exceptions, and the four plug-in points ({@link io.agentorchestrator.api.Agent},
 * {@link io.agentorchestrator.api.Balancer}, {@link io.agentorchestrator.api.HealthProbe},
 * {@link io.agentorchestrator.api.Transport}). Depends on nothing but the JDK, so a plug-in
 * author needs only this module.
 */
package io.agentorchestrator.api;
