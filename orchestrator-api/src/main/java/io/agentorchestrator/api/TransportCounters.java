package io.agentorchestrator.api;

/**
 * What a transport counted since it was created, for metrics: the orchestrator's Micrometer
 * binder exports these per transport scheme. Each value only grows.
 *
 * @param sendErrors   attempts whose reply future failed with a {@link TransportException}: not
 *                     delivered, or the agent went away before answering
 * @param redeliveries tasks the broker delivered again to an agent side (after a crash, a lost
 *                     acknowledgement or a rebalance) that this transport noticed
 * @param deadLetters  messages set aside as undeliverable (malformed, or past a delivery limit)
 * @param lateReplies  replies that arrived after their task stopped waiting; dropped
 */
public record TransportCounters(long sendErrors, long redeliveries, long deadLetters, long lateReplies) {
}
