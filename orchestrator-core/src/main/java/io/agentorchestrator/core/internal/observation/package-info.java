/**
 * The Micrometer {@code Observation} implementations of the engine's tracing hooks; loaded only
 * when a host gives a builder an {@code ObservationRegistry}.
 */
package io.agentorchestrator.core.internal.observation;
