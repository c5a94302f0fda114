package io.agentorchestrator.examples.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker benchmark scenarios run once each at a tiny size against the local Redis and
 * RabbitMQ and an embedded Kafka, only to prove they run and report their metrics. When Redis or
 * RabbitMQ is down the test fails saying how to start them.
 */
class BrokerBenchIT {

    private static final String[] METRICS = {"throughput_per_s.orchestrator", "throughput_per_s.raw", "ratio.vs_raw",
        "p50_ms.orchestrator", "p99_ms.orchestrator", "p99_ms.raw", "throughput_per_s.orchestrator.1", "throughput_per_s.raw.1"};

    @TempDir
    java.nio.file.Path dir;

    @Test
    void redisRunsSideBySideWithARawJedisClient() throws Exception {
        requireReachable("Redis", 6379, "sudo apt-get install -y redis-server (it starts itself), or .ci/run");
        BenchRun.of(dir, "redis").reportsPositive(METRICS);
    }

    @Test
    void rabbitmqRunsSideBySideWithARawAmqpClient() throws Exception {
        requireReachable("RabbitMQ", 5672, "sudo apt-get install -y rabbitmq-server (it starts itself, guest/guest on localhost), or .ci/run");
        BenchRun.of(dir, "rabbitmq").reportsPositive(METRICS);
    }

    private static void requireReachable(String server, int port, String howToStart) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
        } catch (IOException e) {
            throw new AssertionError(server + " is not reachable at 127.0.0.1:" + port + " (" + e.getMessage() + "). Start it: "
                    + howToStart);
        }
    }

    @Test
    void kafkaRunsSideBySideWithRawKafkaClientsOnAnEmbeddedBroker() throws Exception {
        BenchRun.of(dir, "kafka").reportsPositive(METRICS);
    }
}
