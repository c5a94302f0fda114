package io.agentorchestrator.core.internal;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentDirectory;
import io.agentorchestrator.api.EventChannel;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.TransportCounters;
import io.agentorchestrator.api.TransportException;
import io.agentorchestrator.api.TransportProvider;
import java.net.URI;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The {@code inproc:} transport: orchestrator and agents in one JVM, tasks handed over by
 * reference with no copy and no serialisation.
 *
 * <p>Endpoints live in one JVM-wide namespace: {@code inproc:planner-1} reaches whichever
 * runtime listens on {@code planner-1}, whatever transport instance it was given. An endpoint
 * that closes fails the tasks it has not answered with a retryable {@link TransportException},
 * the way a crashed remote agent would. Its {@link AgentDirectory} is JVM-wide too: agent runtimes
 * announced on any {@code inproc:} transport are seen by every watching orchestrator in the JVM.
 */
public final class InProcessTransport implements Transport {

    /** The scheme, {@value}. */
    public static final String SCHEME = "inproc";

    private static final ConcurrentHashMap<String, Endpoint> ENDPOINTS = new ConcurrentHashMap<>();

    private final Set<Endpoint> opened = ConcurrentHashMap.newKeySet();
    private final LongAdder sendErrors = new LongAdder();
    private final LongAdder lateReplies = new LongAdder();

    @Override
    public String scheme() {
        return SCHEME;
    }

    @Override
    public CompletableFuture<ResultEnvelope> send(AgentDescriptor agent, TaskEnvelope envelope) {
        String name = endpointName(agent.endpoint());
        Endpoint endpoint = ENDPOINTS.get(name);
        if (endpoint == null) {
            sendErrors.increment();
            return CompletableFuture.failedFuture(new TransportException(SCHEME, agent.endpoint().toString(),
                    "No agent is listening at " + agent.endpoint()));
        }
        return endpoint.deliver(envelope, this);
    }

    @Override
    public Listener listen(AgentDescriptor agent, TaskReceiver receiver) {
        String name = endpointName(agent.endpoint());
        Endpoint endpoint = new Endpoint(name, agent.endpoint().toString(), receiver);
        if (ENDPOINTS.putIfAbsent(name, endpoint) != null) {
            throw new TransportException(SCHEME, agent.endpoint().toString(),
                    "Another agent is already listening at " + agent.endpoint(), false, null);
        }
        opened.add(endpoint);
        return () -> {
            opened.remove(endpoint);
            endpoint.close();
        };
    }

    @Override
    public Optional<AgentDirectory> directory() {
        return Optional.of(InProcessDirectory.SHARED);
    }

    /** One channel for the JVM, shared by every in-process transport. */
    @Override
    public Optional<EventChannel> eventChannel() {
        return Optional.of(InProcessEventChannel.SHARED);
    }

    /** Nothing is ever redelivered or dead-lettered in one JVM: those stay 0. */
    @Override
    public Optional<TransportCounters> counters() {
        return Optional.of(new TransportCounters(sendErrors.sum(), 0, 0, lateReplies.sum()));
    }

    @Override
    public void close() {
        for (Endpoint endpoint : opened) {
            endpoint.close();
        }
        opened.clear();
    }

    /** {@code inproc:name} and {@code inproc://name} both name the endpoint {@code name}. */
    static String endpointName(URI endpoint) {
        String ssp = endpoint.getSchemeSpecificPart();
        while (ssp.startsWith("/")) {
            ssp = ssp.substring(1);
        }
        return ssp;
    }

    private static final class Endpoint {
        private final String name;
        private final String uri;
        private final TaskReceiver receiver;
        /** Replies not given yet. */
        private final PendingSet<Reply> pending = new PendingSet<>();
        private volatile boolean closed;

        Endpoint(String name, String uri, TaskReceiver receiver) {
            this.name = name;
            this.uri = uri;
            this.receiver = receiver;
        }

        CompletableFuture<ResultEnvelope> deliver(TaskEnvelope envelope, InProcessTransport sender) {
            Reply reply = new Reply(sender);
            PendingSet.Entry<Reply> entry = pending.track(reply);
            // close() may have swept pending before the add: check again so the reply cannot hang.
            if (closed) {
                fail(pending.untrack(entry));
                return reply;
            }
            try {
                receiver.onTask(envelope, result -> {
                    // Not pending, or not completed: the sender cancelled it (timeout, a hedge won) before the answer.
                    if (pending.untrack(entry) == null || !reply.complete(result)) {
                        sender.lateReplies.increment();
                    }
                });
            } catch (RuntimeException e) {
                if (pending.untrack(entry) != null) {
                    sender.sendErrors.increment();
                    reply.completeExceptionally(new TransportException(SCHEME, uri, "Agent at " + uri + " threw while receiving a task", true, e));
                }
            }
            return reply;
        }

        void close() {
            closed = true;
            ENDPOINTS.remove(name, this);
            for (Reply reply : pending.untrackAll()) {
                fail(reply);
            }
        }

        /** Fails a reply this caller took out of {@link #pending}; does nothing for null (someone else took it). */
        private void fail(Reply reply) {
            if (reply != null) {
                reply.sender.sendErrors.increment();
                reply.completeExceptionally(new TransportException(SCHEME, uri, "Agent at " + uri + " stopped before replying"));
            }
        }
    }

    /** A reply not given yet, with the transport that sent the task, which counts what happens to it. */
    private static final class Reply extends CompletableFuture<ResultEnvelope> {
        final InProcessTransport sender;

        Reply(InProcessTransport sender) {
            this.sender = sender;
        }
    }

    /** Serves {@code inproc:}. */
    public static final class Provider implements TransportProvider {

        /** Used by {@link java.util.ServiceLoader}. */
        public Provider() {
        }

        @Override
        public Set<String> schemes() {
            return Set.of(SCHEME);
        }

        @Override
        public Transport create(URI uri) {
            return new InProcessTransport();
        }
    }
}
