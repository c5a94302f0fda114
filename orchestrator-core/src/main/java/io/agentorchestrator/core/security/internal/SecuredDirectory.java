package io.agentorchestrator.core.security.internal;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentDirectory;
import io.agentorchestrator.api.Transport;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A directory whose announcements carry a credential in the agent's metadata, and whose watchers
 * only hear of announcements that verify. A withdrawal is a bare agent id on every broker, so the
 * agent side first announces a signed withdrawal and the watcher acts on that; bare withdrawals
 * (and lease expiries reported by the broker) are left to the orchestrator's own lease sweep.
 */
final class SecuredDirectory implements AgentDirectory {

    private static final Logger log = LoggerFactory.getLogger(SecuredDirectory.class);

    private final AgentDirectory delegate;
    private final SecurityLayer layer;
    private final String scheme;
    /** What this side announced last, per agent id: a signed withdrawal repeats it. */
    private final Map<String, Announced> announced = new ConcurrentHashMap<>();

    private record Announced(AgentDescriptor agent, Duration ttl) {
    }

    SecuredDirectory(AgentDirectory delegate, SecurityLayer layer, String scheme) {
        this.delegate = delegate;
        this.layer = layer;
        this.scheme = scheme;
    }

    @Override
    public void announce(AgentDescriptor agent, Duration ttl) {
        AgentDescriptor clean = SecurityLayer.strip(agent);
        delegate.announce(layer.signAnnouncement(clean, ttl, false), ttl);
        announced.put(clean.id(), new Announced(clean, ttl));
    }

    @Override
    public void withdraw(String agentId) {
        Announced last = announced.remove(agentId);
        if (last != null) {
            delegate.announce(layer.signAnnouncement(last.agent(), last.ttl(), true), last.ttl());
        }
        delegate.withdraw(agentId);
    }

    @Override
    public Transport.Listener watch(Watcher watcher) {
        return delegate.watch(new Watcher() {
            @Override
            public void announced(AgentDescriptor agent, Duration ttl) {
                layer.openAnnouncement(agent, scheme).ifPresent(a -> {
                    if (a.withdraw()) {
                        watcher.withdrawn(a.agent().id());
                    } else {
                        watcher.announced(a.agent(), ttl);
                    }
                });
            }

            @Override
            public void withdrawn(String agentId) {
                log.debug("Unsigned withdrawal of agent {} on {} ignored; its lease decides", agentId, scheme);
            }
        });
    }

    @Override
    public String toString() {
        return "Secured" + delegate;
    }
}
