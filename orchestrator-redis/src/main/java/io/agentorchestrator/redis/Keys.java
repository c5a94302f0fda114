package io.agentorchestrator.redis;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.ValidationException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * The key layout of one transport prefix, and how an agent endpoint maps onto it. Every key the
 * transport touches is named here, so the README's table and the code cannot drift apart.
 */
final class Keys {

    /** The consumer group that reads every task stream. */
    static final String GROUP = "agents";
    /** Endpoint path that names a shared per-capability stream: {@code redis:capability/<capability>}. */
    static final String CAPABILITY_PREFIX = "capability/";
    /** Number of priority levels, one stream each. */
    static final int LEVELS = Task.MAX_PRIORITY - Task.MIN_PRIORITY + 1;

    private final String prefix;

    Keys(String prefix) {
        this.prefix = prefix;
    }

    /** Where one agent endpoint's tasks go: an agent's own streams or a capability's shared ones. */
    record Target(boolean shared, String name, String base) {

        /** The stream of one priority level. */
        String stream(int priority) {
            return base + ":p" + priority;
        }

        /** The streams from highest to lowest priority, the order they are read in. */
        List<String> streamsHighestFirst() {
            List<String> streams = new ArrayList<>(LEVELS);
            for (int p = Task.MAX_PRIORITY; p >= Task.MIN_PRIORITY; p--) {
                streams.add(stream(p));
            }
            return streams;
        }
    }

    /**
     * The target of an agent endpoint: {@code redis:<agentId>} or {@code redis:capability/<capability>}
     * (leading slashes after the colon are ignored).
     *
     * @throws ValidationException when the endpoint names neither
     */
    Target target(URI endpoint) {
        String ssp = endpoint.getSchemeSpecificPart();
        while (ssp.startsWith("/")) {
            ssp = ssp.substring(1);
        }
        if (ssp.startsWith(CAPABILITY_PREFIX)) {
            String capability = ssp.substring(CAPABILITY_PREFIX.length());
            AgentDescriptor.requireCapability(capability, "endpoint capability");
            return new Target(true, capability, prefix + ":capability:" + capability);
        }
        ValidationException.require(!ssp.contains("/") && !ssp.contains("?"), "endpoint",
                "must be redis:<agentId> or redis:capability/<capability>", endpoint.toString());
        AgentDescriptor.requireId(ssp, "endpoint agent id");
        return new Target(false, ssp, prefix + ":agent:" + ssp);
    }

    /** The target of an agent's endpoint. */
    Target target(AgentDescriptor agent) {
        return target(agent.endpoint());
    }

    /** The reply stream of one orchestrator-side transport instance. */
    String replies(String instanceId) {
        return prefix + ":replies:" + instanceId;
    }

    /** Where malformed entries go. */
    String deadLetter() {
        return prefix + ":dead-letter";
    }

    /** Marks that an agent answered one attempt of a task, for dedupe on redelivery. */
    String done(String taskId, int attempt) {
        return prefix + ":done:" + taskId + ":" + attempt;
    }

    /** Hash of announced agents: agent id to descriptor JSON. */
    String registry() {
        return prefix + ":registry";
    }

    /** Sorted set of lease ends: agent id scored by lease end in epoch milliseconds. */
    String leases() {
        return prefix + ":registry:leases";
    }

    /** Pub/sub channel of the mirrored events of one event channel. */
    String eventChannel(String channel) {
        return prefix + ":events:" + channel;
    }

    /** Pub/sub channel of announcements and withdrawals. */
    String registryChannel() {
        return prefix + ":registry:events";
    }
}
