package io.agentorchestrator.redis;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.core.AgentRuntime;
import java.net.URI;
import java.util.concurrent.CountDownLatch;

/**
 * An agent in a process of its own, for the test that kills one: takes tasks from the given
 * endpoint, prints {@code TOOK <payload>} for each, and never finishes them.
 *
 * <p>Arguments: transport URI, agent id, endpoint, capability, max concurrency.
 */
public final class AgentProcess {

    private AgentProcess() {
    }

    /** Runs until killed. */
    public static void main(String[] args) throws Exception {
        AgentDescriptor agent = AgentDescriptor.builder(args[1]).endpoint(args[2]).capability(args[3])
                .maxConcurrency(Integer.parseInt(args[4])).build();
        CountDownLatch never = new CountDownLatch(1);
        AgentRuntime.builder(agent).transport(new RedisTransportProvider().create(URI.create(args[0]))).announce(false)
                .handler(task -> {
                    synchronized (System.out) {
                        System.out.println("TOOK " + task.payload().asUtf8());
                        System.out.flush();
                    }
                    never.await();
                    return Payload.empty();
                }).start();
        System.out.println("READY");
        System.out.flush();
        never.await();
    }
}
