/**
 * A2A (Agent2Agent protocol) agents as orchestrator agents: {@link io.agentorchestrator.core.a2a.A2aAgents}
 * reads an agent card into a descriptor, and the {@code a2a:} transport
 * ({@link io.agentorchestrator.core.a2a.A2aTransportProvider}) sends tasks to such agents over
 * JSON-RPC and follows them until they settle.
 */
package io.agentorchestrator.core.a2a;
