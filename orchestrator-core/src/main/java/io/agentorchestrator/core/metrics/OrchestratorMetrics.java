package io.agentorchestrator.core.metrics;

import static io.agentorchestrator.core.metrics.OrchestratorMetricNames.*;

import io.agentorchestrator.api.Agent;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentStatus;
import io.agentorchestrator.api.OrchestratorEvent;
import io.agentorchestrator.api.OrchestratorListener;
import io.agentorchestrator.api.TaskTimeoutException;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.TransportCounters;
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
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

/**
 * Micrometer meters for an {@link Orchestrator}: task counts and latencies, retries, hedges,
 * timeouts, queue depths, agents by status, breaker transitions, ejections, dropped live events,
 * the result cache's hits, misses and evictions, and its transports' counters (send errors,
 * redeliveries, dead letters, late replies). Names are in {@link OrchestratorMetricNames}.
 *
 * <pre>{@code
 * Orchestrator.builder().meterRegistry(registry)...build();        // bound at build, transports included
 * new OrchestratorMetrics(orchestrator).bindTo(registry);          // or by hand, without transport meters
 * }</pre>
 *
 * <p>Counters and timers are driven by the orchestrator's event stream (this binder adds itself
 * as an {@link OrchestratorListener} on the first {@link #bindTo}), so only what happens after
 * binding is counted; gauges read the orchestrator when the registry is scraped. The samples of
 * completed tasks (the success series of the task and attempt latency timers and of the completed
 * counter) are recorded in bursts, up to 50 ms late: {@link #flush} records them at once. Gauges per
 * capability appear when the binder first sees the capability (at bind time for registered
 * agents, later from events). Per-agent tags multiply the series by the number of agents, so they
 * are off unless asked for.
 *
 * <p>Thread-safe; may be bound to several registries.
 */
public final class OrchestratorMetrics implements MeterBinder {

