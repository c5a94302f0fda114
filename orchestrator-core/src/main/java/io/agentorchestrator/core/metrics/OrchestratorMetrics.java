package io.agentorchestrator.core.metrics;

import static io.agentorchestrator.core.metrics.OrchestratorMetricNames.*;

import io.agentorchestrator.api.Agent;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentStatus;
import io.agentorchestrator.api.OrchestratorEvent;
import io.agentorchestrator.api.OrchestratorListener;
import io.agentorchestrator.api.TaskTimeoutException;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.Orchestrator;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Micrometer meters for an {@link Orchestrator}: task counts and latencies, retries, hedges,
 * timeouts, queue depths, agents by status, breaker transitions, ejections and dropped live
 * events. Names are in {@link OrchestratorMetricNames}.
 *
 * <pre>{@code
 * new OrchestratorMetrics(orchestrator).bindTo(registry);
 * }</pre>
 *
 * <p>Counters and timers are driven by the orchestrator's event stream (this binder adds itself
 * as an {@link OrchestratorListener} on the first {@link #bindTo}), so only what happens after
 * binding is counted; gauges read the orchestrator when the registry is scraped. Gauges per
 * capability appear when the binder first sees the capability (at bind time for registered
 * agents, later from events). Per-agent tags multiply the series by the number of agents, so they
 * are off unless asked for.
 *
 * <p>Thread-safe; may be bound to several registries.
 */
public final class OrchestratorMetrics implements MeterBinder {

    private final Orchestrator orchestrator;
    private final boolean agentTags;
    private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();
    /** Counters and timers already registered, so an event costs a map lookup, not a registration with its filters. */
    private final Map<MeterKey, Object> meters = new ConcurrentHashMap<>();
    private final Set<String> capabilities = ConcurrentHashMap.newKeySet();
    private final OrchestratorListener listener = this::record;

    /**
     * Meters without per-agent tags.
     *
     * @throws ValidationException when {@code orchestrator} is null
     */
    public OrchestratorMetrics(Orchestrator orchestrator) {
        this(orchestrator, false);
    }

    /**
     * Meters with or without an {@value OrchestratorMetricNames#TAG_AGENT} tag on the task,
     * attempt, breaker and ejection meters. Keep it off with many or short-lived agents.
     *
     * @throws ValidationException when {@code orchestrator} is null
     */
    public OrchestratorMetrics(Orchestrator orchestrator, boolean agentTags) {
        this.orchestrator = ValidationException.requireNonNull(orchestrator, "orchestrator");
        this.agentTags = agentTags;
    }

    /** Registers the gauges and starts counting events into {@code registry}. */
    @Override
    public void bindTo(MeterRegistry registry) {
        ValidationException.requireNonNull(registry, "registry");
        if (registries.contains(registry)) {
            return;
        }
        Gauge.builder(TASKS_IN_FLIGHT, orchestrator, Orchestrator::tasksInFlight).strongReference(true)
                .description("Tasks accepted and not ended yet, waiting ones included").register(registry);
        FunctionCounter.builder(EVENTS_DROPPED, orchestrator, o -> o.events().dropped())
                .description("Live events lost because a subscriber's buffer was full").register(registry);
        for (String capability : capabilities) {
            registerCapabilityGauges(registry, capability);
        }
        boolean first = registries.isEmpty();
        registries.add(registry);
        for (Agent agent : orchestrator.agents()) {
            see(agent.descriptor());
        }
        if (first) {
            orchestrator.addListener(listener);
        }
    }

    private void see(AgentDescriptor agent) {
        for (String capability : agent.capabilities()) {
            see(capability);
        }
    }

    private void see(String capability) {
        // contains first: add() locks a hash bin even when the capability is known, once per task.
        if (capability != null && !capabilities.contains(capability) && capabilities.add(capability)) {
            for (MeterRegistry registry : registries) {
                registerCapabilityGauges(registry, capability);
            }
        }
    }

    private void registerCapabilityGauges(MeterRegistry registry, String capability) {
        Gauge.builder(TASKS_QUEUED, orchestrator, o -> o.queuedTasks(capability)).strongReference(true)
                .tag(TAG_CAPABILITY, capability).description("Tasks waiting for an agent with a free slot").register(registry);
        for (AgentStatus status : AgentStatus.values()) {
            Gauge.builder(AGENTS, orchestrator, o -> o.agents(capability).stream().filter(a -> a.status() == status).count())
                    .strongReference(true).tags(TAG_CAPABILITY, capability, TAG_STATUS, lower(status))
                    .description("Registered agents by status").register(registry);
        }
    }

    private void record(OrchestratorEvent event) {
        if (event instanceof OrchestratorEvent.TaskDispatched e) {
            see(e.capability());
            if (e.attempt() == 1) {
                count(TASKS_DISPATCHED, agent(Tags.of(TAG_CAPABILITY, e.capability()), e.agentId()));
            }
        } else if (event instanceof OrchestratorEvent.TaskCompleted e) {
            Tags tags = Tags.of(TAG_CAPABILITY, e.capability(), TAG_OUTCOME, OUTCOME_SUCCESS);
            count(TASKS_COMPLETED, agent(tags, e.agentId()));
            time(TASK_LATENCY, tags, e.latency());
        } else if (event instanceof OrchestratorEvent.TaskFailed e) {
            see(e.capability());
            count(TASKS_FAILED, agent(Tags.of(TAG_CAPABILITY, e.capability(), TAG_OUTCOME, e.error().getClass().getSimpleName()),
                    e.agentId()));
            if (e.error() instanceof TaskTimeoutException) {
                count(TIMEOUTS, Tags.of(TAG_CAPABILITY, e.capability()));
            }
        } else if (event instanceof OrchestratorEvent.AttemptCompleted e) {
            time(ATTEMPT_LATENCY, agent(Tags.of(TAG_CAPABILITY, e.capability(), TAG_OUTCOME, e.outcome()), e.agentId()), e.latency());
        } else if (event instanceof OrchestratorEvent.TaskRetried e) {
            count(RETRIES, Tags.of(TAG_CAPABILITY, e.capability()));
        } else if (event instanceof OrchestratorEvent.TaskHedged e) {
            count(HEDGES, Tags.of(TAG_CAPABILITY, e.capability()));
        } else if (event instanceof OrchestratorEvent.CircuitStateChanged e) {
            count(BREAKER_STATE_CHANGES, agent(Tags.of(TAG_FROM, lower(e.previous()), TAG_TO, lower(e.current())), e.agentId()));
        } else if (event instanceof OrchestratorEvent.AgentEjected e) {
            count(EJECTIONS, agent(Tags.empty(), e.agentId()));
        } else if (event instanceof OrchestratorEvent.AgentRegistered e) {
            see(e.agent());
        } else if (event instanceof OrchestratorEvent.AgentUpdated e) {
            see(e.current());
        }
    }

    private Tags agent(Tags tags, String agentId) {
        return agentTags ? tags.and(TAG_AGENT, agentId == null ? "none" : agentId) : tags;
    }

    private record MeterKey(MeterRegistry registry, String name, Tags tags) {
    }

    private void count(String name, Tags tags) {
        for (MeterRegistry registry : registries) {
            ((Counter) meters.computeIfAbsent(new MeterKey(registry, name, tags),
                    k -> Counter.builder(name).tags(tags).register(registry))).increment();
        }
    }

    private void time(String name, Tags tags, Duration latency) {
        for (MeterRegistry registry : registries) {
            ((Timer) meters.computeIfAbsent(new MeterKey(registry, name, tags),
                    k -> Timer.builder(name).tags(tags).publishPercentileHistogram().register(registry))).record(latency);
        }
    }

    private static String lower(Enum<?> value) {
        return value == null ? "none" : value.name().toLowerCase(Locale.ROOT);
    }
}
