package io.agentorchestrator.core;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.Transport;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A transport whose replies the test gives by hand, to drive the engine step by step. */
class ScriptedTransport implements Transport {

    record Sent(AgentDescriptor agent, TaskEnvelope envelope, CompletableFuture<ResultEnvelope> reply) {
        void succeed(String text) {
            reply.complete(ResultEnvelope.success(envelope.taskId(), agent.id(), Payload.ofUtf8(text)));
        }
    }

    final LinkedBlockingQueue<Sent> sent = new LinkedBlockingQueue<>();

    @Override
    public String scheme() {
        return "scripted";
    }

    @Override
    public CompletableFuture<ResultEnvelope> send(AgentDescriptor agent, TaskEnvelope envelope) {
        CompletableFuture<ResultEnvelope> reply = new CompletableFuture<>();
        sent.add(new Sent(agent, envelope, reply));
        return reply;
    }

    @Override
    public Listener listen(AgentDescriptor agent, TaskReceiver receiver) {
        throw new UnsupportedOperationException("the scripted transport only sends");
    }

    @Override
    public void close() {
    }

    /** The next send, waiting at most 10 s for it. */
    Sent next() throws InterruptedException {
        Sent s = sent.poll(10, TimeUnit.SECONDS);
        if (s == null) {
            throw new AssertionError("nothing was sent within 10 s");
        }
        return s;
    }

    static AgentDescriptor agent(String id, String capability, int maxConcurrency) {
        return AgentDescriptor.builder(id).capability(capability).endpoint("scripted:" + id).maxConcurrency(maxConcurrency).build();
    }
}
