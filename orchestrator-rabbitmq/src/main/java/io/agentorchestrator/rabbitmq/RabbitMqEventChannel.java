package io.agentorchestrator.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import io.agentorchestrator.api.EventChannel;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.TransportException;
import io.agentorchestrator.api.ValidationException;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Event channels on the {@code <prefix>.events} topic exchange: a message is published with the
 * channel's name as its routing key, transient and unconfirmed (the contract is at most once), and
 * each watch consumes, with automatic acks, a server-named exclusive queue bound to that key.
 * The client's topology recovery declares and binds a new queue after a reconnect; what was
 * published meanwhile is missed.
 */
final class RabbitMqEventChannel implements EventChannel {

    private static final Logger log = LoggerFactory.getLogger(RabbitMqEventChannel.class);
    private static final AMQP.BasicProperties TRANSIENT = new AMQP.BasicProperties.Builder().contentType("application/json")
            .type("event").deliveryMode(1).build();

    private final RabbitMqTransport transport;
    private final Object lock = new Object();
    private final List<Watch> watches = new CopyOnWriteArrayList<>();
    private Channel publishing;

    RabbitMqEventChannel(RabbitMqTransport transport) {
        this.transport = transport;
    }

    private String exchange() {
        return transport.settings().eventsExchange();
    }

    @Override
    public void publish(String channel, byte[] message) {
        EventChannel.requireName(channel, "channel");
        ValidationException.requireNonNull(message, "message");
        if (transport.isClosed()) {
            throw failure("The amqp transport is closed", false, null);
        }
        // One channel for every publisher of this transport: a channel is not for concurrent publishes.
        synchronized (lock) {
            try {
                if (publishing == null || !publishing.isOpen()) {
                    publishing = transport.connection().createChannel();
                }
                publishing.basicPublish(exchange(), channel, false, TRANSIENT, message);
            } catch (IOException | ShutdownSignalException e) {
                throw failure("Could not publish on event channel '" + channel + "': " + e.getMessage(), true, e);
            }
        }
    }

    @Override
    public Transport.Listener watch(String channel, Consumer<byte[]> receiver) {
        EventChannel.requireName(channel, "channel");
        ValidationException.requireNonNull(receiver, "receiver");
        try {
            Channel ch = transport.connection().createChannel();
            // Server-named, exclusive, auto-delete: gone with the watch, declared anew by topology recovery.
            String queue = ch.queueDeclare().getQueue();
            ch.queueBind(queue, exchange(), channel);
            Watch w = new Watch(ch, channel, receiver);
            ch.basicConsume(queue, true, w);
            watches.add(w);
            return w;
        } catch (IOException | ShutdownSignalException e) {
            throw failure("Could not watch event channel '" + channel + "' on exchange '" + exchange() + "': " + e.getMessage(), true, e);
        }
    }

    private TransportException failure(String message, boolean retryable, Throwable cause) {
        return new TransportException(RabbitMqTransport.SCHEME, transport.settings().address(), message, retryable, cause);
    }

    void close() {
        for (Watch w : List.copyOf(watches)) {
            w.close();
        }
        synchronized (lock) {
            RabbitMqTransport.closeQuietly(publishing);
            publishing = null;
        }
    }

    private final class Watch extends DefaultConsumer implements Transport.Listener {
        private final String name;
        private final Consumer<byte[]> receiver;
        private volatile boolean open = true;

        Watch(Channel channel, String name, Consumer<byte[]> receiver) {
            super(channel);
            this.name = name;
            this.receiver = receiver;
        }

        @Override
        public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
            if (!open) {
                return;
            }
            try {
                receiver.accept(body);
            } catch (RuntimeException e) {
                log.warn("Event channel watcher {} on '{}' threw; carrying on", receiver, name, e);
            }
        }

        @Override
        public void close() {
            if (!open) {
                return;
            }
            open = false;
            watches.remove(this);
            RabbitMqTransport.closeQuietly(getChannel());
        }
    }
}
