package io.agentorchestrator.core.security.internal;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentDirectory;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.Transport;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A transport whose tasks and replies carry credentials and (when configured) encrypted payloads,
 * and whose directory carries signed announcements. The wrapped transport sees only what goes on
 * the wire: headers, ciphertext, signed metadata.
 */
final class SecuredTransport implements Transport {

    private final Transport delegate;
    private final SecurityLayer layer;
    private final Optional<AgentDirectory> directory;

    SecuredTransport(Transport delegate, SecurityLayer layer) {
        this.delegate = delegate;
        this.layer = layer;
        this.directory = delegate.directory().map(d -> new SecuredDirectory(d, layer, delegate.scheme()));
    }

    @Override
    public String scheme() {
        return delegate.scheme();
    }

    @Override
    public CompletableFuture<ResultEnvelope> send(AgentDescriptor agent, TaskEnvelope envelope) {
        CompletableFuture<ResultEnvelope> sent = delegate.send(agent, layer.sealTask(envelope));
        CompletableFuture<ResultEnvelope> out = new CompletableFuture<>();
        sent.whenComplete((reply, error) -> {
            if (error != null) {
                out.completeExceptionally(error);
                return;
            }
            try {
                out.complete(layer.openReply(agent, envelope.taskId(), reply, scheme()));
            } catch (RuntimeException e) {
                out.completeExceptionally(e);
            }
        });
        // The engine cancels on timeout; the transport must hear of it to drop its correlation.
        out.whenComplete((r, e) -> {
            if (out.isCancelled()) {
                sent.cancel(false);
            }
        });
        return out;
    }

    @Override
    public Listener listen(AgentDescriptor agent, TaskReceiver receiver) {
        return delegate.listen(agent, (envelope, reply) -> layer.onTask(agent, envelope, reply, receiver, scheme()));
    }

    @Override
    public Optional<AgentDirectory> directory() {
        return directory;
    }

    @Override
    public Optional<io.agentorchestrator.api.TransportCounters> counters() {
        return delegate.counters();
    }

    /** The broker's channel as it is: mirrored events carry no payloads and are neither signed nor encrypted here. */
    @Override
    public Optional<io.agentorchestrator.api.EventChannel> eventChannel() {
        return delegate.eventChannel();
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return "Secured" + delegate;
    }
}
