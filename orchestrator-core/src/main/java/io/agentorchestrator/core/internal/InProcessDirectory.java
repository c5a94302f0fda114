package io.agentorchestrator.core.internal;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentDirectory;
import io.agentorchestrator.api.Ticker;
import io.agentorchestrator.api.Transport;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JVM-wide agent directory of the {@code inproc:} transport: every orchestrator in the JVM
 * that watches it sees every agent runtime in the JVM that announces itself.
 */
final class InProcessDirectory implements AgentDirectory {

    static final InProcessDirectory SHARED = new InProcessDirectory(Ticker.system());

    private static final Logger log = LoggerFactory.getLogger(InProcessDirectory.class);

    private record Entry(AgentDescriptor agent, long expiresAtNanos) {
    }

    private final Ticker ticker;
    private final Map<String, Entry> announced = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<Watcher> watchers = new CopyOnWriteArrayList<>();

    InProcessDirectory(Ticker ticker) {
        this.ticker = ticker;
    }

    @Override
    public void announce(AgentDescriptor agent, Duration ttl) {
        announced.put(agent.id(), new Entry(agent, ticker.read() + ttl.toNanos()));
        for (Watcher w : watchers) {
            notify(w, () -> w.announced(agent, ttl));
        }
    }

    @Override
    public void withdraw(String agentId) {
        if (announced.remove(agentId) != null) {
            for (Watcher w : watchers) {
                notify(w, () -> w.withdrawn(agentId));
            }
        }
    }

    @Override
    public Transport.Listener watch(Watcher watcher) {
        watchers.add(watcher);
        long now = ticker.read();
        for (Entry e : announced.values()) {
            long left = e.expiresAtNanos() - now;
            if (left > 0) {
                notify(watcher, () -> watcher.announced(e.agent(), Duration.ofNanos(left)));
            } else {
                announced.remove(e.agent().id(), e);
            }
        }
        return () -> watchers.remove(watcher);
    }

    private static void notify(Watcher watcher, Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            log.warn("Agent directory watcher {} threw; carrying on", watcher, e);
        }
    }
}
