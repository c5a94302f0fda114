package io.agentorchestrator.examples.bench;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code bench rabbitmq}: the {@code amqp:} transport against a hand-written request/reply with
 * the RabbitMQ Java client: persistent tasks published with publisher confirms to a durable
 * queue, consumed with manual acks; replies published with confirms to the caller's reply queue,
 * the task acked once its reply is confirmed.
 *
 * <p>The transport runs with the defaults a user gets, so its agent queue is a priority queue
 * (three bands of task priority, {@code x-max-priority} 2) while the raw task queue is a plain
 * one: the raw code has no task priorities to honour. The priority queue costs the broker about
 * 9 % more work per request/reply than a plain one (25 % with all ten levels). Other queue
 * settings can be measured with {@code --amqp}, e.g.
 * {@code amqp://guest:guest@127.0.0.1:5672?maxPriority=9} (all ten levels) or {@code ?maxPriority=0}
 * (plain queues).
 */
final class RabbitMqBench extends BrokerBench {

    @Override
    String name() {
        return "rabbitmq";
    }

    @Override
    String transportUri(BenchOptions options, String run) {
        // Queues expire a minute after the run, so benchmarks leave nothing behind on a shared broker.
        return options.amqp() + (options.amqp().contains("?") ? "&" : "?") + "prefix=" + run + "&queueExpires=60s&replyQueueExpires=60s";
    }

    @Override
    String endpoint(String agentId) {
        return "amqp:" + agentId;
    }

    @Override
    RawRequestReply raw(BenchOptions options, String run) throws Exception {
        return new Raw(URI.create(options.amqp()), run);
    }

    /**
     * The caller publishes on one confirm channel (confirms handled asynchronously: a nack fails
     * the request) and consumes its reply queue with acks; the worker consumes the task queue with
     * a prefetch of 64, publishes each echo with a confirm and acks the task when it arrives.
     */
    static final class Raw implements RawRequestReply {
        private final Connection connection;
        private final Channel caller;
        private final Channel replies;
        private final Channel worker;
        private final String tasks;
        private final String replyQueue;
        private final Map<String, CompletableFuture<byte[]>> waiting = new ConcurrentHashMap<>();
        private final ConcurrentNavigableMap<Long, String> unconfirmedTasks = new ConcurrentSkipListMap<>();
        private final ConcurrentNavigableMap<Long, Long> unconfirmedReplies = new ConcurrentSkipListMap<>();
        private final AtomicLong ids = new AtomicLong();

        Raw(URI uri, String run) throws Exception {
            ConnectionFactory factory = new ConnectionFactory();
            factory.setUri(uri);
            factory.setConnectionTimeout(10_000);
            connection = factory.newConnection("bench-raw-" + run);
            tasks = run + ".raw.tasks";
            replyQueue = run + ".raw.replies";
            caller = connection.createChannel();
            caller.queueDeclare(tasks, true, false, false, Map.of("x-expires", 60_000));
            caller.queueDeclare(replyQueue, false, false, false, Map.of("x-expires", 60_000));
            caller.confirmSelect();
            caller.addConfirmListener((seq, multiple) -> settle(unconfirmedTasks, seq, multiple, null),
                    (seq, multiple) -> settle(unconfirmedTasks, seq, multiple, new IOException("the broker nacked the task")));

            replies = connection.createChannel();
            replies.basicQos(256);
            replies.basicConsume(replyQueue, false, new DefaultConsumer(replies) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties props, byte[] body) throws IOException {
                    CompletableFuture<byte[]> reply = waiting.remove(props.getCorrelationId());
                    getChannel().basicAck(envelope.getDeliveryTag(), false);
                    if (reply != null) {
                        reply.complete(body);
                    }
                }
            });

            worker = connection.createChannel();
            worker.basicQos(64);
            worker.confirmSelect();
            worker.addConfirmListener((seq, multiple) -> ackTasks(seq, multiple), (seq, multiple) -> {
                // Not acked: the broker redelivers the task and it is answered again.
                (multiple ? unconfirmedReplies.headMap(seq, true) : unconfirmedReplies.subMap(seq, true, seq, true)).clear();
            });
            worker.basicConsume(tasks, false, new DefaultConsumer(worker) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties props, byte[] body) throws IOException {
                    AMQP.BasicProperties reply = new AMQP.BasicProperties.Builder().correlationId(props.getCorrelationId()).deliveryMode(1)
                            .build();
                    synchronized (worker) {
                        unconfirmedReplies.put(worker.getNextPublishSeqNo(), envelope.getDeliveryTag());
                        worker.basicPublish("", props.getReplyTo(), reply, body);
                    }
                }
            });
        }

        @Override
        public CompletableFuture<byte[]> call(byte[] body) throws IOException {
            String id = Long.toString(ids.incrementAndGet());
            CompletableFuture<byte[]> reply = new CompletableFuture<>();
            waiting.put(id, reply);
            AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().deliveryMode(2).correlationId(id).replyTo(replyQueue).build();
            synchronized (caller) {
                unconfirmedTasks.put(caller.getNextPublishSeqNo(), id);
                caller.basicPublish("", tasks, props, body);
            }
            return reply;
        }

        private void settle(ConcurrentNavigableMap<Long, String> unconfirmed, long seq, boolean multiple, IOException nack) {
            Map<Long, String> done = multiple ? unconfirmed.headMap(seq, true) : unconfirmed.subMap(seq, true, seq, true);
            if (nack != null) {
                for (String id : done.values()) {
                    CompletableFuture<byte[]> reply = waiting.remove(id);
                    if (reply != null) {
                        reply.completeExceptionally(nack);
                    }
                }
            }
            done.clear();
        }

        private void ackTasks(long seq, boolean multiple) throws IOException {
            Map<Long, Long> done = multiple ? unconfirmedReplies.headMap(seq, true) : unconfirmedReplies.subMap(seq, true, seq, true);
            for (Long tag : done.values()) {
                worker.basicAck(tag, false);
            }
            done.clear();
        }

        @Override
        public void close() throws Exception {
            try {
                caller.queueDelete(tasks);
                caller.queueDelete(replyQueue);
            } finally {
                connection.close(5_000);
            }
        }
    }
}
