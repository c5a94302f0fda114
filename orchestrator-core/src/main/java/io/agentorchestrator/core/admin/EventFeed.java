package io.agentorchestrator.core.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentorchestrator.api.OrchestratorEvent;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.internal.resilience.TokenBucket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API's Server-Sent Events: turns the orchestrator's event stream into numbered SSE
 * frames, keeps the last few for clients that reconnect with {@code Last-Event-ID}, samples task
 * outcomes, and pushes a stats summary to connected clients on a timer.
 *
 * <p>Each client has a bounded queue; one that falls behind is cut off rather than allowed to
 * grow memory, and catches up from the replay buffer when it reconnects.
 */
final class EventFeed implements Flow.Subscriber<OrchestratorEvent>, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EventFeed.class);
    private static final AtomicInteger IDS = new AtomicInteger();
    private static final Duration POLL_SLICE = Duration.ofMillis(200);
    /** Tells a browser's EventSource how soon to reconnect after the stream ends. */
    private static final String RETRY = "retry: 1000\n\n";

    private final Orchestrator orchestrator;
    private final AdminServerConfig config;
    private final TokenBucket taskSample;
    private final ArrayDeque<Frame> replay = new ArrayDeque<>();
    private final Set<Client> clients = ConcurrentHashMap.newKeySet();
    private final LongAdder cutOff = new LongAdder();
    private final Object lock = new Object();
    private long sequence;
    private volatile boolean closed;
    private volatile Flow.Subscription subscription;
    private ScheduledExecutorService timer;

    private record Frame(long id, String text) {
    }

    EventFeed(Orchestrator orchestrator, AdminServerConfig config) {
        this.orchestrator = orchestrator;
        this.config = config;
        int perSecond = config.taskEventsPerSecond();
        this.taskSample = perSecond == 0 ? null : new TokenBucket(perSecond, perSecond);
    }

    /** Subscribes to the orchestrator's events and starts the stats timer. */
    void start() {
        orchestrator.events().subscribe(this);
        int id = IDS.incrementAndGet();
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "orchestrator-admin-stats-" + id);
            t.setDaemon(true);
            return t;
        });
        long interval = config.statsInterval().toNanos();
        timer.scheduleWithFixedDelay(this::pushStats, interval, interval, TimeUnit.NANOSECONDS);
    }

    /** Clients cut off since start because their buffer was full. */
    long cutOff() {
        return cutOff.sum();
    }

    int clients() {
        return clients.size();
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(OrchestratorEvent event) {
        JsonViews.Named named = JsonViews.event(event);
        if (named == null) {
            return;
        }
        if (named.isTaskOutcome() && (taskSample == null || !taskSample.tryAcquire(config.ticker().read()))) {
            return;
        }
        publish(named.name(), named.data(), true);
    }

    @Override
    public void onError(Throwable throwable) {
        log.warn("The admin event feed lost the orchestrator's event stream", throwable);
    }

    @Override
    public void onComplete() {
        // The orchestrator closed; clients are ended by close().
    }

    private void pushStats() {
        if (clients.isEmpty()) {
            return;
        }
        try {
            var stats = orchestrator.stats();
            ObjectNode data = JsonViews.agents(orchestrator.agents(), stats);
            data.put("at", stats.at().toString());
            data.put("tasksInFlight", orchestrator.tasksInFlight());
            data.set("timeline", JsonViews.timeline(stats.timeline()));
            publish("stats", data, false);
        } catch (RuntimeException e) {
            log.warn("Could not push stats to the admin event stream", e);
        }
    }

    /** Sends a frame to every client; replayable frames get the next id and go into the replay buffer. */
    private void publish(String name, ObjectNode data, boolean replayable) {
        String json;
        try {
            json = JsonViews.JSON.writeValueAsString(data);
        } catch (JsonProcessingException e) {
            log.warn("Could not write a {} event for the admin event stream", name, e);
            return;
        }
        synchronized (lock) {
            String text;
            if (replayable) {
                long id = ++sequence;
                text = "id: " + id + "\nevent: " + name + "\ndata: " + json + "\n\n";
                if (config.replayBufferSize() > 0) {
                    if (replay.size() == config.replayBufferSize()) {
                        replay.removeFirst();
                    }
                    replay.addLast(new Frame(id, text));
                }
            } else {
                text = "event: " + name + "\ndata: " + json + "\n\n";
            }
            for (Client c : clients) {
                c.offer(text);
            }
        }
    }

    /**
     * Opens a stream for a new client, replaying what it missed since {@code lastEventId}.
     *
     * @return the stream, or {@code null} when {@link AdminServerConfig#maxEventClients()} are connected
     */
    AdminEventStream open(String lastEventId) {
        synchronized (lock) {
            if (closed || clients.size() >= config.maxEventClients()) {
                return null;
            }
            Client c = new Client(config.eventBufferSize());
            c.offer(RETRY);
            long last = parse(lastEventId);
            if (last < 0 || last > sequence) {
                c.offer("id: " + sequence + "\nevent: hello\ndata: {\"lastEventId\":" + sequence + "}\n\n");
            } else if (last < sequence) {
                Frame oldest = replay.peekFirst();
                if (oldest == null || oldest.id() > last + 1) {
                    // What it missed is gone: tell it to reload its state from the REST routes.
                    c.offer("id: " + sequence + "\nevent: reset\ndata: {\"lastEventId\":" + sequence + "}\n\n");
                } else {
                    for (Frame f : replay) {
                        if (f.id() > last) {
                            c.offer(f.text());
                        }
                    }
                }
            }
            clients.add(c);
            return c;
        }
    }

    private static long parse(String id) {
        if (id == null) {
            return -1;
        }
        try {
            return Long.parseLong(id.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        closed = true;
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
        if (timer != null) {
            timer.shutdownNow();
        }
        for (Client c : List.copyOf(clients)) {
            c.close();
        }
    }

    /** One connected client: a bounded queue of frames. */
    private final class Client implements AdminEventStream {
        private final ArrayBlockingQueue<String> queue;
        private volatile boolean ended;

        Client(int capacity) {
            // Room for the retry and hello frames on top of the events.
            this.queue = new ArrayBlockingQueue<>(capacity + 2);
        }

        void offer(String text) {
            if (!ended && !queue.offer(text)) {
                ended = true;
                cutOff.increment();
                clients.remove(this);
            }
        }

        @Override
        public String next(Duration maxWait) throws InterruptedException {
            // Wall time on purpose: the keep-alive is about the connection, not the orchestrator's clock.
            long deadline = System.nanoTime() + maxWait.toNanos();
            for (;;) {
                String first = queue.poll(Math.min(POLL_SLICE.toNanos(), Math.max(0, deadline - System.nanoTime())), TimeUnit.NANOSECONDS);
                if (first != null) {
                    StringBuilder sb = new StringBuilder(first);
                    String more;
                    for (int i = 0; i < 64 && (more = queue.poll()) != null; i++) {
                        sb.append(more);
                    }
                    return sb.toString();
                }
                if (ended || closed) {
                    return null;
                }
                if (System.nanoTime() - deadline >= 0) {
                    return ": keep-alive\n\n";
                }
            }
        }

        @Override
        public void close() {
            ended = true;
            clients.remove(this);
        }
    }
}
