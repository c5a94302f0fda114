package io.agentorchestrator.kafka;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.core.AgentRuntime;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.kit.TestSecurity;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import kafka.server.BrokerServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.common.utils.Exit;

/**
 * A real single-node KRaft broker (combined broker and controller) inside the test JVM, on free
 * loopback ports, from the Maven Central artifacts {@code org.apache.kafka:kafka_2.13} and
 * {@code kafka-test-common-runtime} (test scope). {@link #shared()} starts one per test run, used
 * by every *IT class of the module; {@link #start()} a private one.
 *
 * <p>The shared broker is stopped by {@link EmbeddedKafkaSession} when the JUnit launcher session
 * ends, on the test thread and before the test JVM starts to exit, not in a shutdown hook racing
 * the fork's own exit. And no broker here can end the JVM: Kafka's {@code Exit.exit/halt}, which a
 * broker calls on a fatal error, only record and report the call (see {@link #exitCalls()}), so a
 * broker in trouble fails a test instead of killing the test fork with a non-zero exit code.
 */
final class EmbeddedKafka implements AutoCloseable {

    private static final List<String> exitCalls = new java.util.concurrent.CopyOnWriteArrayList<>();
    private static EmbeddedKafka shared;

    static {
        Exit.setExitProcedure((status, message) -> refuseExit("exit", status, message));
        Exit.setHaltProcedure((status, message) -> refuseExit("halt", status, message));
    }

    private final KafkaClusterTestKit cluster;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private EmbeddedKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    /**
     * The broker shared by the module's tests, started on first use and stopped by
     * {@link #closeShared()} when the launcher session ends (a later call starts a new one).
     */
    static synchronized EmbeddedKafka shared() {
        if (shared == null) {
            EmbeddedKafka started = start();
            try {
                started.warmUpTransport();
            } catch (RuntimeException e) {
                started.close();
                throw e;
            }
            shared = started;
        }
        return shared;
    }

    /** Stops the shared broker, if one runs, and waits until it has stopped. */
    static synchronized void closeShared() {
        EmbeddedKafka s = shared;
        shared = null;
        if (s != null) {
            s.close();
        }
    }

    /** Calls of Kafka's {@code Exit.exit/halt} made in this JVM so far, each as {@code "halt(1): reason"}. */
    static List<String> exitCalls() {
        return List.copyOf(exitCalls);
    }

    private static void refuseExit(String kind, int status, String message) {
        String call = kind + "(" + status + "): " + message;
        exitCalls.add(call);
        // On stderr, not through a logger: this may run while logging is being torn down.
        System.err.println("EmbeddedKafka: Kafka asked the test JVM to " + call + "; refused, so the test fork survives");
        new Throwable("Exit." + kind + " called here").printStackTrace();
    }

    /** Starts a new broker; the caller closes it. */
    static EmbeddedKafka start() {
        try {
            KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(
                    new TestKitNodes.Builder().setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                    // One broker: internal topics must not ask for more replicas, or groups never get a coordinator.
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("offsets.topic.num.partitions", "4")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setConfigProp("group.min.session.timeout.ms", "500")
                    .setConfigProp("auto.create.topics.enable", "false")
                    .setConfigProp("num.partitions", "1")
                    .build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            EmbeddedKafka kafka = new EmbeddedKafka(cluster);
            kafka.warmUp();
            return kafka;
        } catch (Exception | LinkageError e) {
            throw new IllegalStateException("Could not start the embedded Kafka broker. It comes from the test dependencies "
                    + "org.apache.kafka:kafka_2.13 and org.apache.kafka:kafka-test-common-runtime (4.3.1) on Maven Central: "
                    + "run 'mvn -pl orchestrator-kafka verify' with access to Maven Central (or a mirror), and check that "
                    + "loopback ports can be bound. Cause: " + e, e);
        }
    }

    /**
     * One produce and one group consume, so that the internal offsets topic exists and the first
     * test does not pay for it (nor for a cold JIT) inside its own timeouts.
     */
    private void warmUp() throws Exception {
        String topic = "warm-up-" + UUID.randomUUID();
        Map<String, Object> common = Map.of("bootstrap.servers", bootstrapServers());
        try (Admin admin = Admin.create(common)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        Map<String, Object> p = new HashMap<>(common);
        p.put("key.serializer", ByteArraySerializer.class);
        p.put("value.serializer", ByteArraySerializer.class);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            producer.send(new ProducerRecord<>(topic, new byte[] {1})).get(30, TimeUnit.SECONDS);
        }
        Map<String, Object> c = new HashMap<>(common);
        c.put("group.id", topic);
        c.put("auto.offset.reset", "earliest");
        c.put("key.deserializer", ByteArrayDeserializer.class);
        c.put("value.deserializer", ByteArrayDeserializer.class);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (consumer.poll(Duration.ofMillis(100)).isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the warm-up record never came back from the broker");
                }
            }
            consumer.commitSync();
        }
    }

    /**
     * A few tasks through the transport itself, so that the first test's first task does not pay
     * for class loading and a cold JIT inside its timeouts (the kit gives one task 300 ms).
     */
    private void warmUpTransport() {
        String prefix = uniquePrefix("warm-up");
        AgentDescriptor agent = AgentDescriptor.builder("warm-up").capability("warm-up").endpoint("kafka:warm-up").build();
        try (KafkaTransport orchestratorSide = (KafkaTransport) new KafkaTransportProvider().create(URI.create(uri(prefix, "")));
                KafkaTransport agentSide = (KafkaTransport) new KafkaTransportProvider().create(URI.create(uri(prefix, "")));
                Orchestrator orchestrator = Orchestrator.builder().security(TestSecurity.OFF).transport(orchestratorSide).build();
                AgentRuntime runtime = AgentRuntime.builder(agent).security(TestSecurity.OFF).transport(agentSide).handler(task -> task.payload()).start()) {
            orchestrator.register(runtime.agent());
            for (int i = 0; i < 20; i++) {
                orchestrator.dispatch(Task.of("warm-up", "ping")).get(30, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            throw new IllegalStateException("The embedded Kafka broker started but a task could not make a round trip through it: " + e, e);
        }
    }

    /** {@code host:port} of the broker. */
    String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /**
     * A transport URI for this broker with test-friendly options and topics under a prefix of
     * its own, so runs and tests do not see each other's topics.
     */
    String uri(String prefix, String extraOptions) {
        return "kafka://" + bootstrapServers() + "?topicPrefix=" + prefix + "&capabilityPartitions=4&replyPartitions=2"
                + "&sessionTimeoutMs=2000&revokeGraceMs=3000&lingerMs=1" + (extraOptions.isEmpty() ? "" : "&" + extraOptions);
    }

    /** A prefix unique to this run. */
    static String uniquePrefix(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    }

    /** Stops the broker process part (the controller stays up), as a crash or restart would. */
    void stopBroker() {
        BrokerServer broker = cluster.brokers().values().iterator().next();
        broker.shutdown();
        broker.awaitShutdown();
    }

    /** Starts the broker again after {@link #stopBroker()}. */
    void startBroker() throws Exception {
        BrokerServer broker = cluster.brokers().values().iterator().next();
        broker.startup();
        cluster.waitForReadyBrokers();
    }

    /** Stops the broker and controller and deletes their directories; a second call does nothing. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            cluster.close();
        } catch (Exception e) {
            // The test kit rethrows the first fault its brokers recorded: report it, the tests are over.
            System.err.println("EmbeddedKafka: the broker reported a fault while stopping: " + e);
        }
    }
}
