package io.agentorchestrator.core.internal;

import io.agentorchestrator.api.EventChannel;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.ValidationException;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code inproc:} event channel: one per JVM, shared by every in-process transport as its
 * broker would be. A message is handed to each watcher on the publishing thread (for mirrored
 * events, the event stream's own thread), so watchers must be quick.
 */
final class InProcessEventChannel implements EventChannel {

    static final InProcessEventChannel SHARED = new InProcessEventChannel();
    private static final Logger log = LoggerFactory.getLogger(InProcessEventChannel.class);

    private final ConcurrentHashMap<String, List<Consumer<byte[]>>> watchers = new ConcurrentHashMap<>();

    @Override
    public void publish(String channel, byte[] message) {
        EventChannel.requireName(channel, "channel");
        ValidationException.requireNonNull(message, "message");
        List<Consumer<byte[]>> list = watchers.get(channel);
        if (list == null) {
            return;
        }
        for (Consumer<byte[]> receiver : list) {
            try {
                // Each watcher its own copy: what one does to the array the next does not see.
                receiver.accept(message.clone());
            } catch (RuntimeException e) {
                log.warn("Event channel watcher {} on '{}' threw; carrying on", receiver, channel, e);
            }
        }
    }

    @Override
    public Transport.Listener watch(String channel, Consumer<byte[]> receiver) {
        EventChannel.requireName(channel, "channel");
        ValidationException.requireNonNull(receiver, "receiver");
        // A wrapper per watch, so the same receiver watching twice is two watchers, closed one by one.
        Consumer<byte[]> watcher = receiver::accept;
        watchers.computeIfAbsent(channel, c -> new CopyOnWriteArrayList<>()).add(watcher);
        return () -> watchers.computeIfPresent(channel, (c, list) -> {
            list.remove(watcher);
            return list.isEmpty() ? null : list;
        });
    }
}
