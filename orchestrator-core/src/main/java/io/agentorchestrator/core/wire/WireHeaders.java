package io.agentorchestrator.core.wire;

/**
 * The names of the message headers the library itself sets or reads, on every transport: all of
 * them start with {@value #PREFIX}, so they never clash with a task's own headers (trace context,
 * credentials) that travel unchanged in the envelope's {@code headers} map. Where each one goes on
 * each broker is in {@code docs/wire-format.md}.
 */
public final class WireHeaders {

    /** The prefix of every header name the library sets. */
    public static final String PREFIX = "x-orchestrator-";

    /** In a task's {@code headers}: {@code 1} on a health-check ping. */
    public static final String PING = PREFIX + "ping";
    /** Kafka record header of tasks and results: the orchestrator instance that sent the task. */
    public static final String INSTANCE = PREFIX + "instance";
    /** Kafka record header of tasks: the partition of the reply topic the sending instance reads. */
    public static final String REPLY_PARTITION = PREFIX + "reply-partition";
    /** Kafka record header of tasks and results: the task id, for tooling. */
    public static final String TASK_ID = PREFIX + "task-id";
    /** AMQP header of task messages: how often the message was delivered, across agent crashes. */
    public static final String DELIVERY_COUNT = PREFIX + "delivery-count";
    /** Header of dead letters: why the message was put aside. */
    public static final String DEAD_LETTER_REASON = PREFIX + "dead-letter-reason";
    /** AMQP header of dead letters: the details, naming the bad field or the count. */
    public static final String DEAD_LETTER_DETAIL = PREFIX + "dead-letter-detail";
    /** AMQP header of dead letters: the queue the message came from. */
    public static final String DEAD_LETTER_QUEUE = PREFIX + "dead-letter-queue";
    /** Kafka header of dead letters: the topic the record came from. */
    public static final String DEAD_LETTER_TOPIC = PREFIX + "dead-letter-topic";
    /** Kafka header of dead letters: the partition the record came from. */
    public static final String DEAD_LETTER_PARTITION = PREFIX + "dead-letter-partition";
    /** Kafka header of dead letters: the offset the record had. */
    public static final String DEAD_LETTER_OFFSET = PREFIX + "dead-letter-offset";

    private WireHeaders() {
    }
}
