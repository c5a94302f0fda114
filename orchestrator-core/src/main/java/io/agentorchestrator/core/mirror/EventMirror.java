package io.agentorchestrator.core.mirror;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.EventChannel;
import io.agentorchestrator.api.OrchestratorEvent;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.TransportException;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.Orchestrator;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mirrors an orchestrator's live events onto a transport's {@link EventChannel}, and watches
 * the events other orchestrators mirror there.
 *
 * <pre>{@code
 * Orchestrator.builder().transport("redis://127.0.0.1:6379").mirrorEvents("redis", "orders")...build();   // publish
 * EventMirror.watch(redisTransport, "orders", e -> log.info("{} {} {}", e.origin(), e.type(), e.fields()));  // watch
 * }</pre>
 *
 * <p>The publishing side is an {@link Orchestrator#events()} subscriber, so mirroring never slows
 * dispatch: it runs on the stream's own thread, and what does not fit its buffer is dropped and
 * counted in {@code events().dropped()}. Each event is one JSON message:
 * {@code {"v":1,"origin":"...","type":"TaskCompleted","at":"...","fields":{...}}} (see
 * {@link MirroredEvent} for how fields are written). Delivery is the channel's: live and at most
 * once.
 */
public final class EventMirror {

    private static final Logger log = LoggerFactory.getLogger(EventMirror.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** The format's version, written into every message; a watcher skips messages of another. */
    static final int VERSION = 1;
    private static final ClassValue<RecordComponent[]> COMPONENTS = new ClassValue<>() {
        @Override
        protected RecordComponent[] computeValue(Class<?> type) {
            return type.isRecord() ? type.getRecordComponents() : new RecordComponent[0];
        }
    };

    private EventMirror() {
    }

    /**
     * Starts publishing every event of {@code orchestrator} from now on to {@code channel}, until
     * the orchestrator closes. {@link Orchestrator.Builder#mirrorEvents} calls this for you.
     *
     * @param origin the name watchers see the events come from
     * @return the publishing subscriber, for its counts
     * @throws ValidationException when a value is null or the channel or origin name is not valid
     */
    public static Publisher publish(Orchestrator orchestrator, EventChannel events, String channel, String origin) {
        ValidationException.requireNonNull(orchestrator, "orchestrator");
        ValidationException.requireNonNull(events, "events");
        Publisher p = new Publisher(events, EventChannel.requireName(channel, "channel"), EventChannel.requireName(origin, "origin"));
        orchestrator.events().subscribe(p);
        return p;
    }

    /**
     * Hands {@code watcher} every event mirrored onto {@code channel} of {@code transport}'s broker
     * from now on, on a transport thread. Messages that are not mirrored events of this format are
     * skipped (counted and logged once).
     *
     * @return a handle that stops watching when closed
     * @throws ValidationException when a value is null, the channel name is not valid, or the
     *                             transport has no event channel
     */
    public static Transport.Listener watch(Transport transport, String channel, Consumer<MirroredEvent> watcher) {
        ValidationException.requireNonNull(transport, "transport");
        ValidationException.requireNonNull(watcher, "watcher");
        EventChannel events = transport.eventChannel().orElseThrow(() -> new ValidationException("transport",
                "must offer an event channel (Transport.eventChannel()), which this one does not", transport.scheme()));
        LongAdder malformed = new LongAdder();
        AtomicBoolean warned = new AtomicBoolean();
        return events.watch(EventChannel.requireName(channel, "channel"), bytes -> {
            MirroredEvent event = decode(bytes);
            if (event == null) {
                malformed.increment();
                if (warned.compareAndSet(false, true)) {
                    log.warn("Skipping a message on event channel '{}' that is not a mirrored event (logged once)", channel);
                }
                return;
            }
            try {
                watcher.accept(event);
            } catch (RuntimeException e) {
                log.warn("Event watcher {} threw on {}; carrying on", watcher, event.type(), e);
            }
        });
    }

    /** One event as the JSON message mirrored for it. */
    static byte[] encode(String origin, OrchestratorEvent event) {
        ObjectNode n = NODES.objectNode();
        n.put("v", VERSION);
        n.put("origin", origin);
        n.put("type", event.getClass().getSimpleName());
        n.put("at", event.at().toString());
        ObjectNode fields = n.putObject("fields");
        for (RecordComponent c : COMPONENTS.get(event.getClass())) {
            if (!c.getName().equals("at")) {
                fields.set(c.getName(), value(read(c, event)));
            }
        }
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new IllegalStateException("Could not write a mirrored event", e);
        }
    }

    private static Object read(RecordComponent c, Object record) {
        try {
            return c.getAccessor().invoke(record);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("Could not read " + c.getName() + " of " + record.getClass().getSimpleName(), e);
        }
    }

    private static JsonNode value(Object v) {
        if (v == null) {
            return NODES.nullNode();
        } else if (v instanceof String s) {
            return NODES.textNode(s);
        } else if (v instanceof Integer i) {
            return NODES.numberNode(i);
        } else if (v instanceof Long l) {
            return NODES.numberNode(l);
        } else if (v instanceof Double d) {
            return NODES.numberNode(d);
        } else if (v instanceof Boolean b) {
            return NODES.booleanNode(b);
        } else if (v instanceof Enum<?> e) {
            return NODES.textNode(e.name());
        } else if (v instanceof AgentDescriptor a) {
            ObjectNode n = NODES.objectNode();
            n.put("id", a.id());
            ArrayNode caps = n.putArray("capabilities");
            a.capabilities().forEach(caps::add);
            n.put("endpoint", a.endpoint().toString());
            n.put("maxConcurrency", a.maxConcurrency());
            return n;
        } else if (v instanceof Throwable t) {
            ObjectNode n = NODES.objectNode();
            n.put("type", t.getClass().getSimpleName());
            n.put("message", t.getMessage());
            return n;
        } else if (v instanceof Collection<?> list) {
            ArrayNode a = NODES.arrayNode();
            list.forEach(item -> a.add(value(item)));
            return a;
        }
        // Instant, Duration and anything else: their ISO-8601 or plain string form.
        return NODES.textNode(v.toString());
    }

    /** A mirrored event from its message, or null when the message is not one (of this version). */
    static MirroredEvent decode(byte[] message) {
        try {
            JsonNode n = JSON.readTree(message);
            if (n == null || !n.isObject() || n.path("v").asInt() != VERSION || !n.path("origin").isTextual()
                    || !n.path("type").isTextual() || !n.path("at").isTextual() || !n.path("fields").isObject()) {
                return null;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> fields = JSON.convertValue(n.get("fields"), LinkedHashMap.class);
            return new MirroredEvent(n.get("origin").asText(), n.get("type").asText(), Instant.parse(n.get("at").asText()),
                    Collections.unmodifiableMap(fields));
        } catch (IOException | DateTimeParseException | IllegalArgumentException e) {
            return null;
        }
    }

    /** A duration field of a mirrored event ({@code "PT0.0123S"}), or null when absent. */
    public static Duration duration(MirroredEvent event, String field) {
        String v = event.string(field);
        return v == null ? null : Duration.parse(v);
    }

    /**
     * The subscriber that publishes one orchestrator's events: counts what it published and what
     * the channel refused (the broker unreachable), logging an outage once until it is over.
     */
    public static final class Publisher implements Flow.Subscriber<OrchestratorEvent> {
        private final EventChannel events;
        private final String channel;
        private final String origin;
        private final LongAdder published = new LongAdder();
        private final LongAdder failed = new LongAdder();
        private boolean down;

        Publisher(EventChannel events, String channel, String origin) {
            this.events = events;
            this.channel = channel;
            this.origin = origin;
        }

        /** Events handed to the channel so far. */
        public long published() {
            return published.sum();
        }

        /** Events the channel could not take (broker unreachable) so far: lost. */
        public long failed() {
            return failed.sum();
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(OrchestratorEvent event) {
            byte[] message = encode(origin, event);
            try {
                events.publish(channel, message);
                published.increment();
                if (down) {
                    down = false;
                    log.info("Mirroring events to channel '{}' again", channel);
                }
            } catch (TransportException e) {
                failed.increment();
                if (!down) {
                    down = true;
                    log.warn("Could not mirror events to channel '{}' ({}); dropping them until the broker is back", channel,
                            e.getMessage());
                }
            }
        }

        @Override
        public void onError(Throwable throwable) {
            log.warn("Event mirroring to channel '{}' stopped", channel, throwable);
        }

        @Override
        public void onComplete() {
            log.debug("Event mirroring to channel '{}' ended with the orchestrator", channel);
        }
    }
}
