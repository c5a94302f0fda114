package io.agentorchestrator.api;

/**
 * What a transport counted since it was created, for metrics: the orchestrator's Micrometer
 * binder exports these per transport scheme. Each value only grows.
 *
 * @param sendErrors   attempts that could not be handed to the broker or agent (the send's future
 *                     failed with a {@link TransportException})
 * @param redeliveries tasks the broker delivered again to an agent side (after a crash, a lost
 *                     acknowledgement or a rebalance) that this transport noticed
 * @param deadLetters  messages set aside as undeliverable (malformed, or past a delivery limit)
 * @param lateReplies  replies that arrived after their task stopped waiting; dropped
 */
public record TransportCounters(long sendErrors, long redeliveries, long deadLetters, long lateReplies) {
}
