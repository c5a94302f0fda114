/**
 * Tracing of tasks through Micrometer's {@code Observation} API: the names and keys of the
 * observations the orchestrator and {@link io.agentorchestrator.core.AgentRuntime} make when given
 * an {@code ObservationRegistry}. Tracing is on only when the host passes a registry to a builder,
 * and needs {@code io.micrometer:micrometer-observation} on the classpath only then.
 */
package io.agentorchestrator.core.tracing;
