/**
 * Traffic analytics: rolling 1, 5 and 15 minute throughput, error rate, latency percentiles and
 * trends per capability and per agent, computed in bounded memory from the orchestrator's events.
 * Start at {@link io.agentorchestrator.core.stats.StatsSnapshot}, from {@code Orchestrator.stats()}.
 */
package io.agentorchestrator.core.stats;
