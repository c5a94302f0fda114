package io.agentorchestrator.examples.bench;

import java.util.concurrent.TimeUnit;

/**
 * The command-line options a scenario may read.
 *
 * @param quick     finish in under 60 s on 2 cores, at the cost of precision
 * @param scale     multiplies every duration and count of a scenario; 1 normally, tiny in the
 *                  tests that only prove a scenario runs
 * @param redis     Redis URI for {@code bench redis}
 * @param amqp      RabbitMQ URI for {@code bench rabbitmq}
 * @param bootstrap Kafka bootstrap servers for {@code bench kafka}, or null to start an embedded broker
 */
record BenchOptions(boolean quick, double scale, String redis, String amqp, String bootstrap) {

    /** Default Redis of the benchmarks. */
    static final String DEFAULT_REDIS = "redis://127.0.0.1:6379";
    /** Default RabbitMQ of the benchmarks. */
    static final String DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672";

    static BenchOptions of(boolean quick) {
        return new BenchOptions(quick, 1, DEFAULT_REDIS, DEFAULT_AMQP, null);
    }

    /** {@code quickMillis} or {@code fullMillis} as nanoseconds, times the scale. */
    long nanos(long quickMillis, long fullMillis) {
        return (long) (TimeUnit.MILLISECONDS.toNanos(quick ? quickMillis : fullMillis) * scale);
    }

    /** {@code quickCount} or {@code fullCount} times the scale, at least 1. */
    int count(int quickCount, int fullCount) {
        return Math.max(1, (int) Math.round((quick ? quickCount : fullCount) * scale));
    }
}
