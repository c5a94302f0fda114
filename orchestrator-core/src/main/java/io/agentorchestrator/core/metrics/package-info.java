/**
 * Micrometer meters for an orchestrator. Needs {@code io.micrometer:micrometer-core} on the
 * classpath, an optional dependency of the core: nothing outside this package refers to it.
 */
package io.agentorchestrator.core.metrics;
