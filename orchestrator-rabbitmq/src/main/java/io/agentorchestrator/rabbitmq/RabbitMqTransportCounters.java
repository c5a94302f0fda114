package io.agentorchestrator.rabbitmq;

/**
 * What a RabbitMQ transport counted since it was created: the messages it dead-lettered, the
 * replies it dropped and the duplicate deliveries it did not run. Every transport created for an
 * {@code amqp://} or {@code amqps://} URI implements it, so a host can read or export the counts:
 *
 * <pre>{@code
 * Transport transport = new RabbitMqTransportProvider().create(URI.create("amqp://..."));
 * long malformed = ((RabbitMqTransportCounters) transport).malformedMessages();
 * }</pre>
 *
 * <p>Thread-safe; each value only grows.
 */
public interface RabbitMqTransportCounters {

    /** Replies that arrived after their task stopped waiting (timed out, cancelled, answered); dropped. */
    long lateReplies();

    /** Messages that could not be decoded, dead-lettered with reason {@code malformed}. */
    long malformedMessages();

    /** Task messages dead-lettered because they were delivered more often than {@code deliveryLimit}. */
    long deliveryLimitExceeded();

    /** Deliveries of a task already running or answered on this agent side, not run again. */
    long duplicatesSuppressed();
}
