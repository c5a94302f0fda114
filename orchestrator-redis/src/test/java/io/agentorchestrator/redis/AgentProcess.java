package io.agentorchestrator.redis;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.core.AgentRuntime;
import io.agentorchestrator.core.kit.TestSecurity;
import java.net.URI;
import java.util.concurrent.CountDownLatch;

/**
 * An agent in a process of its own, for the test that kills one: takes tasks from the given
 * endpoint, prints {@code TOOK <payload>} for each, and never finishes them.
 *
 * <p>Arguments: transport URI, agent id, endpoint, capability, max concurrency, and optionally
 * {@code announce} to announce itself in the directory with a 200 ms heartbeat.
 */
public final class AgentProcess {

    private AgentProcess() {
    }

    /** Runs until killed. */
    public static void main(String[] args) throws Exception {
        AgentDescriptor agent = AgentDescriptor.builder(args[1]).endpoint(args[2]).capability(args[3])
                .maxConcurrency(Integer.parseInt(args[4])).build();
        CountDownLatch never = new CountDownLatch(1);
        boolean announce = args.length > 5 && args[5].equals("announce");
        AgentRuntime.builder(agent).security(TestSecurity.OFF).transport(new RedisTransportProvider().create(URI.create(args[0]))).announce(announce)
                .heartbeatInterval(java.time.Duration.ofMillis(200))
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