    private final Orchestrator orchestrator;
    private final boolean agentTags;
    private final List<Transport> transports;
    private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();
    /** Counters and timers already registered, so an event costs a map lookup, not a registration with its filters. */
    private final Map<MeterKey, Object> meters = new ConcurrentHashMap<>();
    private final Set<String> capabilities = ConcurrentHashMap.newKeySet();
    private final OrchestratorListener listener = new OrchestratorListener() {
        @Override
        public void onEvent(OrchestratorEvent event) {
            record(event);
        }

        @Override
        public void onClose() {
            flush();
            Flusher.stop(OrchestratorMetrics.this);
        }
    };
    /** How often the buffered samples of completed tasks are recorded at the latest, in milliseconds. */
    static final long FLUSH_MILLIS = 50;
    /** Each thread's completed-task samples not yet in the timers (see {@link SampleBuffer} for why). */
    private final ThreadLocal<SampleBuffer<CapabilityMeters>> local = ThreadLocal.withInitial(this::newBuffer);
    private final Set<SampleBuffer<CapabilityMeters>> buffers = ConcurrentHashMap.newKeySet();

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
        this(orchestrator, agentTags, List.of());
    }

    /**
     * Meters as {@link #OrchestratorMetrics(Orchestrator, boolean)}, plus the counters of each of
     * {@code transports} that reports {@link Transport#counters()}, tagged with its scheme.
     *
     * @throws ValidationException when {@code orchestrator} or {@code transports} is null
     */
    public OrchestratorMetrics(Orchestrator orchestrator, boolean agentTags, Collection<Transport> transports) {
        this.orchestrator = ValidationException.requireNonNull(orchestrator, "orchestrator");
        this.agentTags = agentTags;
        Set<Transport> distinct = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        distinct.addAll(ValidationException.requireNonNull(transports, "transports"));
        this.transports = List.copyOf(distinct);
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
        FunctionCounter.builder(CACHE_HITS, orchestrator, o -> o.resultCacheStats().hits())
                .description("Cacheable tasks answered from the result cache or by joining an identical dispatch").register(registry);
        FunctionCounter.builder(CACHE_MISSES, orchestrator, o -> o.resultCacheStats().misses())
                .description("Cacheable tasks that were dispatched").register(registry);
        FunctionCounter.builder(CACHE_EVICTIONS, orchestrator, o -> o.resultCacheStats().evictions())
                .description("Cached results dropped because they expired or the cache was full").register(registry);
        Gauge.builder(CACHE_SIZE, orchestrator, o -> o.resultCacheStats().size()).strongReference(true)
                .description("Results held by the result cache").register(registry);
        for (String capability : capabilities) {
            registerCapabilityGauges(registry, capability);
        }
        for (Transport transport : transports) {
            if (transport.counters().isPresent()) {
                registerTransportCounters(registry, transport);
            }
        }
        boolean first = registries.isEmpty();
        registries.add(registry);
        bound = registries.toArray(new MeterRegistry[0]);
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
        Gauge.builder(SCALING_DESIRED_AGENTS, orchestrator, o -> {
            java.util.OptionalInt desired = o.desiredAgents(capability);
            return desired.isPresent() ? desired.getAsInt() : Double.NaN;
        }).strongReference(true).tag(TAG_CAPABILITY, capability).description("Desired agent count from the auto-scaling signal")
                .register(registry);
        for (AgentStatus status : AgentStatus.values()) {
            Gauge.builder(AGENTS, orchestrator, o -> o.agents(capability).stream().filter(a -> a.status() == status).count())
                    .strongReference(true).tags(TAG_CAPABILITY, capability, TAG_STATUS, lower(status))
                    .description("Registered agents by status").register(registry);
        }
    }

    private static void registerTransportCounters(MeterRegistry registry, Transport transport) {
        Tags tags = Tags.of(TAG_TRANSPORT, transport.scheme());
        transportCounter(registry, TRANSPORT_SEND_ERRORS, tags, transport, TransportCounters::sendErrors,
                "Attempts that failed in the transport");
        transportCounter(registry, TRANSPORT_REDELIVERIES, tags, transport, TransportCounters::redeliveries,
                "Tasks the broker delivered again to an agent side");
        transportCounter(registry, TRANSPORT_DEAD_LETTERS, tags, transport, TransportCounters::deadLetters,
                "Messages set aside as undeliverable");
        transportCounter(registry, TRANSPORT_LATE_REPLIES, tags, transport, TransportCounters::lateReplies,
                "Replies that arrived after their task stopped waiting");
    }

    private static void transportCounter(MeterRegistry registry, String name, Tags tags, Transport transport,
            ToLongFunction<TransportCounters> count, String description) {
        FunctionCounter.builder(name, transport, t -> t.counters().map(count::applyAsLong).orElse(0L))
                .tags(tags).description(description).register(registry);
    }

    private void record(OrchestratorEvent event) {
        if (event instanceof OrchestratorEvent.TaskDispatched e) {
            CapabilityMeters meters = meters(e.capability());
            if (e.attempt() == 1) {
                if (agentTags) {
                    count(TASKS_DISPATCHED, e.capability(), null, agent(e.agentId()));
                } else {
                    for (CommonMeters m : meters.common) {
                        m.dispatched.increment();
                    }
                }
            }
        } else if (event instanceof OrchestratorEvent.TaskCompleted e) {
            // The completing attempt has no AttemptCompleted of its own: its latency comes with the task's.
            if (agentTags) {
                count(TASKS_COMPLETED, e.capability(), OUTCOME_SUCCESS, agent(e.agentId()));
                time(ATTEMPT_LATENCY, e.capability(), OUTCOME_SUCCESS, agent(e.agentId()), e.attemptLatency());
            }
            long nanos = e.latency().toNanos();
            long attemptNanos = e.attemptLatency() == e.latency() ? nanos : e.attemptLatency().toNanos();
            local.get().add(meters(e.capability()), nanos, attemptNanos);
        } else if (event instanceof OrchestratorEvent.TaskFailed e) {
            see(e.capability());
            String outcome = e.error().getClass().getSimpleName();
            count(TASKS_FAILED, e.capability(), outcome, agent(e.agentId()));
            time(TASK_LATENCY, e.capability(), outcome, null, e.latency());
            if (e.error() instanceof TaskTimeoutException) {
                count(TIMEOUTS, e.capability(), null, null);
            }
        } else if (event instanceof OrchestratorEvent.AttemptCompleted e) {
            time(ATTEMPT_LATENCY, e.capability(), e.outcome(), agent(e.agentId()), e.latency());
        } else if (event instanceof OrchestratorEvent.TaskRetried e) {
            count(RETRIES, e.capability(), null, null);
        } else if (event instanceof OrchestratorEvent.TaskHedged e) {
            count(HEDGES, e.capability(), null, null);
        } else if (event instanceof OrchestratorEvent.CircuitStateChanged e) {
            count(BREAKER_STATE_CHANGES, agentTags(Tags.of(TAG_FROM, lower(e.previous()), TAG_TO, lower(e.current())), e.agentId()));
        } else if (event instanceof OrchestratorEvent.AgentEjected e) {
            count(EJECTIONS, agentTags(Tags.empty(), e.agentId()));
        } else if (event instanceof OrchestratorEvent.AgentRegistered e) {
            see(e.agent());
        } else if (event instanceof OrchestratorEvent.AgentUpdated e) {
            see(e.current());
        }
    }

    /** Records one completed task's sample, buffered by {@link #local} until now. */
    private void recordCompleted(CapabilityMeters meters, long nanos, long attemptNanos) {
        for (CommonMeters m : meters.common) {
            m.latency.record(nanos, TimeUnit.NANOSECONDS);
            if (!agentTags) {
                m.completed.increment();
                m.attemptLatency.record(attemptNanos, TimeUnit.NANOSECONDS);
            }
        }
    }

    private SampleBuffer<CapabilityMeters> newBuffer() {
        SampleBuffer<CapabilityMeters> buffer = new SampleBuffer<>(this::recordCompleted, Thread.currentThread());
        buffers.add(buffer);
        Flusher.start(this);
        return buffer;
    }

    /**
     * Records into the registries the completed tasks whose samples the orchestrator's threads
     * still buffer. The binder records them by itself in bursts, at the latest every 50 ms and
     * when the orchestrator closes, so the task latency timers and the completed counter run up to
     * that far behind the events; call this before reading them when every task must be counted
     * (a test, say). Thread-safe.
     */
    public void flush() {
        for (SampleBuffer<CapabilityMeters> buffer : buffers) {
            while (!buffer.drain()) {
                // Its owner is draining it: a burst of at most SampleBuffer.SIZE samples.
                Thread.onSpinWait();
            }
            if (buffer.finished()) {
                buffers.remove(buffer);
            }
        }
    }

    /**
     * The one daemon thread that flushes every bound binder that has buffered samples, every
     * {@link #FLUSH_MILLIS} ms: one thread for the process however many orchestrators it runs.
     */
    private static final class Flusher {
        private static final Set<OrchestratorMetrics> ACTIVE = ConcurrentHashMap.newKeySet();
        private static Thread thread;

        static void start(OrchestratorMetrics metrics) {
            if (ACTIVE.add(metrics)) {
                synchronized (Flusher.class) {
                    if (thread == null) {
                        thread = new Thread(Flusher::run, "orchestrator-metrics-flush");
                        thread.setDaemon(true);
                        thread.start();
                    }
                }
            }
        }

        static void stop(OrchestratorMetrics metrics) {
            ACTIVE.remove(metrics);
        }

        private static void run() {
            for (;;) {
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(FLUSH_MILLIS));
                for (OrchestratorMetrics metrics : ACTIVE) {
                    try {
                        metrics.flush();
                    } catch (RuntimeException | Error e) {
                        org.slf4j.LoggerFactory.getLogger(OrchestratorMetrics.class).warn("Recording buffered task samples failed", e);
                    }
                }
            }
        }
    }

    /**
     * The meters of one capability that every successful task touches, held so that recording
     * them builds nothing; they are the very meters {@link #count} and {@link #time} would find.
     * With per-agent tags only the end-to-end timer, which has no agent tag: a name must keep one
     * set of tag keys (Prometheus refuses a second).
     */
    private static final class CommonMeters {
        final Counter dispatched;
        final Counter completed;
        final Timer latency;
        final Timer attemptLatency;

        CommonMeters(MeterRegistry registry, String capability, boolean agentTags) {
            Tags success = Tags.of(TAG_CAPABILITY, capability, TAG_OUTCOME, OUTCOME_SUCCESS);
            latency = Timer.builder(TASK_LATENCY).tags(success).publishPercentileHistogram().register(registry);
            if (agentTags) {
                dispatched = null;
                completed = null;
                attemptLatency = null;
            } else {
                dispatched = Counter.builder(TASKS_DISPATCHED).tags(TAG_CAPABILITY, capability).register(registry);
                completed = Counter.builder(TASKS_COMPLETED).tags(success).register(registry);
                attemptLatency = Timer.builder(ATTEMPT_LATENCY).tags(success).publishPercentileHistogram().register(registry);
            }
        }
    }

    /** The registries bound, in a fixed array that identifies which ones a {@link CapabilityMeters} was resolved for. */
    private volatile MeterRegistry[] bound = new MeterRegistry[0];
    /** The common meters of each capability in every bound registry. */
    private final Map<String, CapabilityMeters> byCapability = new ConcurrentHashMap<>();
    /** The last capability's meters: a run of tasks of one capability looks nothing up. */
    private volatile CapabilityMeters last;

    /** One capability's {@link CommonMeters}, one per registry of {@link #bound} at the time it was resolved. */
    private record CapabilityMeters(String capability, MeterRegistry[] registries, CommonMeters[] common) {
    }

    /** Resolves once per capability (and again after another registry is bound); also registers the capability's gauges. */
    private CapabilityMeters meters(String capability) {
        MeterRegistry[] current = bound;
        CapabilityMeters m = last;
        if (m != null && m.registries == current && (m.capability == capability || m.capability.equals(capability))) {
            return m;
        }
        m = byCapability.get(capability);
        if (m == null || m.registries != current) {
            see(capability);
            CommonMeters[] common = new CommonMeters[current.length];
            for (int i = 0; i < current.length; i++) {
                common[i] = common(current[i], capability);
            }
            m = new CapabilityMeters(capability, current, common);
            byCapability.put(capability, m);
        }
        last = m;
        return m;
    }

    /** Per registry, then per capability: two lookups by identity and by a string whose hash is cached. */
    private final Map<MeterRegistry, Map<String, CommonMeters>> common = new ConcurrentHashMap<>();

    private CommonMeters common(MeterRegistry registry, String capability) {
        Map<String, CommonMeters> byCapability = common.computeIfAbsent(registry, r -> new ConcurrentHashMap<>());
        CommonMeters meters = byCapability.get(capability);
        return meters != null ? meters : byCapability.computeIfAbsent(capability, c -> new CommonMeters(registry, c, agentTags));
    }

    /** The agent tag's value when per-agent tags are on, else null (no tag). */
    private String agent(String agentId) {
        return !agentTags ? null : agentId == null ? "none" : agentId;
    }

    private Tags agentTags(Tags tags, String agentId) {
        return agentTags ? tags.and(TAG_AGENT, agentId == null ? "none" : agentId) : tags;
    }

    /**
     * Finds an already registered task meter by its plain tag values, so the common event costs a
     * small record and a map lookup: no {@link Tags} built, no registration with its filters.
     */
    private record MeterKey(MeterRegistry registry, String name, String capability, String outcome, String agent) {

        Tags tags() {
            Tags tags = Tags.of(TAG_CAPABILITY, capability);
            if (outcome != null) {
                tags = tags.and(TAG_OUTCOME, outcome);
            }
            return agent == null ? tags : tags.and(TAG_AGENT, agent);
        }
    }

    private void count(String name, String capability, String outcome, String agent) {
        for (MeterRegistry registry : registries) {
            ((Counter) meters.computeIfAbsent(new MeterKey(registry, name, capability, outcome, agent),
                    k -> Counter.builder(name).tags(k.tags()).register(registry))).increment();
        }
    }

    /** For the rare meters not tagged by capability; registered through the registry's own cache. */
    private void count(String name, Tags tags) {
        for (MeterRegistry registry : registries) {
            registry.counter(name, tags).increment();
        }
    }

    private void time(String name, String capability, String outcome, String agent, Duration latency) {
        for (MeterRegistry registry : registries) {
            ((Timer) meters.computeIfAbsent(new MeterKey(registry, name, capability, outcome, agent),
                    k -> Timer.builder(name).tags(k.tags()).publishPercentileHistogram().register(registry))).record(latency);
        }
    }

    private static String lower(Enum<?> value) {
        return value == null ? "none" : value.name().toLowerCase(Locale.ROOT);
    }
}
