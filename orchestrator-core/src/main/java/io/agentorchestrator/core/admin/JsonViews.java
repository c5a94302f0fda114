package io.agentorchestrator.core.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentorchestrator.api.Agent;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentStatus;
import io.agentorchestrator.api.CircuitState;
import io.agentorchestrator.api.OrchestratorEvent;
import io.agentorchestrator.core.stats.RollingStats;
import io.agentorchestrator.core.stats.StatsSnapshot;
import io.agentorchestrator.core.stats.TimelinePoint;
import io.agentorchestrator.core.stats.WindowStats;
import java.time.Duration;
import java.util.Collection;
import java.util.List;

/** The JSON shapes of the admin API (documented in {@code openapi.yaml}), built as Jackson trees. */
final class JsonViews {

    static final ObjectMapper JSON = new ObjectMapper();

    private JsonViews() {
    }

    static double millis(Duration d) {
        return Math.round(d.toNanos() / 1e3) / 1e3;
    }

    static double round(double v) {
        return Math.round(v * 1e4) / 1e4;
    }

    static ObjectNode descriptor(AgentDescriptor d) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", d.id());
        n.put("name", d.name());
        ArrayNode caps = n.putArray("capabilities");
        d.capabilities().forEach(caps::add);
        n.put("endpoint", d.endpoint().toString());
        n.put("weight", d.weight());
        n.put("maxConcurrency", d.maxConcurrency());
        ObjectNode meta = n.putObject("metadata");
        d.metadata().forEach(meta::put);
        n.put("version", d.version());
        return n;
    }

    /** Whether the engine would route a new task to the agent now, apart from capacity and rate limits. */
    static boolean routable(Agent a) {
        return a.status() == AgentStatus.HEALTHY && !a.ejected() && a.circuitState() != CircuitState.OPEN;
    }

    static ObjectNode health(Agent a) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", a.id());
        n.put("status", a.status().name());
        n.put("circuitState", a.circuitState().name());
        n.put("ejected", a.ejected());
        n.put("routable", routable(a));
        n.put("inFlight", a.inFlight());
        n.put("maxConcurrency", a.descriptor().maxConcurrency());
        n.put("latencyEwmaMillis", millis(Duration.ofNanos(a.latencyEwmaNanos())));
        return n;
    }

    static ObjectNode agent(Agent a, StatsSnapshot stats) {
        ObjectNode n = descriptor(a.descriptor());
        ObjectNode h = health(a);
        h.remove("id");
        h.remove("maxConcurrency");
        n.setAll(h);
        RollingStats r = stats == null ? null : stats.agents().get(a.id());
        if (r != null) {
            n.set("oneMinute", window(r.oneMinute()));
        } else {
            n.putNull("oneMinute");
        }
        return n;
    }

    static ObjectNode agents(Collection<Agent> agents, StatsSnapshot stats) {
        ObjectNode n = JSON.createObjectNode();
        ArrayNode list = n.putArray("agents");
        agents.forEach(a -> list.add(agent(a, stats)));
        return n;
    }

    static ObjectNode capabilityHealth(String capability, List<Agent> agents, Integer required) {
        ObjectNode n = JSON.createObjectNode();
        n.put("capability", capability);
        n.put("agents", agents.size());
        n.put("routable", agents.stream().filter(JsonViews::routable).count());
        for (AgentStatus s : AgentStatus.values()) {
            n.put(s.name().toLowerCase(java.util.Locale.ROOT), agents.stream().filter(a -> a.status() == s).count());
        }
        n.put("ejected", agents.stream().filter(Agent::ejected).count());
        n.put("circuitOpen", agents.stream().filter(a -> a.circuitState() == CircuitState.OPEN).count());
        if (required == null) {
            n.putNull("requiredRoutable");
        } else {
            n.put("requiredRoutable", required);
        }
        n.put("ready", required == null || n.get("routable").asLong() >= required);
        return n;
    }

    static ObjectNode window(WindowStats w) {
        ObjectNode n = JSON.createObjectNode();
        n.put("windowSeconds", w.window().toSeconds());
        n.put("requests", w.requests());
        n.put("errors", w.errors());
        n.put("throughputPerSecond", round(w.throughputPerSecond()));
        n.put("errorRate", round(w.errorRate()));
        n.put("latencySamples", w.latencySamples());
        n.put("p50Millis", millis(w.p50()));
        n.put("p95Millis", millis(w.p95()));
        n.put("p99Millis", millis(w.p99()));
        n.put("throughputTrend", w.throughputTrend().name());
        n.put("errorRateTrend", w.errorRateTrend().name());
        n.put("latencyTrend", w.latencyTrend().name());
        return n;
    }

    static ObjectNode rolling(RollingStats r) {
        ObjectNode n = JSON.createObjectNode();
        n.set("oneMinute", window(r.oneMinute()));
        n.set("fiveMinutes", window(r.fiveMinutes()));
        n.set("fifteenMinutes", window(r.fifteenMinutes()));
        return n;
    }

    static ArrayNode timeline(List<TimelinePoint> points) {
        ArrayNode list = JSON.createArrayNode();
        for (TimelinePoint p : points) {
            ObjectNode n = list.addObject();
            n.put("start", p.start().toString());
            n.put("lengthMillis", p.length().toMillis());
            n.put("requests", p.requests());
            n.put("errors", p.errors());
            n.put("throughputPerSecond", round(p.throughputPerSecond()));
            n.put("p99Millis", millis(p.p99()));
        }
        return list;
    }

    static ObjectNode stats(StatsSnapshot s) {
        ObjectNode n = JSON.createObjectNode();
        n.put("at", s.at().toString());
        ObjectNode caps = n.putObject("capabilities");
        s.capabilities().forEach((k, v) -> caps.set(k, rolling(v)));
        ObjectNode agents = n.putObject("agents");
        s.agents().forEach((k, v) -> agents.set(k, rolling(v)));
        n.set("timeline", timeline(s.timeline()));
        return n;
    }

    /** The event's name on the SSE stream and its data, or {@code null} for events the stream does not carry. */
    static Named event(OrchestratorEvent event) {
        ObjectNode n = JSON.createObjectNode();
        n.put("at", event.at().toString());
        String name;
        if (event instanceof OrchestratorEvent.AgentRegistered e) {
            name = "agent-registered";
            n.set("agent", descriptor(e.agent()));
        } else if (event instanceof OrchestratorEvent.AgentUpdated e) {
            name = "agent-updated";
            n.set("agent", descriptor(e.current()));
        } else if (event instanceof OrchestratorEvent.AgentDeregistered e) {
            name = "agent-deregistered";
            n.put("agentId", e.agent().id());
        } else if (event instanceof OrchestratorEvent.AgentStatusChanged e) {
            name = "agent-status";
            n.put("agentId", e.agentId());
            n.put("previous", e.previous().name());
            n.put("status", e.current().name());
            n.put("reason", e.reason());
        } else if (event instanceof OrchestratorEvent.AgentEjected e) {
            name = "agent-ejected";
            n.put("agentId", e.agentId());
            n.put("ejections", e.ejections());
            n.put("durationMillis", e.duration().toMillis());
            n.put("reason", e.reason());
        } else if (event instanceof OrchestratorEvent.AgentReinstated e) {
            name = "agent-reinstated";
            n.put("agentId", e.agentId());
            n.put("reason", e.reason());
        } else if (event instanceof OrchestratorEvent.CircuitStateChanged e) {
            name = "circuit";
            n.put("agentId", e.agentId());
            n.put("previous", e.previous().name());
            n.put("state", e.current().name());
            n.put("reason", e.reason());
        } else if (event instanceof OrchestratorEvent.TaskCompleted e) {
            name = "task-completed";
            n.put("taskId", e.taskId());
            n.put("capability", e.capability());
            n.put("agentId", e.agentId());
            n.put("attempts", e.attempts());
            n.put("latencyMillis", millis(e.latency()));
        } else if (event instanceof OrchestratorEvent.TaskFailed e) {
            name = "task-failed";
            n.put("taskId", e.taskId());
            n.put("capability", e.capability());
            n.put("agentId", e.agentId());
            n.put("attempts", e.attempts());
            n.put("error", e.error().getClass().getSimpleName());
            n.put("message", e.error().getMessage());
        } else {
            return null;
        }
        return new Named(name, n);
    }

    /** An SSE event name with its data. */
    record Named(String name, ObjectNode data) {
        boolean isTaskOutcome() {
            return name.startsWith("task-");
        }
    }
}
