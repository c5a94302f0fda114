package io.agentorchestrator.core.internal;

import io.agentorchestrator.api.AgentStatus;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Reads each capability's load for the {@link AutoScaler} from a registry snapshot and the wait queues. */
final class ScalingLoads {

    private ScalingLoads() {
    }

    static Map<String, AutoScaler.Load> read(AgentRegistry.Snapshot snapshot, Map<String, WaitQueue> queues) {
        Map<String, AutoScaler.Load> loads = new TreeMap<>();
        for (Map.Entry<String, List<AgentState>> e : snapshot.byCapability.entrySet()) {
            loads.put(e.getKey(), load(e.getValue(), queues.get(e.getKey())));
        }
        // A capability whose agents are all gone may still have tasks waiting for one.
        for (Map.Entry<String, WaitQueue> e : queues.entrySet()) {
            loads.computeIfAbsent(e.getKey(), c -> load(List.of(), e.getValue()));
        }
        return loads;
    }

    private static AutoScaler.Load load(List<AgentState> agents, WaitQueue queue) {
        int count = 0;
        int inFlight = 0;
        int capacity = 0;
        long latency = 0;
        int measured = 0;
        for (AgentState a : agents) {
            if (a.status() != AgentStatus.HEALTHY) {
                continue;
            }
            count++;
            inFlight += a.inFlight();
            capacity += a.descriptor().maxConcurrency();
            long l = a.latencyEwmaNanos();
            if (l > 0) {
                latency += l;
                measured++;
            }
        }
        return new AutoScaler.Load(count, inFlight, capacity, queue == null ? 0 : queue.size(), measured == 0 ? 0 : latency / measured);
    }
}
